"""repr text as CPython writes it: MicroPython escapes every non-ASCII character in a str's repr
('caf\\xe9'), CPython only the non-printable ones ('café'). Imported only when an escape shows up."""

from bisect import bisect_right
from _printable import NON_PRINTABLE

_WIDTHS = (("\\x", 2), ("\\u", 4), ("\\U", 8))
_BYTES_OPENINGS = ("b'", 'b"')
# Where a bytes literal can start in a repr: after these, a b' is not the end of a str ('ab').
_BYTES_AFTER = [before + opening for before in " [({=" for opening in _BYTES_OPENINGS]


def _printable(code):
    return code > 0x7F and bisect_right(NON_PRINTABLE, code) % 2 == 0


def _unescape(part, bytes_inside):
    for marker, width in _WIDTHS:
        if marker not in part or (bytes_inside and marker == "\\x"):
            continue
        pieces = part.split(marker)
        out = [pieces[0]]
        for piece in pieces[1:]:
            digits = piece[:width]
            try:
                code = int(digits, 16) if len(digits) == width else -1
            except ValueError:
                code = -1
            if _printable(code):
                out.append(chr(code) + piece[width:])
            else:
                out.append(marker + piece)
        part = "".join(out)
    return part


def fix(text):
    """`text` (a repr, or str() of a container) with printable characters shown as themselves."""
    if "\\" not in text:
        return text
    # A backslash the string held is written as a pair: splitting on pairs leaves real escapes.
    # Bytes keep their \x escapes; a text holding both is left with them (rare).
    bytes_inside = text[:2] in _BYTES_OPENINGS or any([opening in text for opening in _BYTES_AFTER])
    return "\\\\".join([_unescape(part, bytes_inside) for part in text.split("\\\\")])
