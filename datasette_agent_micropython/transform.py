"""Rewrite the model's CPython code so that MicroPython runs it with CPython's semantics.

MicroPython's C code gets some things silently wrong (float formatting, `,` grouping, dict
order, sort stability, padding by bytes) and lacks others (str slices with a step, many str
methods, PEP 448 displays). Its interpreter cannot be changed, so the host rewrites the
constructs concerned into calls of small guest helpers (`guest/lib/_cpython.py`, reached by
the one hidden global `__cp`) before the code is handed to the guest.

The rewrite is lossless where it does not apply: CPython's own parser finds the nodes, and
each replacement is spliced into the original text at the node's position. Every replacement
keeps its node's line span and puts each sub-expression on its original line (inside the
brackets of a helper call, where newlines are free), so tracebacks point at the user's lines.
Code CPython cannot parse, or that is too large or too deeply nested to parse safely, passes
through untouched and MicroPython reports on it as before.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import re
import sys
import threading
import unicodedata
import warnings
from collections.abc import Iterable
from pathlib import Path

# Bigger code is handed over as written: parsing it on the host would cost more than it saves.
MAX_TRANSFORM_CHARS = 1_000_000
# The global through which rewritten code reaches the helpers; the guest binds it (see bootstrap).
HELPERS = "__cp"

# Builtins whose calls are routed to CPython-behaving helpers of the same name, unless the code
# binds the name itself. `dict` calls go to the insertion-ordered `odict`.
ROUTED_BUILTINS = {
    "format": "format",
    "round": "round",
    "sorted": "sorted",
    "min": "min",
    "max": "max",
    "print": "print",
    "str": "str",
    "repr": "repr",
    "dict": "odict",
    "float": "float",
    "ascii": "ascii",
    "type": "type",
    "exec": "exec",
    "eval": "eval",
}

# str methods that MicroPython lacks or gets wrong. A call `x.name(...)` becomes
# `__cp.s_name(x, ...)`, which handles a str and otherwise calls x's own method.
ROUTED_STR_METHODS = frozenset(
    """capitalize casefold center expandtabs format format_map isalnum isalpha isascii isdecimal
    isdigit isidentifier islower isnumeric isprintable isspace istitle isupper ljust lower lstrip
    removeprefix removesuffix rjust rsplit rstrip split splitlines strip swapcase title translate
    upper zfill""".split()
)

# F-strings of at most this many fields, the last without a spec or conversion, are written by one
# call of a %-template (fs1..fs3): the gain is the last field's formatting call, which fs makes
# only for a value that is neither an int nor a str.
MAX_TEMPLATE_FIELDS = 3

# Routed builtins that only differ from MicroPython's on containers and floats.
TEXT_BUILTINS = frozenset({"print", "str"})

# Names an int proof relies on (see `_IntProof`): the builtins it trusts, and the handles through
# which code can patch them (MicroPython lets `builtins.range = f` replace the builtin for every
# later call). A session that binds one of these gets no proof.
PROOF_NAMES = frozenset({"range", "len", "builtins", "__builtins__"})
# Names through which code can rebind variables or builtins unseen by the parser: with any of
# them in the code (as a name, an imported module or an attribute), nothing is proved an int.
_DYNAMIC_NAMES = frozenset(
    {"globals", "locals", "vars", "exec", "eval", "compile", "__import__", "builtins", "__builtins__", "modules"}
)
# Text without which code cannot reach anything in _DYNAMIC_NAMES (unless `_may_fold_to_ascii`).
_DYNAMIC_TEXT = re.compile(r"\b(?:" + "|".join(sorted(_DYNAMIC_NAMES)) + r")\b")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# Operators that give an int for int operands (`**` only with a non-negative literal exponent).
_INT_OPERATORS = (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv, ast.Mod)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)

COMPARISONS = frozenset({"__lt__", "__gt__", "__le__", "__ge__"})
_CLASS_HEADER = re.compile(r"class[ \t]+(\w+)[ \t]*(?:\([ \t]*(?:object)?[ \t]*\))?[ \t]*:")

# The node types some rule rewrites, and common ones with nothing below them to rewrite.
_RULE_NODES = frozenset(
    {
        ast.JoinedStr,
        ast.Dict,
        ast.DictComp,
        ast.List,
        ast.Tuple,
        ast.Set,
        ast.Subscript,
        ast.BinOp,
        ast.Call,
        ast.AugAssign,
    }
)
_LEAVES = frozenset({ast.Name, ast.Constant, ast.Load, ast.Store, ast.Del, ast.Pass, ast.Break, ast.Continue})

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)?")

# In-place operators on a name that go through a helper, and the helper's name.
IN_PLACE_HELPERS_BY_OP = {ast.BitOr: "ior", ast.BitAnd: "iand"}
IN_PLACE_HELPERS = tuple(IN_PLACE_HELPERS_BY_OP)

# Text without which no rule applies (see `may_rewrite`): the characters of dict and set
# displays, starred items, `%`, `|=` and `&=`; an f-string's prefix; and, as whole words, every
# name a rule looks for (routed builtins, routed methods, `class`).
_MAY_REWRITE = re.compile(
    r"[{*%|]|&=|[fF][rR]?['\"]|[rR][fF]['\"]|\b(?:"
    + "|".join(sorted({*ROUTED_BUILTINS, *ROUTED_STR_METHODS, "sort", "fromkeys", "maketrans", "class"}))
    + r")\b"
)
# Rewrites of recent snippets, by code and the routed builtins the session has rebound, for a
# snippet sent again (a retry, a repeated check). Only short code is kept, so the cache stays
# bounded: 128 snippets of at most 8 Ki characters, with their rewrites.
CACHED_CODE_CHARS = 8 * 1024
CACHED_REWRITES = 128


def transform_version() -> str:
    """What the guest's state depends on: this module's rules and the parser that applies them."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(f"{sys.version_info[0]}.{sys.version_info[1]}".encode())
    return digest.hexdigest()[:16]


# CPython's AST constructor is not safe to run in two threads at once (3.11 and 3.12 raise
# "SystemError: AST constructor recursion depth mismatch"), and sessions run on many threads.
_PARSE_LOCK = threading.Lock()


def parse(code: str) -> ast.Module:
    """`ast.parse`, one thread at a time, without SyntaxWarnings for the model's code."""
    with _PARSE_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(code)


def transform(code: str, bound_names: Iterable[str] = ()) -> str | None:
    """The rewritten code, or None when it is left as written.

    `bound_names` are names the session's globals already hold (from earlier calls): a builtin
    the user has rebound is never routed to a helper.
    """
    if len(code) > MAX_TRANSFORM_CHARS or HELPERS in code or not may_rewrite(code):
        return None
    rebound = frozenset((ROUTED_BUILTINS.keys() | PROOF_NAMES) & set(bound_names))
    try:
        if len(code) <= CACHED_CODE_CHARS:
            return _cached_rewrite(code, rebound)
        return _rewrite(code, rebound)
    except MemoryError:
        # The host ran short for a moment: not cached, so the same code sent again is rewritten.
        return None


def may_rewrite(code: str) -> bool:
    """Whether some rule could apply to `code`; False means `rewrite` would leave it as written.

    A pre-check that spares the parse, which dominates the host's share of a small snippet.
    It is exact only for ASCII code: the parser folds other identifiers to NFKC (`ｐrint` is
    `print`), so any other code is parsed. A slice with a step has two colons.
    """
    if not code.isascii() or ("[" in code and code.count(":") >= 2):
        return True
    return _MAY_REWRITE.search(code) is not None


def rewrite(code: str, bound_names: Iterable[str] = ()) -> str | None:
    """The rewritten code, or None when it is left as written: the full parse, without shortcuts."""
    try:
        return _rewrite(code, bound_names)
    except MemoryError:
        return None


def _rewrite(code: str, bound_names: Iterable[str]) -> str | None:
    try:
        tree = parse(code)
        rewritten = _Rewriter(code, tree, set(bound_names)).rewrite()
    except (SyntaxError, ValueError, RecursionError):
        return None
    return rewritten if rewritten != code else None


_cached_rewrite = functools.lru_cache(maxsize=CACHED_REWRITES)(_rewrite)


def _is_text(node: ast.AST) -> bool:
    """An argument that prints the same in MicroPython: a str, int, bool or None literal, an f-string."""
    if isinstance(node, ast.Constant):
        return node.value is None or type(node.value) in (str, int, bool)
    return isinstance(node, ast.JoinedStr)


def _binding_sites(tree: ast.AST, loops: list[ast.AST]) -> Iterable[tuple[str, ast.AST]]:
    """Each name the module binds, in any scope, with the node that binds it (`*` for a star
    import): a simple, conservative scope check. Every `for` statement and comprehension met on
    the way is appended to `loops`, for the int proof (one walk serves both)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind in _LEAVES:
            # Nothing below a leaf binds a name; only a Name's own context is looked at.
            if kind is ast.Name and type(node.ctx) is not ast.Load:
                yield node.id, node
            continue
        stack.extend(ast.iter_child_nodes(node))
        if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef or kind is ast.ClassDef:
            yield node.name, node
        elif kind is ast.arg:
            yield node.arg, node
        elif kind is ast.alias:
            yield (node.asname or node.name).split(".")[0], node
        elif kind is ast.For or kind in _COMPREHENSIONS:
            loops.append(node)
        elif kind is ast.Global or kind is ast.Nonlocal:
            for name in node.names:
                yield name, node
        elif kind is ast.ExceptHandler and node.name:
            yield node.name, node
        elif (kind is ast.MatchAs or kind is ast.MatchStar) and node.name:
            yield node.name, node
        elif kind is ast.MatchMapping and node.rest:
            yield node.rest, node


def _may_fold_to_ascii(source: str) -> bool:
    """Whether some non-ASCII character of `source` folds (NFKC, as the parser folds identifiers)
    to text with an ASCII character in it, as fullwidth `ｅ` folds to `e`. Folding decomposes
    each character and composes only into non-ASCII characters, so when none does, every name
    spelled in ASCII after parsing was spelled so in the source and a search of the text finds it."""
    return any(
        any(folded.isascii() for folded in unicodedata.normalize("NFKC", character))
        for character in set(_NON_ASCII.findall(source))
    )


class _IntProof:
    """Which expressions are ints from the source alone, so that MicroPython's own `str` of them
    writes CPython's text and needs no helper.

    Proved: int literals; `len(...)`; `+ - * // %` and unary `- +` of proved ints, and `**` with a
    non-negative literal exponent; and a loop variable read inside its own loop, when the loop
    iterates over a call of the builtin `range` and binds a local: a comprehension's target, or a
    `for` target inside a function (a module's or class's `for` binds a global or class attribute,
    which any call could rebind). The variable must have no binding anywhere in the code other
    than such loop targets (no assignment, walrus, del, parameter, import, global or nonlocal), no
    proof is made across a def, lambda or class boundary, and none at all when the code names
    something that rebinds variables or builtins dynamically (exec, eval, globals, locals, vars,
    builtins, sys.modules) or star-imports, or the session has bound `range` (for the loops),
    `len` (for len) or `builtins`. MicroPython's len() returns whatever `__len__` returns, where
    CPython raises TypeError for a non-int: there the two differ before str() is reached.

    The rewrite asks only about the arguments of str(), print() and f-string fields, so each part
    is worked out when first needed: the dynamic-name check when any int is asked about, and the
    reads of a loop variable (a walk of only the loops over range that bind it) when that name is.
    """

    def __init__(
        self, tree: ast.Module, sites: list[tuple[str, ast.AST]], loops: list[ast.AST], bound: set[str], source: str
    ) -> None:
        self.tree = tree
        self.sites = sites
        self.loops = loops
        self.bound = bound
        self.source = source
        self.checked = False
        self.trusted = False
        self.len_is_builtin = False
        self.loop_only: set[str] | None = None
        self.loops_of: dict[str, list[tuple[ast.AST, bool]]] = {}
        self.walked: set[str] = set()
        self.loop_names: set[int] = set()

    def is_trusted(self) -> bool:
        """Whether names can be proved: no session-bound builtins handle, no star import, and no
        name in the code that rebinds variables or builtins behind the parser's back."""
        if not self.checked:
            self.checked = True
            self.trusted = self.check()
            self.len_is_builtin = self.trusted and "len" not in self.bound
        return self.trusted

    def check(self) -> bool:
        bound = self.bound
        if "*" in bound or not bound.isdisjoint({"builtins", "__builtins__"}):
            return False
        if _may_fold_to_ascii(self.source) or _DYNAMIC_TEXT.search(self.source) is not None:
            for node in ast.walk(self.tree):
                kind = type(node)
                if (
                    (kind is ast.Name and node.id in _DYNAMIC_NAMES)
                    or (kind is ast.Attribute and node.attr in _DYNAMIC_NAMES)
                    or (kind is ast.alias and node.name.split(".")[0] in _DYNAMIC_NAMES)
                ):
                    return False
        return True

    def find_loops(self) -> None:
        """The names bound only as targets of loops over range(...), each with those loops."""
        self.loop_only = set()
        if "range" in self.bound:
            return
        targets: dict[int, tuple[ast.AST, bool]] = {}
        scopes = None
        for loop in self.loops:
            if type(loop) is ast.For:
                if self.over_range(loop):
                    if scopes is None:
                        scopes = [site for _, site in self.sites if isinstance(site, _SCOPES)]
                    targets[id(loop.target)] = (loop, self.in_function(loop, scopes))
                continue
            for generator in loop.generators:
                if self.over_range(generator):
                    targets[id(generator.target)] = (loop, False)
        if not targets:
            return
        bound_here, bound_otherwise = set(), set()
        for name, site in self.sites:
            found = targets.get(id(site))
            if found is None:
                bound_otherwise.add(name)
            else:
                bound_here.add(name)
                self.loops_of.setdefault(name, []).append(found)
        self.loop_only = bound_here - bound_otherwise
        self.range_targets = targets

    @staticmethod
    def in_function(loop: ast.For, scopes: list[ast.AST]) -> bool:
        """Whether the innermost def or class around `loop` is a def (a `for` cannot be in a
        lambda or comprehension); scopes nest, so the innermost is the last to start."""
        start = (loop.lineno, loop.col_offset)
        end = (loop.end_lineno, loop.end_col_offset)
        innermost = None
        for scope in scopes:
            scope_start = (scope.lineno, scope.col_offset)
            if scope_start <= start and end <= (scope.end_lineno, scope.end_col_offset):
                if innermost is None or scope_start > (innermost.lineno, innermost.col_offset):
                    innermost = scope
        return innermost is not None and type(innermost) is not ast.ClassDef

    def is_loop_int(self, node: ast.Name) -> bool:
        name = node.id
        if self.loop_only is None:
            self.find_loops()
        if name not in self.loop_only or not self.is_trusted():
            return False
        if name not in self.walked:
            self.walked.add(name)
            for loop, in_function in self.loops_of[name]:
                self.visit(loop, frozenset(), in_function)
        return id(node) in self.loop_names

    @staticmethod
    def over_range(loop: ast.For | ast.comprehension) -> bool:
        iterable = loop.iter
        return (
            type(loop.target) is ast.Name
            and not getattr(loop, "is_async", 0)
            and isinstance(iterable, ast.Call)
            and type(iterable.func) is ast.Name
            and iterable.func.id == "range"
        )

    def proved_target(self, loop: ast.For | ast.comprehension) -> str | None:
        if id(loop.target) in self.range_targets and loop.target.id in self.loop_only:
            return loop.target.id
        return None

    def visit(self, node: ast.AST, ints: frozenset[str], in_function: bool) -> None:
        """Record each read of a proved loop variable; `ints` are those proved where `node` is."""
        if type(node) is ast.Name:
            if node.id in ints and type(node.ctx) is ast.Load:
                self.loop_names.add(id(node))
            return
        if isinstance(node, _SCOPES):
            for child in ast.iter_child_nodes(node):
                self.visit(child, frozenset(), in_function=not isinstance(node, ast.ClassDef))
            return
        if isinstance(node, ast.For) and in_function:
            name = self.proved_target(node)
            self.visit(node.iter, ints, in_function)
            inner = ints | {name} if name else ints
            for statement in node.body:
                self.visit(statement, inner, in_function)
            for statement in node.orelse:
                self.visit(statement, ints, in_function)
            return
        if isinstance(node, _COMPREHENSIONS):
            for generator in node.generators:
                self.visit(generator.iter, ints, in_function)
                name = self.proved_target(generator)
                if name:
                    ints = ints | {name}
                for condition in generator.ifs:
                    self.visit(condition, ints, in_function)
            results = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
            for result in results:
                self.visit(result, ints, in_function)
            return
        for child in ast.iter_child_nodes(node):
            self.visit(child, ints, in_function)

    def is_int(self, node: ast.AST) -> bool:
        kind = type(node)
        if kind is ast.Constant:
            return type(node.value) is int
        if kind is ast.Name:
            return self.is_loop_int(node)
        if kind is ast.BinOp:
            if isinstance(node.op, _INT_OPERATORS):
                return self.is_int(node.left) and self.is_int(node.right)
            if isinstance(node.op, ast.Pow):
                exponent = node.right
                literal = type(exponent) is ast.Constant and type(exponent.value) is int
                return literal and exponent.value >= 0 and self.is_int(node.left)
            return False
        if kind is ast.UnaryOp:
            return isinstance(node.op, (ast.USub, ast.UAdd)) and self.is_int(node.operand)
        if kind is ast.Call:
            return (
                self.is_trusted()
                and self.len_is_builtin
                and type(node.func) is ast.Name
                and node.func.id == "len"
                and len(node.args) == 1
                and not node.keywords
                and type(node.args[0]) is not ast.Starred
            )
        return False


def _joined(field: ast.FormattedValue) -> ast.JoinedStr:
    """An f-string of the one field, whose parts are that field's formatting call."""
    return ast.JoinedStr(values=[field])


def _native_str_call(call: ast.Call) -> bool:
    """A routed str method call that MicroPython's own method answers as CPython does, whatever
    the receiver: split/rsplit on a non-empty literal separator (and a literal maxsplit), and
    strip/lstrip/rstrip of a non-empty literal set of ASCII characters. Separators are matched,
    and ASCII stripped, on UTF-8 bytes exactly as on characters; any other receiver runs its own
    method either way."""
    args = call.args
    if call.keywords or not args or not all(isinstance(a, ast.Constant) for a in args):
        return False
    first = args[0].value
    if not isinstance(first, str) or not first:
        return False
    name = call.func.attr
    if name in ("split", "rsplit"):
        return len(args) == 1 or (len(args) == 2 and type(args[1].value) is int)
    if name in ("strip", "lstrip", "rstrip"):
        return len(args) == 1 and first.isascii()
    return False


class _Rewriter:
    """Splices helper calls over the nodes MicroPython gets wrong, keeping every line."""

    def __init__(self, source: str, tree: ast.Module, session_names: set[str]) -> None:
        self.source = source
        self.tree = tree
        lines = [match.group(0) for match in _LINE.finditer(source)]
        self.line_starts = []
        position = 0
        for line in lines:
            self.line_starts.append(position)
            position += len(line)
        self.line_starts.append(position)
        self.encoded_lines = [line.encode("utf-8", "surrogatepass") for line in lines]
        self.loops: list[ast.AST] = []
        self.binding_sites = list(_binding_sites(tree, self.loops))
        bound = {name for name, _ in self.binding_sites} | session_names
        self.builtins = {name: helper for name, helper in ROUTED_BUILTINS.items() if name not in bound}
        self.bound = bound
        self.proof: _IntProof | None = None

    @property
    def ints(self) -> _IntProof:
        """The int proof, made when a str(), print() or f-string field first asks for it."""
        if self.proof is None:
            self.proof = _IntProof(self.tree, self.binding_sites, self.loops, self.bound, self.source)
        return self.proof

    def is_text(self, node: ast.AST) -> bool:
        """An argument MicroPython's own str() and print() write as CPython does."""
        if _is_text(node):
            return True
        # Only these can be proved ints: anything else is answered without making the proof.
        return type(node) in (ast.Name, ast.BinOp, ast.UnaryOp, ast.Call) and self.ints.is_int(node)

    def rewrite(self) -> str:
        edits = []
        for statement in self.tree.body:
            edits.extend(self.edits(statement))
        return self.splice(0, len(self.source), edits)

    # Positions and splicing.

    def offset(self, lineno: int, col_bytes: int) -> int:
        line = self.encoded_lines[lineno - 1] if lineno - 1 < len(self.encoded_lines) else b""
        return self.line_starts[lineno - 1] + len(line[:col_bytes].decode("utf-8", "surrogatepass"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        return self.offset(node.lineno, node.col_offset), self.offset(node.end_lineno, node.end_col_offset)

    def splice(self, start: int, end: int, edits: list[tuple[int, int, str]]) -> str:
        pieces, position = [], start
        for edit_start, edit_end, text in sorted(edits):
            pieces.append(self.source[position:edit_start])
            pieces.append(text)
            position = edit_end
        pieces.append(self.source[position:end])
        return "".join(pieces)

    def text(self, node: ast.AST) -> str:
        """The node's source with the rewrites of its descendants applied."""
        start, end = self.span(node)
        return self.splice(start, end, self.inner_edits(node))

    def rendered(self, node: ast.AST) -> str:
        """The node's source with its own rewrite and its descendants' applied."""
        replacement = self.rule(node)
        return self.text(node) if replacement is None else replacement

    def edits(self, node: ast.AST) -> list[tuple[int, int, str]]:
        """The rewrites in `node`'s subtree, outermost first; nested ones are inside their text."""
        replacement = self.rule(node)
        if replacement is not None:
            start, end = self.span(node)
            return [(start, end, replacement)]
        return self.inner_edits(node)

    def inner_edits(self, node: ast.AST) -> list[tuple[int, int, str]]:
        """The rewrites below `node`, and of a routed builtin's name when `node` calls it."""
        edits = []
        if type(node) in _LEAVES:
            return edits
        children = list(ast.iter_child_nodes(node))
        if isinstance(node, ast.Call):
            edits.extend(self.routed_callee(node))
            if edits:
                children.remove(node.func)
        if isinstance(node, ast.ClassDef):
            edits.extend(self.reflected_base(node))
        for child in children:
            edits.extend(self.edits(child))
        return edits

    def emit(self, node: ast.AST, parts: list) -> str:
        """Join synthetic text and child nodes, each child on its original line.

        Every rewrite opens a bracket before its first child, so the newlines added here are
        inside brackets. Lines still missing at the end go before the final closing text.
        """
        out: list[str] = []
        line = node.lineno
        last_child = None
        for part in parts:
            if isinstance(part, str):
                out.append(part)
                continue
            if part.lineno > line:
                out.append("\n" * (part.lineno - line))
            out.append(self.rendered(part))
            line = max(line, part.end_lineno)
            last_child = len(out)
        if node.end_lineno > line:
            at = last_child if last_child is not None else max(len(out) - 1, 0)
            out.insert(at, "\n" * (node.end_lineno - line))
        return "".join(out)

    # The rules.

    def rule(self, node: ast.AST) -> str | None:
        if type(node) not in _RULE_NODES:
            return None  # most nodes (names, constants, contexts): no rule applies
        if isinstance(node, ast.JoinedStr) and any(isinstance(v, ast.FormattedValue) for v in node.values):
            if len(node.values) == 1:
                return self.emit(node, ["("] + self.fstring_parts(node) + [")"])
            fields = [v for v in node.values if isinstance(v, ast.FormattedValue)]
            if self.fits_template(node, fields):
                return self.emit(node, self.fstring_template(node, fields))
            # One join of a tuple: MicroPython allocates once for the result, where a chain of
            # `+` allocates an intermediate string per piece (allocation dominates its cost).
            return self.emit(node, ["''.join(("] + self.fstring_parts(node, ", ") + ["))"])
        if isinstance(node, ast.Dict):
            return self.dict_display(node)
        if isinstance(node, ast.DictComp):
            return self.emit(
                node,
                [f"{HELPERS}.dict_from_pairs([(", node.key, ", ", node.value, ")"]
                + self.generator_parts(node.generators)
                + ["])"],
            )
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)) and any(isinstance(e, ast.Starred) for e in node.elts):
            if isinstance(node, ast.Set) or isinstance(node.ctx, ast.Load):
                return self.starred_display(node)
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and isinstance(node.slice, ast.Slice):
            if node.slice.step is not None:
                bounds = [node.slice.lower, node.slice.upper, node.slice.step]
                parts: list = [f"{HELPERS}.sl(", node.value]
                for bound in bounds:
                    parts += [", ", bound] if bound is not None else [", None"]
                return self.emit(node, parts + [")"])
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and self.is_percent_format(node):
            return self.emit(node, [f"{HELPERS}.percent(", node.left, ", ", node.right, ")"])
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            return self.method_call(node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
            return self.dict_call(node)
        if (
            isinstance(node, ast.AugAssign)
            and isinstance(node.op, IN_PLACE_HELPERS)
            and isinstance(node.target, ast.Name)
        ):
            # `d |= other`: MicroPython would swap an ordered dict for its unordered native part;
            # `c &= other`: it finds no `__iand__` on a dict subclass (Counter).
            name = node.target.id
            helper = IN_PLACE_HELPERS_BY_OP[type(node.op)]
            return self.emit(node, [f"{name} = {HELPERS}.{helper}({name}, ", node.value, ")"])
        return None

    def dict_call(self, node: ast.Call) -> str | None:
        """`dict(x, a=1)` → `__cp.dict_call((x,), [('a', 1)])`: MicroPython's **kwargs has no order."""
        if "dict" not in self.builtins or not node.keywords:
            return None
        if any(k.arg is None for k in node.keywords) or any(isinstance(a, ast.Starred) for a in node.args):
            return None
        parts: list = [f"{HELPERS}.dict_call(("]
        for argument in node.args:
            parts += [argument, ", "]
        parts.append("), [")
        for index, keyword in enumerate(node.keywords):
            parts += [", " if index else "", f"({keyword.arg!r}, ", keyword.value, ")"]
        return self.emit(node, parts + ["])"])

    def routed_callee(self, call: ast.Call) -> list[tuple[int, int, str]]:
        """`round(...)` → `__cp.round(...)`: only the callee's name changes."""
        func = call.func
        if isinstance(func, ast.Name) and func.id in self.builtins:
            if func.id == "type" and (len(call.args) not in (1, 3) or call.keywords):
                return []
            if func.id in ("exec", "eval") and (len(call.args) < 2 or call.keywords):
                # Only with an explicit namespace, which may be an ordered dict; without one,
                # exec and eval must run in the caller's own globals.
                return []
            if func.id in TEXT_BUILTINS and all(map(self.is_text, [*call.args, *(k.value for k in call.keywords)])):
                # print("total:", n), str(1) and str(i) of a proved int print the same either way.
                return []
            start, end = self.span(func)
            helper = self.builtins[func.id]
            if (
                func.id == "str"
                and len(call.args) == 1
                and not call.keywords
                and not isinstance(call.args[0], ast.Starred)
            ):
                # str(x), by far the commonest form: a one-argument helper, without the cost of
                # packing *args and **kwargs on every call.
                helper = "str1"
            return [(start, end, f"{HELPERS}.{helper}")]
        return []

    def fstring_parts(self, node: ast.JoinedStr, separator: str = " + ") -> list:
        parts: list = []
        for value in node.values:
            if parts:
                parts.append(separator)
            if isinstance(value, ast.Constant):
                parts.append(repr(value.value))
                continue
            spec = value.format_spec
            if spec is None and value.conversion == -1:
                # f"{i}" of a proved int is MicroPython's own str(i), when `str` is the builtin.
                native = (
                    "str" in self.builtins
                    and type(value.value) in (ast.Name, ast.BinOp, ast.UnaryOp, ast.Call)
                    and self.ints.is_int(value.value)
                )
                parts += ["str(" if native else f"{HELPERS}.fv1(", value.value, ")"]
                continue
            parts += [f"{HELPERS}.fv(", value.value, ", "]
            if spec is None:
                parts.append("''")
            elif all(isinstance(v, ast.Constant) for v in spec.values):
                parts.append(repr("".join(v.value for v in spec.values)))
            else:
                parts += ["("] + self.fstring_parts(spec) + [")"]
            if value.conversion != -1:
                parts.append(", " + repr(chr(value.conversion)))
            parts.append(")")
        return parts or ["''"]

    def fits_template(self, node: ast.JoinedStr, fields: list[ast.FormattedValue]) -> bool:
        """Whether fs1..fs3 write `node` for less than a join: the last field is plain (a spec or
        conversion is formatted where it stands either way), and where several fields each
        arrive formatted, some plain field looks like an int, whose text % writes without a
        call (for strs alone the one call costs more than it saves)."""
        last = fields[-1]
        if len(fields) > MAX_TEMPLATE_FIELDS or last.format_spec is not None or last.conversion != -1:
            return False
        return len(fields) == 1 or any(
            f.format_spec is None and f.conversion == -1 and self.looks_int(f.value) for f in fields
        )

    def looks_int(self, node: ast.AST) -> bool:
        """An int by its shape (arithmetic, len(), int(), an int literal) or by proof: a hint
        for speed only, never for what the code means."""
        kind = type(node)
        if kind is ast.Constant:
            return type(node.value) is int
        if kind is ast.BinOp:
            return isinstance(node.op, _INT_OPERATORS)
        if kind is ast.UnaryOp:
            return isinstance(node.op, (ast.USub, ast.UAdd))
        if kind is ast.Call and type(node.func) is ast.Name and node.func.id in ("len", "int"):
            return True
        return kind is ast.Name and self.ints.is_int(node)

    def fstring_template(self, node: ast.JoinedStr, fields: list[ast.FormattedValue]) -> list:
        """`f'row {i}: {n}'` → `__cp.fs2('row %s: %s', <i>, n)`: one call and MicroPython's own %
        write the text (see fs1..fs3 in _format). Each field but the last is formatted where it
        stands, as CPython formats each before evaluating the next: a proved int or a str literal
        as it is, a variable through an inline test that passes an int or a str unformatted."""
        template = "".join(
            "%s" if isinstance(v, ast.FormattedValue) else v.value.replace("%", "%%") for v in node.values
        )
        parts: list = [f"{HELPERS}.fs{len(fields)}({template!r}"]
        for field in fields[:-1]:
            parts.append(", ")
            value = field.value
            if field.format_spec is not None or field.conversion != -1:
                parts += self.fstring_parts(_joined(field))
            elif (type(value) is ast.Constant and type(value.value) in (int, str)) or (
                type(value) in (ast.Name, ast.BinOp, ast.UnaryOp, ast.Call) and self.ints.is_int(value)
            ):
                parts.append(value)
            elif type(value) is ast.Name:
                name = value.id
                parts += ["(", value, f" if {name}.__class__ in {HELPERS}.text_kinds else {HELPERS}.fv1({name}))"]
            else:
                parts += [f"{HELPERS}.fv1(", value, ")"]
        return parts + [", ", fields[-1].value, ")"]

    def generator_parts(self, generators: list[ast.comprehension]) -> list:
        parts: list = []
        for generator in generators:
            parts += [" async for " if generator.is_async else " for ", generator.target, " in ", generator.iter]
            for condition in generator.ifs:
                parts += [" if ", condition]
        return parts

    def dict_display(self, node: ast.Dict) -> str:
        """`{k: v, **m}` → `__cp.dict_from_pairs([(k, v)] + __cp.pairs(m))`, in evaluation order."""
        if not node.keys:
            return self.emit(node, [f"{HELPERS}.odict(", ")"])
        parts: list = [f"{HELPERS}.dict_from_pairs("]
        in_list = False
        for key, value in zip(node.keys, node.values):
            if key is None:
                if in_list:
                    parts.append("]")
                    in_list = False
                parts += [" + " if len(parts) > 1 else "", f"{HELPERS}.pairs(", value, ")"]
                continue
            if not in_list:
                parts.append(" + [" if len(parts) > 1 else "[")
                in_list = True
            else:
                parts.append(", ")
            parts += ["(", key, ", ", value, ")"]
        if in_list:
            parts.append("]")
        return self.emit(node, parts + [")"])

    def starred_display(self, node: ast.List | ast.Tuple | ast.Set) -> str:
        """`[*a, 1]` → `__cp.star_list(a, [1])`: MicroPython has no PEP 448 displays."""
        kind = {ast.List: "list", ast.Tuple: "tuple", ast.Set: "set"}[type(node)]
        parts: list = [f"{HELPERS}.star_{kind}("]
        in_list = False
        for element in node.elts:
            if isinstance(element, ast.Starred):
                if in_list:
                    parts.append("]")
                    in_list = False
                parts += [", " if len(parts) > 1 else "", element.value]
                continue
            if not in_list:
                parts.append(", [" if len(parts) > 1 else "[")
                in_list = True
            else:
                parts.append(", ")
            parts.append(element)
        if in_list:
            parts.append("]")
        return self.emit(node, parts + [")"])

    def is_percent_format(self, node: ast.BinOp) -> bool:
        """`'…' % x`, or `x % (…)` / `x % {…}`, which only a string can mean."""
        left = node.left
        if isinstance(left, ast.Constant):
            return isinstance(left.value, str)
        if isinstance(left, ast.JoinedStr):
            return True
        return isinstance(node.right, (ast.Tuple, ast.Dict, ast.DictComp))

    def method_call(self, node: ast.Call) -> str | None:
        func = node.func
        arguments = sorted([*node.args, *node.keywords], key=lambda a: (a.lineno, a.col_offset))
        if isinstance(func.value, ast.Name) and func.value.id in self.builtins:
            # dict.fromkeys(...) and str.maketrans(...): class methods of the routed builtins.
            if (func.value.id, func.attr) == ("dict", "fromkeys"):
                return self.call_parts(node, f"{HELPERS}.odict.fromkeys(", None, arguments)
            if (func.value.id, func.attr) == ("str", "maketrans"):
                return self.call_parts(node, f"{HELPERS}.str_maketrans(", None, arguments)
        if func.attr == "sort":
            return self.call_parts(node, f"{HELPERS}.list_sort(", func.value, arguments)
        if func.attr in ROUTED_STR_METHODS and not _native_str_call(node):
            return self.call_parts(node, f"{HELPERS}.s_{func.attr}(", func.value, arguments)
        return None

    def reflected_base(self, node: ast.ClassDef) -> list[tuple[int, int, str]]:
        """`class A:` → `class A(__cp.Reflected):` when A defines some of < > <= >= but not all.

        MicroPython never tries the reflected method: with only `__lt__`, `a > b` raises. The base
        supplies each missing one by calling the other operand's mirror, as CPython does. Only
        classes without bases get it (MicroPython's multiple inheritance with native bases is
        limited), and only when the header is on one line.
        """
        if node.bases and not (
            len(node.bases) == 1 and isinstance(node.bases[0], ast.Name) and node.bases[0].id == "object"
        ):
            return []
        if node.keywords or node.decorator_list:
            # A decorator (functools.total_ordering, dataclass(order=True)) may add the missing
            # methods itself, and would take the base's for the class's own.
            return []
        defined = {
            item.name for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
        } & COMPARISONS
        if not defined or defined == COMPARISONS:
            return []
        start = self.offset(node.lineno, node.col_offset)
        header = _CLASS_HEADER.match(self.source, start)
        if header is None or header.group(1) != node.name:
            return []
        return [(start, header.end(), f"class {node.name}({HELPERS}.Reflected):")]

    def call_parts(self, node: ast.Call, head: str, receiver: ast.AST | None, arguments: list) -> str:
        parts: list = [head]
        if receiver is not None:
            parts.append(receiver)
        for argument in arguments:
            if len(parts) > 1:
                parts.append(", ")
            parts.append(argument)
        return self.emit(node, parts + [")"])
