#!/usr/bin/env python3
"""The analyst corpus's pass rate by category, at the default settings.

    .venv/bin/python scripts/corpus_report.py                    # table of pass rates and failure reasons
    .venv/bin/python scripts/corpus_report.py --markdown         # the same, as README markdown
    .venv/bin/python scripts/corpus_report.py --write-expected   # also rewrite tests/corpus/expected_failures.json
    .venv/bin/python scripts/corpus_report.py -k dates_04        # only programs whose name contains dates_04, with diffs
    .venv/bin/python scripts/corpus_report.py --fuel 10000000    # with a fuel limit (the old default)

Each program runs through the real execute_micropython tool in a real Datasette, and in CPython
with a read_only_sql_query over sqlite3; a program passes when both print the same and the
sandbox run raised nothing.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from analyst_corpus import (  # noqa: E402
    CATEGORIES,
    EXPECTED_FAILURES,
    build_database,
    classify,
    cpython_outputs,
    load_programs,
    sandbox_outputs,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write-expected", action="store_true", help="rewrite the expected-failures file")
    parser.add_argument("--markdown", action="store_true", help="print markdown tables")
    parser.add_argument("-k", dest="only", help="run only programs whose name contains this, and show diffs")
    parser.add_argument("--fuel", type=int, help="run with this fuel limit instead of the default (none)")
    args = parser.parse_args()
    if args.write_expected and (args.only or args.fuel):
        parser.error("--write-expected records the whole corpus at the default settings: drop -k and --fuel")
    programs = load_programs()
    if args.only:
        programs = [program for program in programs if args.only in program.name]
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "shop.db"
        build_database(database)
        cpython = cpython_outputs(programs, database)
        sandbox = sandbox_outputs(programs, database, {"fuel": args.fuel} if args.fuel else None)
    reasons = {
        program.name: classify(sandbox[program.name], cpython[program.name], program.code) for program in programs
    }
    broken_oracle = [name for name, result in cpython.items() if result["error"]]
    if broken_oracle:
        print("These programs fail in CPython (corpus bugs):", ", ".join(broken_oracle), file=sys.stderr)

    if args.only:
        for program in programs:
            print(f"== {program.name}: {reasons[program.name] or 'pass'}")
            result = sandbox[program.name]
            if result.get("error"):
                print(result["error"].rstrip())
            diff = difflib.unified_diff(
                cpython[program.name]["stdout"].splitlines(),
                (result.get("stdout") or "").splitlines(),
                "cpython",
                "sandbox",
                lineterm="",
            )
            print("\n".join(diff))
        return 0

    print(render(programs, reasons, args.markdown))
    if args.write_expected:
        failures = {name: reason for name, reason in sorted(reasons.items()) if reason}
        EXPECTED_FAILURES.write_text(json.dumps(failures, indent=1, ensure_ascii=False) + "\n")
        print(f"\nwrote {len(failures)} expected failures to {EXPECTED_FAILURES}")
    return 0


def render(programs, reasons: dict[str, str | None], markdown: bool) -> str:
    rows = []
    for category in CATEGORIES:
        names = [program.name for program in programs if program.category == category]
        if names:
            passed = sum(reasons[name] is None for name in names)
            rows.append((category, len(names), passed))
    total = len(programs)
    passed = sum(reason is None for reason in reasons.values())
    rows.append(("all", total, passed))
    causes = Counter(reason for reason in reasons.values() if reason)
    kinds = Counter(kind for reason in reasons.values() if reason for kind in coarse(reason))
    lines = []
    if markdown:
        lines += ["| category | programs | pass | rate |", "|---|---|---|---|"]
        lines += [f"| {c} | {n} | {p} | {p / n:.0%} |" for c, n, p in rows]
        lines += ["", "| cause of failure (a program may have several) | programs |", "|---|---|"]
        lines += [f"| {kind} | {count} |" for kind, count in kinds.most_common()]
    else:
        lines += [f"{c:<12} {p:>4}/{n:<4} {p / n:>5.0%}" for c, n, p in rows]
        lines += ["", "causes of failure (a program may have several):"]
        lines += [f"{count:>4}  {kind}" for kind, count in kinds.most_common()]
        lines += ["", "failures by reason:"]
        lines += [f"{count:>4}  {reason}" for reason, count in causes.most_common()]
    return "\n".join(lines)


def coarse(reason: str) -> set[str]:
    """The kinds of cause in a reason: every missing module is one kind, every missing API another."""
    kinds = set()
    head, also, rest = reason.partition(" (also ")
    parts = [head, *rest[:-1].split("; ")] if also else reason.split("; ")
    for part in parts:
        if part.startswith("missing module"):
            kinds.add("missing module")
        elif part.startswith(("missing API", "missing builtin")):
            kinds.add("missing API")
        else:
            kinds.add(part)
    return kinds


if __name__ == "__main__":
    sys.exit(main())
