"""Write guest/lib/_printable.py: the code points above 0x7f that CPython's repr escapes.

MicroPython's repr escapes every non-ASCII character; CPython escapes only the non-printable ones
(str.isprintable), so the guest needs CPython's table. Run with the CPython whose behaviour the
sandbox should match: `python3 scripts/build_guest_printable.py`.
"""

import sys
import unicodedata
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "datasette_agent_micropython" / "guest" / "lib" / "_printable.py"


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


def main() -> None:
    flat = bounds()
    lines = ", ".join(str(n) for n in flat)
    TARGET.write_text(
        '"""Code points above 0x7f that CPython\'s repr escapes (not str.isprintable()), as\n'
        "[start, end + 1, ...] runs. Written by scripts/build_guest_printable.py from Unicode "
        f'{unicodedata.unidata_version}."""\n\nNON_PRINTABLE = ({lines})\n'
    )


if __name__ == "__main__":
    main()
