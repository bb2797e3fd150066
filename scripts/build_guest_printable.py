"""Write guest/lib/_printable.py (the code points above 0x7f that CPython's repr escapes) and
guest/lib/_printable_common.py (long runs of printable ones, which spare most lookups the table).

MicroPython's repr escapes every non-ASCII character; CPython escapes only the non-printable ones
(str.isprintable), so the guest needs CPython's table. Run with the CPython whose behaviour the
sandbox should match: `python3 scripts/build_guest_printable.py`.
"""

import sys
import unicodedata
from pathlib import Path

LIB = Path(__file__).resolve().parent.parent / "datasette_agent_micropython" / "guest" / "lib"
TARGET = LIB / "_printable.py"
COMMON_TARGET = LIB / "_printable_common.py"


def bounds() -> list[int]:
    """[start, end + 1, start, end + 1, ...] of the runs of non-printable code points from 0x80."""
    flat: list[int] = []
    inside = False
    for code in range(0x80, sys.maxunicode + 1):
        if (not chr(code).isprintable()) != inside:
            flat.append(code)
            inside = not inside
    if inside:
        flat.append(sys.maxunicode + 1)
    return flat


def encoded(flat: list[int]) -> str:
    """Each bound as five characters from "0" to "O" (5 bits each, most significant first): a
    bytes literal of plain ASCII that MicroPython compiles in a moment and indexes in O(1)."""
    return "".join("".join(chr(48 + ((n >> shift) & 31)) for shift in (20, 15, 10, 5, 0)) for n in flat)


def common_runs(flat: list[int]) -> list[int]:
    """[start, end + 1, ...] of the printable runs of at least 300 code points, and of at least
    8 below U+2100 (Latin, Greek, Cyrillic, punctuation, currency)."""
    runs = []
    for start, end in zip(flat[1::2], flat[2::2] + [sys.maxunicode + 1]):
        if end - start >= 300 or (start < 0x2100 and end - start >= 8):
            runs += [start, end]
    return runs


def main() -> None:
    flat = bounds()
    COMMON_TARGET.write_text(
        '"""Runs of code points that CPython\'s repr shows as themselves, [start, end + 1, ...]: the\n'
        "common case, checked without loading _printable.py. Written by scripts/build_guest_printable.py\n"
        f'from Unicode {unicodedata.unidata_version}."""\n\n'
        f"PRINTABLE_RUNS = ({', '.join(str(n) for n in common_runs(flat))})\n"
    )
    text = encoded(flat)
    lines = "\n".join(f'    b"{text[i : i + 90]}"' for i in range(0, len(text), 90))
    TARGET.write_text(
        '"""Code points above 0x7f that CPython\'s repr escapes (not str.isprintable()): the sorted\n'
        "bounds start, end + 1, start, ... of their runs, five characters each (see _reprfix.py).\n"
        f'Written by scripts/build_guest_printable.py from Unicode {unicodedata.unidata_version}."""\n\n'
        f"NON_PRINTABLE = (\n{lines}\n)\n"
    )


if __name__ == "__main__":
    main()
