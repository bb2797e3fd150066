"""The analyst corpus against CPython: each program prints in the sandbox, through the real tool
in a real Datasette, exactly what it prints in CPython on the same database.

Programs that fail today are listed in tests/corpus/expected_failures.json with a reason and are
strict xfails, so a program that starts passing is noticed (then regenerate the file with
`scripts/corpus_report.py --write-expected`). `scripts/corpus_report.py` prints the pass rate by
category.
"""

import asyncio

import pytest
from analyst_corpus import (
    CATEGORIES,
    build_database,
    classify,
    cpython_outputs,
    load_expected_failures,
    load_programs,
    sandbox_outputs_async,
)

PROGRAMS = load_programs()
EXPECTED = load_expected_failures()
CODE = {program.name: program.code for program in PROGRAMS}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """Every program, run once in each interpreter: one Datasette, one conversation per program."""
    database = tmp_path_factory.mktemp("corpus") / "shop.db"
    build_database(database)
    return cpython_outputs(PROGRAMS, database), asyncio.run(sandbox_outputs_async(PROGRAMS, database))


def test_the_corpus_is_large_and_covers_every_category():
    assert len(PROGRAMS) >= 120
    counts = {category: sum(program.category == category for program in PROGRAMS) for category in CATEGORIES}
    assert min(counts.values()) >= 8, counts


def test_every_expected_failure_names_a_program_of_the_corpus():
    assert set(EXPECTED) <= {program.name for program in PROGRAMS}


def test_the_database_is_the_same_every_time(tmp_path):
    import sqlite3

    dumps = []
    for name in ("a.db", "b.db"):
        build_database(tmp_path / name)
        with sqlite3.connect(tmp_path / name) as conn:
            dumps.append("\n".join(conn.iterdump()))
    assert dumps[0] == dumps[1]


@pytest.mark.parametrize("name", [program.name for program in PROGRAMS])
def test_each_program_runs_cleanly_in_cpython(outputs, name):
    """The oracle side: a program that fails in CPython is a corpus bug, not a finding."""
    cpython, _ = outputs
    assert cpython[name]["error"] is None, cpython[name]["error"]
    assert cpython[name]["stdout"].strip()


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(program.name, marks=pytest.mark.xfail(strict=True, reason=EXPECTED[program.name]))
        if program.name in EXPECTED
        else program.name
        for program in PROGRAMS
    ],
)
def test_program_prints_in_the_sandbox_what_it_prints_in_cpython(outputs, name):
    cpython, sandbox = outputs
    result = sandbox[name]
    reason = classify(result, cpython[name], CODE[name])
    assert reason is None, (
        f"{reason}: {result.get('error') or ''}\n--- sandbox\n{result.get('stdout')}\n--- cpython\n{cpython[name]['stdout']}"
    )


@pytest.mark.parametrize(
    "sandbox, cpython, reason",
    [
        ({"ok": True, "stdout": "a 1\n"}, "a 1\n", None),
        (
            {
                "ok": False,
                "error_type": "exception",
                "error": "Traceback...\nImportError: no module named 'datetime'\n",
            },
            "x\n",
            "missing module datetime",
        ),
        (
            {"ok": False, "error_type": "exception", "error": "AttributeError: 'str' object has no attribute 'ljust'"},
            "x\n",
            "missing API (str.ljust)",
        ),
        ({"ok": False, "error_type": "timeout", "error": "exceeded the 5 second time limit"}, "x\n", "timeout"),
        ({"ok": True, "stdout": "Total    1234.50\n"}, "Total   1,234.50\n", "no , grouping in format specs"),
        ({"ok": True, "stdout": "Zoë  |1\n"}, "Zoë   |1\n", "padding counts bytes, not characters"),
        ({"ok": True, "stdout": "{'b': 1, 'a': 2}\n"}, "{'a': 2, 'b': 1}\n", "dict order"),
        ({"ok": True, "stdout": "b\na\n"}, "a\nb\n", "line order (dicts or unstable sort)"),
        ({"ok": True, "stdout": "72.29000000000001\n"}, "72.29\n", "float repr"),
        ({"ok": True, "stdout": "'cr\\xe8me'\n"}, "'crème'\n", "str repr escapes non-ASCII"),
        ({"ok": True, "stdout": "4.3%\n"}, "4.2%\n", "float rounding"),
        ({"ok": True, "stdout": "apples\n"}, "pears\n", "output differs"),
    ],
)
def test_failures_are_classified_by_their_cause(sandbox, cpython, reason):
    assert classify(sandbox, {"stdout": cpython}) == reason


def test_missing_names_are_traced_to_their_module():
    error = {"ok": False, "error_type": "exception", "error": "ImportError: can't import name Counter"}
    assert (
        classify(error, {"stdout": ""}, "from collections import Counter, defaultdict\n")
        == "missing API (collections.Counter)"
    )


def test_the_report_script_shows_one_program_and_refuses_a_partial_expected_file():
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "scripts" / "corpus_report.py"
    shown = subprocess.run(
        [sys.executable, str(script), "-k", "formatting_03"], capture_output=True, text=True, timeout=300
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("== formatting_03_percent_operator: ")
    refused = subprocess.run(
        [sys.executable, str(script), "-k", "x", "--write-expected"], capture_output=True, text=True, timeout=300
    )
    assert refused.returncode == 2
    assert "--write-expected records the whole corpus" in refused.stderr
