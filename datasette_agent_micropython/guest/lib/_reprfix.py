"""repr text as CPython writes it: MicroPython escapes every non-ASCII character in a str's repr
('caf\\xe9'), CPython only the non-printable ones ('café'). The full table (_printable.py) loads
only for characters outside the common printable runs."""

from _printable_common import PRINTABLE_RUNS

_WIDTHS = (("\\x", 2), ("\\u", 4), ("\\U", 8))
_BYTES_OPENINGS = ("b'", 'b"')
# Where a bytes literal can start in a repr: after these, a b' is not the end of a str ('ab').
_BYTES_AFTER = [before + opening for before in " [({=" for opening in _BYTES_OPENINGS]


def _bound(table, i):
    b = table[5 * i : 5 * i + 5]
    return ((b[0] - 48) << 20) | ((b[1] - 48) << 15) | ((b[2] - 48) << 10) | ((b[3] - 48) << 5) | (b[4] - 48)


def _printable(code):
    """Whether CPython's repr shows the character as itself: in a common printable run, or an
    even number of the full table's bounds <= code (the table loads only for rarer characters)."""
    if code <= 0x7F:
        return False
    for i in range(0, len(PRINTABLE_RUNS), 2):
        if PRINTABLE_RUNS[i] <= code < PRINTABLE_RUNS[i + 1]:
            return True
    from _printable import NON_PRINTABLE as table

    lo, hi = 0, len(table) // 5
    while lo < hi:
        mid = (lo + hi) // 2
        if _bound(table, mid) <= code:
            lo = mid + 1
        else:
            hi = mid
    return lo % 2 == 0


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
