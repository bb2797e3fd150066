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
    assert reason is None, f"{reason}: {result.get('error') or ''}\n--- sandbox\n{result.get('stdout')}\n--- cpython\n{cpython[name]['stdout']}"
