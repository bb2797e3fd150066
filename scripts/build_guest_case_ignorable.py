"""Write guest/lib/_case_ignorable.py: the runs of code points that Unicode calls case-ignorable,
which str.lower() and friends skip when they decide whether a capital sigma ends a word.

Read off CPython's own str.lower, the oracle: a character c is case-ignorable when a sigma after
"A" then c still ends a word ("A" is cased), and a sigma after "1" then c does not (so c is not
itself the cased letter before the sigma). Run with the CPython whose behaviour the sandbox should
match: `python3 scripts/build_guest_case_ignorable.py`.
"""

import sys
import unicodedata
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "datasette_agent_micropython" / "guest" / "lib" / "_case_ignorable.py"
SIGMA, FINAL_SIGMA = "\u03a3", "\u03c2"


def ends_a_word(text: str) -> bool:
    return text.lower()[-1] == FINAL_SIGMA


def case_ignorable_runs() -> list[int]:
    """[first, last, first, last, ...] of the case-ignorable code points."""
    flat: list[int] = []
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF:
            continue
        c = chr(code)
        if ends_a_word("A" + c + SIGMA) and not ends_a_word("1" + c + SIGMA):
            if flat and flat[-1] == code - 1:
                flat[-1] = code
            else:
                flat += [code, code]
    return flat


def source() -> str:
    flat = case_ignorable_runs()
    rows = "".join(f"    0x{code:X},\n" for code in flat)  # as ruff formats it
    return (
        '"""Case-ignorable code points, as (first, last) runs for _unicode_tables.in_runs: what\n'
        "str.lower() skips around a capital sigma to decide whether it ends a word. Written by\n"
        f'scripts/build_guest_case_ignorable.py from CPython (Unicode {unicodedata.unidata_version}); do not edit."""\n\n'
        f"RUNS = (\n{rows})\n"
    )


if __name__ == "__main__":
    TARGET.write_text(source())
    print(f"wrote {TARGET}")
