"""Stand-in, for tests, of what the host's source transformation records for class bodies.

MicroPython discards annotations in class bodies. The transformation (branch semantics-order)
is to give each class body that has annotations an insertion-ordered `__annotations__` holding
every annotated name, in definition order, with the annotation's source text as its value:
`y: int` becomes `__annotations__['y'] = 'int'`, and `x: int = 0` becomes
`x = 0; __annotations__['x'] = 'int'`, on the same line so that line numbers are kept.
This helper does the same with a line-based rewrite, so that the guest dataclasses, typing and
enum modules can be tested against CPython on the code a model writes.
"""

import re

ANNOTATED = re.compile(r"^(\s+)([A-Za-z_]\w*)\s*:\s*(.+?)(?:\s*=\s*(.+))?\s*$")
BLOCK = re.compile(r"^\s*(class|def|async\s+def)\s")


def record_class_annotations(code: str) -> str:
    """`code` with each class body's annotations recorded as the transformation will record them."""
    lines = code.split("\n")
    blocks = []  # (indent, is_class, annotations_created) of the enclosing class and def statements
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        while blocks and indent <= blocks[-1][0]:
            blocks.pop()
        match = ANNOTATED.match(line)
        if match and blocks and blocks[-1][1]:
            body_indent, name, annotation, value = match.groups()
            prefix = "" if blocks[-1][2] else "__annotations__ = __import__('collections').OrderedDict(); "
            blocks[-1] = (blocks[-1][0], True, True)
            assignment = "%s = %s; " % (name, value) if value is not None else ""
            lines[index] = body_indent + prefix + assignment + "__annotations__[%r] = %r" % (name, annotation)
        block = BLOCK.match(line)
        if block:
            blocks.append((indent, block.group(1) == "class", False))
    return "\n".join(lines)
