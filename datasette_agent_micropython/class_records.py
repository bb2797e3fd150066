"""Keep what MicroPython discards from class bodies: their annotations and the order of their names.

MicroPython compiles `x: int` in a class body to nothing and `x: int = 0` to `x = 0`, and its
class namespaces are hash-ordered. The guest's dataclasses, typing.NamedTuple, TypedDict and
enum need both, so before a snippet is sent, each class body gets:

- `__annotations__`, a dict holding every annotated name with its annotation as text, as CPython
  keeps it under `from __future__ import annotations`: `y: int` becomes
  `__annotations__['y'] = 'int'` and `x: int = 0` becomes `x = 0; __annotations__['x'] = 'int'`;
  with `__annotation_order__`, the annotated names in source order (MicroPython's dicts are
  hash-ordered; a plain dict and a tuple cost no import, so an annotated class stays cheap);
- `__definition_order__`, the names its top-level assignments bind, in order, for a class with
  bases and at least two such names (what enum needs to list members in definition order).

The rewrite replaces text inside the statements it touches and never adds or removes a line,
so tracebacks keep the user's line numbers. Code that CPython cannot parse is left as it is,
for MicroPython to report.
"""

from __future__ import annotations

import ast
import re

from .transform import parse

# Parsing costs milliseconds: only code that may hold an annotated class attribute or an enum pays.
MAX_CODE_CHARS = 256 * 1024  # longer code is sent as it is: parsing it could take seconds
_WORTH_PARSING = re.compile(r"^[ \t]+[A-Za-z_]\w*[ \t]*:(?!=)|Enum|Flag", re.MULTILINE)


def record_class_bodies(code: str) -> str:
    """`code` with each class body's annotations and name order recorded (see the module doc)."""
    if len(code) > MAX_CODE_CHARS or "class" not in code or not _WORTH_PARSING.search(code):
        return code
    if "\r" in code.replace("\r\n", ""):
        return code  # a lone CR ends a line for the parser but not for the line split below
    try:
        tree = parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return code
    parts = code.split("\n")
    lines = [part + "\n" for part in parts[:-1]] + [parts[-1]]
    edits: list[tuple[int, int, int, int, str]] = []
    for node in _statements(tree.body):
        if isinstance(node, ast.ClassDef):
            edits.extend(_class_edits(node, lines))
    if not edits:
        return code
    return _apply(lines, edits)


def _class_edits(node: ast.ClassDef, lines: list[str]) -> list[tuple[int, int, int, int, str]]:
    annotated = [
        statement
        for statement in _body_statements(node.body)
        if isinstance(statement, ast.AnnAssign) and statement.simple and isinstance(statement.target, ast.Name)
    ]
    edits = []
    prefix = ""
    order = _definition_order(node)
    if order and node.bases and _is_simple(node.body[0]):
        prefix = "__definition_order__ = %r; " % (order,)
        if not (annotated and annotated[0] is node.body[0]):
            first = node.body[0]
            edits.append((first.lineno, first.col_offset, first.lineno, first.col_offset, prefix))
            prefix = ""
    setup = "__annotations__ = {}; __annotation_order__ = %r; " % (
        tuple(dict.fromkeys(statement.target.id for statement in annotated)),
    )
    for index, statement in enumerate(annotated):
        name = statement.target.id
        value = "" if statement.value is None else _source(lines, statement.value)
        # The statement's line breaks that the value does not keep go inside the record.
        spare = statement.end_lineno - statement.lineno - value.count("\n")
        record = "__annotations__[%r] = %s" % (name, _padded(repr(ast.unparse(statement.annotation)), spare))
        if statement.value is not None:
            record = "%s = %s; %s" % (name, value, record)
        start = (prefix + setup if index == 0 else "") + record
        prefix = ""
        edits.append((statement.lineno, statement.col_offset, statement.end_lineno, statement.end_col_offset, start))
    return edits


def _statements(body: list[ast.stmt]):
    """Every statement, at any depth (expressions are never visited: they hold no class)."""
    for statement in body:
        yield statement
        for field in ("body", "orelse", "finalbody"):
            yield from _statements(getattr(statement, field, []) or [])
        for handler in getattr(statement, "handlers", []) or []:
            yield from _statements(handler.body)
        for case in getattr(statement, "cases", []) or []:
            yield from _statements(case.body)


def _body_statements(body: list[ast.stmt]):
    """The statements of a class body, nested blocks included, but not those of inner scopes."""
    for statement in body:
        yield statement
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody"):
            yield from _body_statements(getattr(statement, field, []) or [])
        for handler in getattr(statement, "handlers", []) or []:
            yield from _body_statements(handler.body)


def _definition_order(node: ast.ClassDef) -> tuple[str, ...]:
    names: list[str] = []
    for statement in node.body:
        targets = (
            statement.targets
            if isinstance(statement, ast.Assign)
            else ([statement.target] if isinstance(statement, ast.AnnAssign) and statement.value is not None else [])
        )
        for target in targets:
            if isinstance(target, ast.Name) and target.id not in names:
                names.append(target.id)
    return tuple(names) if len(names) >= 2 else ()


def _is_simple(statement: ast.stmt) -> bool:
    return not isinstance(
        statement,
        (
            ast.FunctionDef,
            ast.AsyncFunctionDef,
            ast.ClassDef,
            ast.If,
            ast.For,
            ast.AsyncFor,
            ast.While,
            ast.With,
            ast.AsyncWith,
            ast.Try,
            ast.Match,
        ),
    )


def _padded(text: str, newlines: int) -> str:
    """text, wrapped in parentheses holding `newlines` line breaks, so the line count is kept."""
    return "(" + "\n" * newlines + text + ")" if newlines else text


def _source(lines: list[str], node: ast.expr) -> str:
    """The source text of node (ast positions count columns in UTF-8 bytes)."""
    first = lines[node.lineno - 1].encode("utf-8")
    if node.lineno == node.end_lineno:
        return first[node.col_offset : node.end_col_offset].decode("utf-8")
    middle = "".join(lines[node.lineno : node.end_lineno - 1])
    last = lines[node.end_lineno - 1].encode("utf-8")[: node.end_col_offset].decode("utf-8")
    return first[node.col_offset :].decode("utf-8") + middle + last


def _apply(lines: list[str], edits: list[tuple[int, int, int, int, str]]) -> str:
    """Replace each (line, byte column) span, the last first, so earlier positions stay valid."""
    for start_line, start_col, end_line, end_col, text in sorted(edits, reverse=True):
        first = lines[start_line - 1]
        last = lines[end_line - 1]
        head = first.encode("utf-8")[:start_col].decode("utf-8")
        tail = last.encode("utf-8")[end_col:].decode("utf-8")
        lines[start_line - 1 : end_line] = [head + text + tail]
    return "".join(lines)
