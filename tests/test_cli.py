"""`datasette micropython run|repl|sessions|purge`, in process and as real processes.

Tests that take the `micropython` fixture run twice: through Click's CliRunner on
`datasette.cli.cli`, and as real `python -m datasette micropython ...` subprocesses. Every
invocation builds its own Datasette, so state that survives from one to the next went through the
snapshot store in the `--internal` database. `setup` always uses the (fast) CliRunner to prepare
state for the invocation under test. `repl` is driven through stdin (CliRunner) and through a
real pseudo-terminal (subprocess). Nothing is mocked.

Starting a `datasette` process takes a second or two, so a subprocess test runs its independent
invocations concurrently (`micropython.many`), each in its own process.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import pty
import select
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from datasette.cli import cli

PLUGIN = "datasette-agent-micropython"
SUBPROCESS_TIMEOUT = 60

SQL_CODE = 'print(read_only_sql_query("data", "select count(*) as n from items"))'
SQL_RESULT = "{'columns': ['n'], 'rows': [{'n': 3}], 'truncated': False}\n"
PERMISSION_DENIED = "Permission denied: you may not run SQL against 'data'"


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str


def invoke_runner(args: list[str], input: str | None = None) -> Outcome:
    # catch_exceptions=False: an unexpected exception fails the test with its traceback, while
    # click's own exits (ClickException, UsageError, Abort, sys.exit) still give an exit code.
    result = CliRunner().invoke(cli, ["micropython", *args], input=input, catch_exceptions=False)
    return Outcome(result.exit_code, result.stdout, result.stderr)


def invoke_subprocess(args: list[str], input: str | None = None, cwd: Path | None = None) -> Outcome:
    completed = subprocess.run(
        [sys.executable, "-m", "datasette", "micropython", *args],
        input=input if input is not None else "",
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        cwd=cwd,
    )
    return Outcome(completed.returncode, completed.stdout, completed.stderr)


class Micropython:
    """`datasette micropython ...`, in process ("runner") or as a subprocess ("subprocess")."""

    def __init__(self, mode: str, cwd: Path) -> None:
        self.mode = mode
        self.cwd = cwd

    def __call__(self, *args, input: str | None = None) -> Outcome:
        args = [str(arg) for arg in args]
        if self.mode == "runner":
            return invoke_runner(args, input)
        return invoke_subprocess(args, input, cwd=self.cwd)

    def many(self, *calls) -> list[Outcome]:
        """Independent invocations, each `[args...]` or `([args...], input)`: concurrent as processes.

        CliRunner swaps the process's sys.stdout, so in process they run one after another.
        """
        calls = [call if isinstance(call, tuple) else (call, None) for call in calls]
        if self.mode == "runner":
            return [self(*args, input=input) for args, input in calls]
        with ThreadPoolExecutor(len(calls)) as pool:
            futures = [pool.submit(self, *args, input=input) for args, input in calls]
            return [future.result() for future in futures]


@pytest.fixture(params=["runner", "subprocess"])
def micropython(request, tmp_path) -> Micropython:
    return Micropython(request.param, tmp_path)


@pytest.fixture
def setup(tmp_path) -> Micropython:
    return Micropython("runner", tmp_path)


@pytest.fixture
def data_db(tmp_path) -> Path:
    path = tmp_path / "data.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)")
        conn.executemany("INSERT INTO items (name) VALUES (?)", [("one",), ("two",), ("three",)])
    return path


@pytest.fixture
def internal(tmp_path) -> Path:
    return tmp_path / "internal.db"


def stored_rows(internal: Path) -> dict[str, dict]:
    with sqlite3.connect(internal) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute("SELECT conversation_id, actor_id, calls, last_used_at, globals FROM micropython_sessions")
        return {row["conversation_id"]: dict(row) for row in rows}


def copy_database(source: Path, destination: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(destination) as dst:
        src.backup(dst)


def no_traceback(*outcomes: Outcome) -> None:
    for outcome in outcomes:
        assert "Traceback (most recent call last)" not in outcome.stderr, outcome


# -- run --------------------------------------------------------------------------------------


def test_run_code_script_and_stdin_share_state_across_processes(micropython, tmp_path, internal):
    """-c, a SCRIPT.py and `-` (stdin), each its own invocation: each sees the one before's state."""
    first = micropython(
        "run",
        "--internal",
        internal,
        "--conversation",
        "demo",
        "-v",
        "-c",
        "x = 20\ndef double(n):\n    return 2 * n\nprint('set', x)",
    )
    assert first.code == 0, first
    assert first.stdout == "set 20\n"
    assert first.stderr == "[session new]\n"

    script = tmp_path / "script.py"
    script.write_text("x = double(x) + 2\nprint('script', x)\n")
    second = micropython("run", "--internal", internal, "--conversation", "demo", "-v", script)
    assert second.code == 0, second
    assert second.stdout == "script 42\n"
    assert second.stderr == "[session restored]\n"

    third = micropython(
        "run", "--internal", internal, "--conversation", "demo", "-v", "-", input="print('stdin', x, double(x))\n"
    )
    assert third.code == 0, third
    assert third.stdout == "stdin 42 84\n"
    assert third.stderr == "[session restored]\n"
    assert stored_rows(internal)["demo"]["calls"] == 3


def test_conversations_are_separate(setup, internal):
    setup("run", "--internal", internal, "--conversation", "one", "-c", "x = 1")
    other = setup("run", "--internal", internal, "--conversation", "two", "-v", "-c", "print('x' in globals())")
    assert other.stdout == "False\n"
    assert other.stderr == "[session new]\n"
    assert set(stored_rows(internal)) == {"one", "two"}


def test_run_without_internal_starts_new_each_time(setup):
    """Without --internal the internal database is in memory: nothing survives the invocation."""
    first = setup("run", "--conversation", "ephemeral", "-v", "-c", "y = 1")
    second = setup("run", "--conversation", "ephemeral", "-v", "-c", "print('y' in globals())")
    assert first.stderr == second.stderr == "[session new]\n"
    assert second.stdout == "False\n"


def test_reset_starts_afresh(setup, internal):
    setup("run", "--internal", internal, "--conversation", "r", "-c", "z = 5")
    outcome = setup(
        "run", "--internal", internal, "--conversation", "r", "--reset", "-v", "-c", "print('z' in globals())"
    )
    assert outcome.code == 0, outcome
    assert outcome.stdout == "False\n"
    assert "[session new]" in outcome.stderr
    assert "reset_context was set" in outcome.stderr


def test_read_only_sql_query_as_root_and_as_a_denied_actor(micropython, tmp_path, data_db):
    config = tmp_path / "datasette.yaml"
    config.write_text("databases:\n  data:\n    allow_sql:\n      id: [alice]\n")
    as_root, denied = micropython.many(
        ["run", data_db, "--root", "--conversation", "sql", "-c", SQL_CODE],
        ["run", data_db, "--config", config, "--actor", '{"id": "x"}', "--conversation", "sql", "-c", SQL_CODE],
    )
    assert as_root.code == 0, as_root
    assert as_root.stdout == SQL_RESULT
    assert denied.code == 0, denied  # the query's refusal is a value, not an exception
    assert denied.stdout == "{'error': \"" + PERMISSION_DENIED + '"}\n'


def test_read_only_sql_query_other_actors(setup, tmp_path, data_db):
    config = tmp_path / "datasette.yaml"
    config.write_text("databases:\n  data:\n    allow_sql:\n      id: [alice]\n")
    alice = setup(
        "run", data_db, "--config", config, "--actor", '{"id": "alice"}', "--conversation", "sql", "-c", SQL_CODE
    )
    assert alice.stdout == SQL_RESULT
    # No actor at all, with the locked-down config: denied.
    anonymous = setup("run", data_db, "--config", config, "--conversation", "sql", "-c", SQL_CODE)
    assert PERMISSION_DENIED in anonymous.stdout
    # Without the config, any actor may run SQL (Datasette's default).
    unrestricted = setup("run", data_db, "--actor", '{"id": "x"}', "--conversation", "sql", "-c", SQL_CODE)
    assert unrestricted.stdout == SQL_RESULT
    # A database that is not served: the error lists the ones the actor can see.
    unknown = setup(
        "run", data_db, "--root", "--conversation", "sql", "-c", 'print(read_only_sql_query("nope", "select 1"))'
    )
    assert "error" in unknown.stdout and "data" in unknown.stdout
    # Writes are refused.
    write = setup(
        "run",
        data_db,
        "--root",
        "--conversation",
        "sql",
        "-c",
        'print(read_only_sql_query("data", "delete from items"))',
    )
    assert "'error'" in write.stdout
    with sqlite3.connect(data_db) as conn:
        assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == 3


def test_output_and_exit_status(micropython, setup, tmp_path):
    """stdout and stderr as the code wrote them; exit 1 with the error on stderr when not ok."""
    # One internal database per conversation, since the invocations run concurrently.
    internal = {name: tmp_path / f"{name}.db" for name in ("fine", "boom", "slow", "fuel")}
    for conversation in ("boom", "fuel"):
        setup("run", "--internal", internal[conversation], "--conversation", conversation, "-c", "kept = 1")
    fine, boom, slow, fuel = micropython.many(
        [
            "run",
            "--internal",
            internal["fine"],
            "--conversation",
            "fine",
            "-c",
            "import sys\nprint('out')\nsys.stderr.write('err\\n')",
        ],
        [
            "run",
            "--internal",
            internal["boom"],
            "--conversation",
            "boom",
            "-c",
            "print('before')\ndef f():\n    return 1 / 0\nf()",
        ],
        [
            "run",
            "--internal",
            internal["slow"],
            "--conversation",
            "slow",
            "-s",
            f"plugins.{PLUGIN}.wall_clock_timeout_seconds",
            "0.3",
            "-s",
            f"plugins.{PLUGIN}.fuel",
            "1000000000000",
            "-c",
            "print('start')\nwhile True:\n    pass",
        ],
        [
            "run",
            "--internal",
            internal["fuel"],
            "--conversation",
            "fuel",
            "-s",
            f"plugins.{PLUGIN}.fuel",
            "10000000",
            "-c",
            "while True:\n    pass",
        ],
    )
    assert (fine.code, fine.stdout, fine.stderr) == (0, "out\n", "err\n")

    # An exception: the traceback with line numbers on stderr, the output before it on stdout.
    assert boom.code == 1, boom
    assert boom.stdout == "before\n"
    assert boom.stderr.startswith("Traceback (most recent call last):\n")
    assert "line 4, in <module>" in boom.stderr and "line 3, in f" in boom.stderr
    assert boom.stderr.rstrip().endswith("ZeroDivisionError: divide by zero")

    # A timeout, here set with -s plugins.datasette-agent-micropython.wall_clock_timeout_seconds.
    assert slow.code == 1, slow
    assert "exceeded the 0.3 second time limit" in slow.stderr
    assert "interpreter was discarded" in slow.stderr

    # Out of fuel (a limit of 10,000,000 units, set with -s).
    assert fuel.code == 1, fuel
    assert "ran out of fuel: the limit is 10,000,000 units per call" in fuel.stderr
    assert "interpreter was discarded" in fuel.stderr

    # An exception leaves the interpreter alive; a trap discards it and its stored image.
    assert set(stored_rows(internal["fine"])) == {"fine"}
    assert set(stored_rows(internal["boom"])) == {"boom"}
    assert stored_rows(internal["slow"]) == {}
    assert stored_rows(internal["fuel"]) == {}
    after_boom = setup(
        "run", "--internal", internal["boom"], "--conversation", "boom", "-v", "-c", "print(kept, f.__name__)"
    )
    assert (after_boom.stdout, after_boom.stderr) == ("1 f\n", "[session restored]\n")
    after_fuel = setup(
        "run", "--internal", internal["fuel"], "--conversation", "fuel", "-v", "-c", "print('kept' in globals())"
    )
    assert (after_fuel.stdout, after_fuel.stderr) == ("False\n", "[session new]\n")


def test_timeout_and_memory_limit_from_a_config_file(setup, tmp_path, internal):
    config = tmp_path / "datasette.json"
    config.write_text(json.dumps({"plugins": {PLUGIN: {"wall_clock_timeout_seconds": 0.2, "fuel": 10**12}}}))
    started = time.monotonic()
    slow = setup(
        "run", "--internal", internal, "--config", config, "--conversation", "slow", "-c", "while True:\n    pass"
    )
    assert slow.code == 1, slow
    assert "exceeded the 0.2 second time limit" in slow.stderr
    assert time.monotonic() - started < 20
    # With enough fuel for the collection that precedes it, an allocation that cannot fit is a
    # MemoryError: exit 1, and the interpreter lives on.
    memory = setup(
        "run",
        "--internal",
        internal,
        "--config",
        config,
        "--conversation",
        "mem",
        "-c",
        "a = 1\nx = bytearray(100 * 1024 * 1024)",
    )
    assert memory.code == 1, memory
    assert "MemoryError" in memory.stderr
    assert "mem" in stored_rows(internal)


def test_refusals_and_truncation(setup, tmp_path):
    config = tmp_path / "datasette.yaml"
    config.write_text("permissions:\n  execute-micropython:\n    id: [alice]\n")
    refused = setup(
        "run", "--config", config, "--actor", '{"id": "bob"}', "--conversation", "p", "-v", "-c", "print(1)"
    )
    assert refused.code == 1
    assert refused.stdout == ""
    assert refused.stderr == "[session not run]\npermission denied: this actor may not use execute-micropython\n"
    allowed = setup("run", "--config", config, "--actor", '{"id": "alice"}', "--conversation", "p", "-c", "print(1)")
    assert (allowed.code, allowed.stdout) == (0, "1\n")

    no_conversation = setup("run", "--conversation", "", "-c", "print(1)")
    assert no_conversation.code == 1
    assert "this tool needs a conversation" in no_conversation.stderr

    truncated = setup(
        "run", "--conversation", "t", "-s", f"plugins.{PLUGIN}.max_output_chars", "10", "-c", "print('x' * 100)"
    )
    assert truncated.code == 0
    assert truncated.stdout == "x" * 10
    assert truncated.stderr == "[stdout truncated]\n"

    unicode = setup("run", "--conversation", "u", "-c", "print('h\u00e9llo \u2713')")
    assert unicode.stdout == "h\u00e9llo \u2713\n"


def test_bad_setting_is_reported(setup):
    outcome = setup("run", "--conversation", "c", "-s", f"plugins.{PLUGIN}.max_sessions", "0", "-c", "pass")
    assert outcome.code == 1
    assert "max_sessions" in outcome.stderr
    no_traceback(outcome)


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--conversation", "c", "-c", "datasette.yaml", "-c", "print(1)"],
        ["run", "--conversation", "c", "--conversation", "d", "-c", "pass"],
        ["run", "--internal", "A_DB", "--internal", "B_DB", "--conversation", "c", "-c", "pass"],
        ["run", "--config", "CONFIG", "--config", "CONFIG", "--conversation", "c", "-c", "pass"],
        ["run", "--actor", '{"id": "a"}', "--actor", '{"id": "b"}', "--conversation", "c", "-c", "pass"],
        ["run", "--root", "--root", "--conversation", "c", "-c", "pass"],
        ["run", "--reset", "--reset", "--conversation", "c", "-c", "pass"],
        ["run", "-v", "-v", "--conversation", "c", "-c", "pass"],
        ["run", "--json", "--json", "--conversation", "c", "-c", "pass"],
        ["repl", "--conversation", "c", "--conversation", "d"],
        ["sessions", "--json", "--json"],
        ["purge", "--older-than", "1", "--older-than", "2"],
        ["purge", "--all", "--all"],
        ["purge", "--all", "--yes", "--yes"],
    ],
)
def test_an_option_given_twice_is_an_error(setup, tmp_path, args):
    """Click would keep the last value without a word: `run -c datasette.yaml -c CODE` lost the first."""
    config = tmp_path / "datasette.yaml"
    config.write_text("{}")
    paths = {"CONFIG": config, "A_DB": tmp_path / "a.db", "B_DB": tmp_path / "b.db"}
    outcome = setup(*(paths.get(arg, arg) for arg in args))
    repeated = next(arg for arg in args if arg.startswith("-") and args.count(arg) == 2)
    assert outcome.code == 2, outcome
    assert "given 2 times" in outcome.stderr and "give it once" in outcome.stderr
    assert repeated in outcome.stderr
    no_traceback(outcome)


def test_code_given_twice_names_both_values_and_points_at_config(setup):
    outcome = setup("run", "--conversation", "c", "-c", "datasette.yaml", "-c", "print(1)")
    assert outcome.code == 2
    assert (
        "Error: Invalid value for '-c' / '--code': given 2 times ('datasette.yaml', 'print(1)'); "
        "give it once (a config file is --config FILE)"
    ) in outcome.stderr
    assert outcome.stdout == ""


def test_options_meant_to_repeat_still_repeat(setup, internal, data_db, tmp_path):
    other = tmp_path / "other.db"
    sqlite3.connect(other).close()
    outcome = setup(
        "run",
        data_db,
        other,
        "--internal",
        internal,
        "--conversation",
        "c",
        "-s",
        f"plugins.{PLUGIN}.max_output_chars",
        "5",
        "-s",
        f"plugins.{PLUGIN}.fuel",
        "1e10",
        "-c",
        "print(read_only_sql_query('other', 'select 1 as n')['rows'], 'and more')",
    )
    assert (outcome.code, outcome.stdout, outcome.stderr) == (0, "[{'n'", "[stdout truncated]\n")


def test_run_json_prints_the_whole_result(micropython, tmp_path):
    fine, failed = micropython.many(
        ["run", "--conversation", "j", "--json", "-s", f"plugins.{PLUGIN}.fuel", "1e9", "-c", "print('hi')\nx = 1"],
        ["run", "--conversation", "k", "--json", "-c", "print('before')\n1 / 0"],
    )
    assert fine.code == 0, fine
    assert fine.stderr == ""
    result = json.loads(fine.stdout)
    assert result["ok"] is True and result["stdout"] == "hi\n" and result["state"] == "new" and result["calls"] == 1
    assert isinstance(result["fuel_used"], int) and 0 < result["fuel_used"] < 10**9
    assert result["fuel_remaining"] == 10**9 - result["fuel_used"]
    assert {"stderr", "stdout_truncated", "stderr_truncated", "interpreter_reset"} <= set(result)

    assert failed.code == 1, failed
    assert failed.stderr == ""  # all of it is in the JSON
    result = json.loads(failed.stdout)
    assert result["ok"] is False and result["stdout"] == "before\n"
    assert result["error_type"] == "exception"
    assert result["error"].endswith("line 2, in <module>\nZeroDivisionError: divide by zero\n")
    assert result["fuel_used"] is None  # no fuel setting: not metered


def test_a_failed_sql_query_prints_no_datasette_log_line(micropython, data_db):
    outcome = micropython(
        "run",
        data_db,
        "--root",
        "--conversation",
        "sql",
        "-c",
        'print(read_only_sql_query("data", "select nope from items"))',
    )
    assert outcome.code == 0, outcome
    assert outcome.stdout == "{'error': 'OperationalError: no such column: nope'}\n"
    assert outcome.stderr == ""


# -- bad input --------------------------------------------------------------------------------


def test_bad_input(micropython, tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    missing, bad_json, under_file, in_proc = micropython.many(
        ["run", tmp_path / "missing.db", "--conversation", "c", "-c", "pass"],
        ["run", "--actor", "{bad", "--conversation", "c", "-c", "pass"],
        # Tests run as root, so chmod cannot make a folder unwritable: use a parent that is a
        # regular file, and /proc, which refuses new files even to root.
        ["run", "--internal", a_file / "internal.db", "--conversation", "c", "-c", "pass"],
        ["run", "--internal", "/proc/micropython-internal.db", "--conversation", "c", "-c", "pass"],
    )
    assert missing.code == 1
    assert f"Error: Database file not found: {tmp_path / 'missing.db'}" in missing.stderr

    assert bad_json.code == 2
    assert "Invalid value for --actor: not valid JSON" in bad_json.stderr

    assert under_file.code == 1, under_file
    assert f"{a_file} is not a folder" in under_file.stderr

    assert in_proc.code == 1, in_proc
    assert "Datasette could not start (internal database " in in_proc.stderr
    assert "unable to open database file" in in_proc.stderr

    for outcome in (missing, bad_json, under_file, in_proc):
        assert outcome.stdout == ""
    no_traceback(missing, bad_json, under_file, in_proc)


def test_more_bad_input(setup, tmp_path):
    both = setup("run", "--conversation", "c", "-c", "pass", tmp_path / "script.py")
    neither = setup("run", "--conversation", "c")
    assert both.code == 2 and neither.code == 2
    assert "Give the code once: -c CODE, a SCRIPT.py, or - for standard input" in both.stderr
    assert "Give the code once" in neither.stderr

    not_object = setup("run", "--actor", "[1]", "--conversation", "c", "-c", "pass")
    assert not_object.code == 2
    assert "must be a JSON object" in not_object.stderr

    no_conversation = setup("run", "-c", "pass")
    assert no_conversation.code == 2
    assert "Missing option '--conversation'" in no_conversation.stderr

    missing_script = setup("run", "--conversation", "c", tmp_path / "missing.py")
    assert missing_script.code == 1
    assert f"Cannot read {tmp_path / 'missing.py'}" in missing_script.stderr

    two_scripts = setup("run", "--conversation", "c", tmp_path / "a.py", "-")
    assert two_scripts.code == 2

    not_sqlite = tmp_path / "not-sqlite.db"
    not_sqlite.write_bytes(b"this is not a SQLite database, just some text " * 100)
    garbage = setup("run", "--internal", not_sqlite, "--conversation", "c", "-c", "pass")
    assert garbage.code == 1, garbage
    assert "Datasette could not start" in garbage.stderr
    no_traceback(both, neither, not_object, no_conversation, missing_script, two_scripts, garbage)


def test_bad_config_file_is_a_clean_error(setup, tmp_path):
    bad_config = tmp_path / "bad.yaml"
    bad_config.write_text("databases: [unclosed\n")
    outcome = setup("run", "--config", bad_config, "--conversation", "c", "-c", "pass")
    assert outcome.code == 1
    assert "not valid JSON or YAML" in outcome.stderr


# -- sessions ---------------------------------------------------------------------------------


def test_no_sessions(setup, internal):
    empty = setup("sessions", "--internal", internal)
    assert (empty.code, empty.stdout) == (0, "No stored sessions.\n")
    assert json.loads(setup("sessions", "--internal", internal, "--json").stdout) == []


def test_sessions_and_purge_without_an_internal_database_say_so(micropython):
    """Without --internal the internal database is in memory: nothing was ever stored there."""
    listing, as_json, purge = micropython.many(["sessions"], ["sessions", "--json"], ["purge", "--all", "--yes"])
    for outcome in (listing, as_json, purge):
        assert outcome.code == 2, outcome
        assert outcome.stdout == ""
        assert "Error: No internal database was given" in outcome.stderr
        assert "--internal FILE" in outcome.stderr
        assert "No stored sessions" not in outcome.stderr
    no_traceback(listing, as_json, purge)


def test_sessions_table_and_json(micropython, setup, internal):
    setup(
        "run",
        "--internal",
        internal,
        "--conversation",
        "conv-alice",
        "--actor",
        '{"id": "alice"}',
        "-c",
        "a = 1\nb = [1, 2]\ndef fn():\n    pass",
    )
    setup("run", "--internal", internal, "--conversation", "conv-anon", "-c", "only = 'me'")

    copy = internal.with_name("copy.db")  # the two invocations run concurrently: one file each
    copy_database(internal, copy)
    table, as_json = micropython.many(["sessions", "--internal", internal], ["sessions", "--internal", copy, "--json"])
    assert table.code == 0, table
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["conversation", "actor", "calls", "raw", "stored", "last", "used", "globals"]
    assert [line.split()[0] for line in lines[1:]] == ["conv-anon", "conv-alice"]  # most recent first
    alice = lines[2].split(None, 8)
    assert alice[1:3] == ["alice", "1"]
    assert alice[4] == "MiB" and alice[6] == "KiB"  # raw and stored sizes, human-readable
    assert set(alice[8].split(", ")) == {"a", "b", "fn"}
    anon = lines[1].split()
    assert anon[1] == "-" and anon[-1] == "only"

    assert as_json.code == 0, as_json
    rows = json.loads(as_json.stdout)
    assert [row["conversation_id"] for row in rows] == ["conv-anon", "conv-alice"]
    row = rows[1]
    assert {"conversation_id", "actor_id", "calls", "raw_bytes", "stored_bytes", "last_used_at", "globals"} <= set(row)
    assert row["actor_id"] == "alice" and rows[0]["actor_id"] is None
    assert row["calls"] == 1
    assert sorted(row["globals"]) == ["a", "b", "fn"]
    assert rows[0]["globals"] == ["only"]
    assert row["raw_bytes"] >= 1024 * 1024
    assert 0 < row["stored_bytes"] < row["raw_bytes"]
    when = datetime.fromisoformat(row["last_used_at"])
    assert abs((datetime.now(timezone.utc) - when).total_seconds()) < 120


def test_sessions_in_a_served_database(setup, tmp_path):
    """With sessions_database, the table lives in a database Datasette serves."""
    sessions_db = tmp_path / "sessions.db"
    sqlite3.connect(sessions_db).close()
    config = tmp_path / "datasette.json"
    config.write_text(json.dumps({"plugins": {PLUGIN: {"sessions_database": "sessions"}}}))
    outcome = setup("run", sessions_db, "--config", config, "--conversation", "kept", "-c", "k = 1")
    assert outcome.code == 0, outcome
    assert set(stored_rows(sessions_db)) == {"kept"}
    rows = json.loads(setup("sessions", sessions_db, "--config", config, "--json").stdout)
    assert [row["conversation_id"] for row in rows] == ["kept"]
    restored = setup("run", sessions_db, "--config", config, "--conversation", "kept", "-v", "-c", "print(k)")
    assert restored.stdout == "1\n"
    # Nothing else on stderr: in particular no Datasette "ERROR: ... no such table: agent_messages"
    # from looking for datasette-agent's tables in a database that does not hold them.
    assert restored.stderr == "[session restored]\n"


# -- purge ------------------------------------------------------------------------------------


def make_sessions(setup: Micropython, internal: Path, *conversations: str) -> None:
    for conversation in conversations:
        outcome = setup("run", "--internal", internal, "--conversation", conversation, "-c", f"name = {conversation!r}")
        assert outcome.code == 0, outcome


def age_session(internal: Path, conversation: str, days: float) -> None:
    when = (datetime.now(timezone.utc) - timedelta(days=days)).isoformat(timespec="milliseconds")
    with sqlite3.connect(internal) as conn:
        conn.execute("UPDATE micropython_sessions SET last_used_at = ? WHERE conversation_id = ?", [when, conversation])


def test_purge(micropython, setup, tmp_path):
    """By conversation, by age, and all, with and without the question; one internal DB each."""
    files = {name: tmp_path / f"{name}.db" for name in ("by_conversation", "declined", "accepted")}
    for internal in files.values():
        make_sessions(setup, internal, "a", "b")
        age_session(internal, "b", 10)
    by_conversation, declined, accepted = micropython.many(
        ["purge", "--internal", files["by_conversation"], "--conversation", "a", "--yes"],
        (["purge", "--internal", files["declined"], "--all"], "n\n"),
        (["purge", "--internal", files["accepted"], "--all"], "y\n"),
    )
    assert (by_conversation.code, by_conversation.stdout) == (0, "Deleted 1 stored session(s).\n")
    assert set(stored_rows(files["by_conversation"])) == {"b"}

    # Without --yes it asks; "n" deletes nothing and exits 1.
    assert declined.code == 1
    assert declined.stdout.startswith("Delete 2 stored session(s)? [y/N]")
    assert "Aborted!" in declined.stderr
    assert set(stored_rows(files["declined"])) == {"a", "b"}

    assert accepted.code == 0, accepted
    assert accepted.stdout.startswith("Delete 2 stored session(s)? [y/N]")
    assert "Deleted 2 stored session(s)." in accepted.stdout
    assert stored_rows(files["accepted"]) == {}

    # A purged conversation starts afresh.
    after = setup(
        "run", "--internal", files["by_conversation"], "--conversation", "a", "-v", "-c", "print('name' in globals())"
    )
    assert (after.stdout, after.stderr) == ("False\n", "[session new]\n")


def test_purge_by_age(setup, internal):
    make_sessions(setup, internal, "a", "b")
    age_session(internal, "b", 10)
    nothing_old = setup("purge", "--internal", internal, "--older-than", "20", "--yes")
    assert (nothing_old.code, nothing_old.stdout) == (0, "Nothing to purge.\n")
    by_age = setup("purge", "--internal", internal, "--older-than", "5", "--yes")
    assert (by_age.code, by_age.stdout) == (0, "Deleted 1 stored session(s).\n")
    assert set(stored_rows(internal)) == {"a"}
    # Fractions of a day work too.
    age_session(internal, "a", 0.5)
    hours = setup("purge", "--internal", internal, "--older-than", "0.25", "--yes")
    assert hours.stdout == "Deleted 1 stored session(s).\n"
    assert stored_rows(internal) == {}


def test_purge_several_and_all_with_yes(setup, internal):
    make_sessions(setup, internal, "p", "q", "r", "s")
    several = setup("purge", "--internal", internal, "--conversation", "p", "--conversation", "q", "--yes")
    assert several.stdout == "Deleted 2 stored session(s).\n"
    assert set(stored_rows(internal)) == {"r", "s"}
    # The question also guards --conversation.
    declined = setup("purge", "--internal", internal, "--conversation", "r", input="n\n")
    assert declined.code == 1
    assert set(stored_rows(internal)) == {"r", "s"}
    everything = setup("purge", "--internal", internal, "--all", "--yes")
    assert everything.stdout == "Deleted 2 stored session(s).\n"
    assert stored_rows(internal) == {}
    assert setup("purge", "--internal", internal, "--all", "--yes").stdout == "Nothing to purge.\n"


def test_purge_bad_input(micropython, setup, internal):
    make_sessions(setup, internal, "known")
    unknown = micropython("purge", "--internal", internal, "--conversation", "unknown", "--yes")
    assert unknown.code == 1
    assert "Error: No stored session for conversation unknown" in unknown.stderr
    # Known and unknown together: nothing is deleted.
    mixed = setup("purge", "--internal", internal, "--conversation", "known", "--conversation", "unknown", "--yes")
    assert mixed.code == 1
    assert set(stored_rows(internal)) == {"known"}
    nothing_said = setup("purge", "--internal", internal)
    negative = setup("purge", "--internal", internal, "--older-than", "-1", "--yes")
    assert nothing_said.code == 2
    assert "Say what to purge: --conversation ID, --older-than DAYS or --all" in nothing_said.stderr
    assert negative.code == 2
    assert "--older-than" in negative.stderr
    no_traceback(unknown, nothing_said, negative)
    assert set(stored_rows(internal)) == {"known"}


@pytest.mark.parametrize("age", ["nan", "inf", "-inf", "1e308", "36501"])
def test_purge_refuses_non_finite_and_absurd_ages(micropython, setup, internal, age):
    make_sessions(setup, internal, "kept")
    outcome = micropython("purge", "--internal", internal, "--older-than", age, "--yes")
    assert outcome.code == 2
    assert "--older-than" in outcome.stderr
    assert "must be a number of days from 0 to 36,500" in outcome.stderr
    no_traceback(outcome)
    assert set(stored_rows(internal)) == {"kept"}


# -- repl -------------------------------------------------------------------------------------

BLOCK = "def f():\n    return 41\n\nprint(f() + 1)\n"


def test_repl_through_stdin(setup, internal):
    first = setup("repl", "--internal", internal, "--conversation", "repl", input=BLOCK)
    assert first.code == 0, first
    assert first.stdout.startswith("MicroPython session for conversation repl: new. Ctrl-D quits.\n")
    assert ">>> ... ... >>> 42\n" in first.stdout  # a block over three lines, then its output

    second = setup(
        "repl",
        "--internal",
        internal,
        "--conversation",
        "repl",
        input="print(f())\nprint(undefined_name)\nprint('still here')\n",
    )
    assert second.code == 0, second
    assert "MicroPython session for conversation repl: restored." in second.stdout
    assert "41\n" in second.stdout
    # Errors in the REPL (here a NameError) are reported on stderr and the REPL carries on.
    assert "NameError" in second.stderr
    assert "still here\n" in second.stdout

    # A syntax error is MicroPython's to report; an unfinished block at end of input still runs.
    third = setup(
        "repl", "--internal", internal, "--conversation", "repl", input="def (:\nfor i in range(2):\n    print(i)"
    )
    assert third.code == 0, third
    assert "SyntaxError" in third.stderr
    assert "0\n1\n" in third.stdout


# What Python's REPL echoes, each a block as read_block() hands it over.
ECHO_CASES = [
    "6 * 7",
    "None",
    "print('printed')",
    "x = 5; x + 1; 'text'",
    "items = [1, 2]; items.append(3); items",
    "for i in range(3): i",
    "for i in range(2):\n    for j in range(2):\n        i * j",
    "if len('ab') == 2:\n    'yes'\nelse:\n    'no'",
    "while True:\n    'once'\n    break\nelse:\n    'never'",
    "try:\n    1 / 0\nexcept ZeroDivisionError:\n    'caught'\nelse:\n    'no error'\nfinally:\n    'finally'",
    "def f():\n    'not echoed in a function'\n    return 3",
    "class C:\n    'docstring, not echoed'\n    4\n    for i in range(2): i",
    "s = '\u00e9\u00fc'; s * 2; len(s)  # non-ASCII before the expression",
    "(1 +\n 2)",
    "{'b': 1, 'a': [2.5, None, (3,)]}",
    "match 3:\n    case 1:\n        'one'\n    case _:\n        'other'",
    "with_semicolon = 1;",
]


@pytest.mark.parametrize("block", ECHO_CASES)
def test_echo_expressions_echoes_what_cpythons_interactive_mode_echoes(block):
    """CPython is the oracle: its 'single' mode against the rewritten block run as a module."""
    from datasette_agent_micropython.cli import echo_expressions

    def output(code) -> str:
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            exec(code, {"__name__": "__main__"})
        return buffer.getvalue()

    rewritten = echo_expressions(block)
    assert rewritten.count("\n") == block.count("\n")  # line numbers stay the user's
    assert output(compile(rewritten, "<input>", "exec")) == output(compile(block + "\n", "<input>", "single"))


def test_echo_expressions_leaves_code_cpython_cannot_parse_to_micropython():
    from datasette_agent_micropython.cli import echo_expressions

    assert echo_expressions("def (:") == "def (:"


def test_repl_echoes_expression_values_in_the_sandbox(setup, internal):
    outcome = setup(
        "repl",
        "--internal",
        internal,
        "--conversation",
        "echo",
        input=(
            "6 * 7\nNone\nprint('p')\nx = 5; x + 1; 'a'\n{'b': 1, 'a': 2.5}\n0.1 + 0.2\n"
            "(1 +\n 1/0)\n\nsorted(name for name in globals() if 'echo' in name)\n"
        ),
    )
    assert outcome.code == 0, outcome
    prompts_and_output = outcome.stdout.split("Ctrl-D quits.\n", 1)[1]
    assert prompts_and_output == (
        ">>> 42\n>>> >>> p\n>>> 6\n'a'\n>>> {'b': 1, 'a': 2.5}\n>>> 0.30000000000000004\n>>> ... ... >>> []\n>>> \n"
    )
    # The error is on the user's second line, and echoing bound no global.
    assert "line 2, in <module>" in outcome.stderr
    assert outcome.stderr.rstrip().endswith("ZeroDivisionError: divide by zero")
    assert "__echo" not in stored_rows(internal)["echo"]["globals"]


class Terminal:
    """A subprocess on a real pseudo-terminal: write keystrokes, read until some text appears."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        master, slave = pty.openpty()
        self.master = master
        self.process = subprocess.Popen(
            [sys.executable, "-m", "datasette", "micropython", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=cwd,
            close_fds=True,
            env=dict(os.environ, PYTHONUNBUFFERED="1", TERM="dumb"),
        )
        os.close(slave)
        self.output = ""
        self.position = 0  # expect() looks for text after what earlier calls matched

    def expect(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.output[self.position :]:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"did not see {text!r} within {timeout} s; the terminal showed:\n{self.output}")
            ready, _, _ = select.select([self.master], [], [], remaining)
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:  # the child closed the terminal
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"terminal closed before {text!r}; it showed:\n{self.output}")
                self.output += chunk.decode(errors="replace").replace("\r\n", "\n")
        self.position = self.output.index(text, self.position) + len(text)
        return self.output

    def send(self, text: str) -> None:
        os.write(self.master, text.encode())

    def wait(self, timeout: float = 30) -> int:
        return self.process.wait(timeout)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self.master)


def test_repl_in_a_pseudo_terminal(tmp_path, internal):
    args = ["repl", "--internal", str(internal), "--conversation", "tty"]
    with Terminal(args, tmp_path) as terminal:
        terminal.expect("MicroPython session for conversation tty: new. Ctrl-D quits.")
        terminal.expect(">>> ")
        terminal.send("def f():\n")
        terminal.expect("... ")
        terminal.send("    return 41\n")
        terminal.expect("... ")
        terminal.send("\n")  # an empty line ends the block
        terminal.expect(">>> ")
        terminal.send("print(f() + 1)\n")
        terminal.expect("42\n")
        terminal.expect(">>> ")
        terminal.send("f() * 2\n")  # an expression's value is echoed
        terminal.expect("82\n")
        terminal.expect(">>> ")
        terminal.send("\x04")  # Ctrl-D at the start of a line: quit (the session is stored)
        assert terminal.wait() == 0

    with Terminal(args, tmp_path) as terminal:
        terminal.expect("MicroPython session for conversation tty: restored. Ctrl-D quits.")
        terminal.expect(">>> ")
        terminal.send("print(f())\n")
        terminal.expect("41\n")
        terminal.expect(">>> ")
        terminal.send("\x04")
        assert terminal.wait() == 0
