"""The defaults let ordinary analysis run: no fuel metering unless `fuel` is set, the wall-clock
limit stops long work, and filling the memory is a MemoryError the interpreter survives.

Why no fuel by default: benchmarks/fuel.py (metering costs 9-32% on the same code; 5 s of
computation is about 40G fuel, 4,000 times the old 10M default).
"""

import sqlite3

import pytest
from agent_harness import ALICE, call_tool, make_datasette, start_conversation

from datasette_agent_micropython.module_cache import cache_key
from datasette_agent_micropython.runtime import Runtime
from datasette_agent_micropython.settings import Limits, Settings

# Far more than the old default of 10M fuel (about 120M), and far less than 5 s.
LOOP_PAST_OLD_FUEL = "t = 0\nfor i in range(50_000):\n    t = (t + i * 7) % 1000003\nprint(t)"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("module-cache")


@pytest.fixture(scope="module")
def runtime(cache_dir):
    return Runtime(cache_dir=cache_dir)


@pytest.fixture
def session(runtime):
    session = runtime.new_session(Limits())
    yield session
    session.close()


def test_the_default_limits_set_no_fuel_and_the_settings_agree():
    assert Limits().fuel is None
    assert Settings.from_plugin_config({}).limits.fuel is None
    assert Settings.from_plugin_config({"fuel": None}).limits.fuel is None
    assert Settings.from_plugin_config({"fuel": 10**9}).limits.fuel == 10**9


def test_work_past_the_old_fuel_default_runs_unmetered(session):
    result = session.run(LOOP_PAST_OLD_FUEL)
    assert result.ok, result.error
    assert result.stdout == f"{sum_loop(50_000)}\n"
    assert result.fuel_used is None
    assert not session.metered


def sum_loop(n):
    t = 0
    for i in range(n):
        t = (t + i * 7) % 1000003
    return t


def test_a_session_holding_megabytes_keeps_answering_after_a_collection(session):
    """With the old 10M fuel, every call of such a session ran out of fuel in the allocator."""
    assert session.run("import gc\nkeep = [str(i) * 10 for i in range(50_000)]\ngc.collect()").ok
    for _ in range(3):
        result = session.run("y = 3\nprint(len(keep) + y)")
        assert result.ok, result.error
        assert result.stdout == "50003\n"


def test_a_session_with_a_fuel_limit_is_metered_on_the_same_runtime(runtime):
    metered = runtime.new_session(Limits(fuel=10**10))
    try:
        result = metered.run(LOOP_PAST_OLD_FUEL)
        assert result.ok, result.error
        assert result.fuel_used > 10_000_000
        starved = metered.run("while True:\n    pass") if metered.metered else None
    finally:
        metered.close()
    assert starved.error_type == "fuel"


def test_without_fuel_the_wall_clock_limit_stops_a_runaway_loop(runtime):
    session = runtime.new_session(Limits(timeout_seconds=0.3))
    try:
        result = session.run("while True:\n    pass")
    finally:
        session.close()
    assert result.error_type == "timeout"
    assert result.error == "exceeded the 0.3 second time limit"
    assert result.trapped


def test_metered_and_unmetered_sessions_time_out_side_by_side(runtime):
    """One ticker drives both engines' epochs."""
    sessions = [runtime.new_session(Limits(fuel=fuel, timeout_seconds=0.3)) for fuel in (None, 10**13)]
    try:
        results = [session.run("while True:\n    pass") for session in sessions]
    finally:
        for session in sessions:
            session.close()
    assert [result.error_type for result in results] == ["timeout", "timeout"]


def test_each_fuel_mode_has_its_own_module_cache_entry(runtime, cache_dir):
    runtime.compiled(metered=True)
    names = {path.name for path in cache_dir.glob("*.cwasm")}
    expected = {
        f"micropython-{cache_key(runtime._wasm, runtime.compiled(metered).config_name)}.cwasm"
        for metered in (False, True)
    }
    assert expected <= names
    assert runtime.compiled(metered=True).config_name != runtime.compiled(metered=False).config_name


def test_an_image_from_an_unmetered_session_restores_into_a_metered_one(runtime):
    """Setting `fuel` later does not throw stored sessions away: images do not depend on the mode."""
    unmetered = runtime.new_session(Limits())
    try:
        assert unmetered.run("kept = [i * i for i in range(1000)]").ok
        image = unmetered.snapshot()
    finally:
        unmetered.close()
    metered = runtime.new_session(Limits(fuel=10**9), snapshot=image)
    try:
        assert metered.restore_error is None
        result = metered.run("print(sum(kept))")
        assert result.stdout == f"{sum(i * i for i in range(1000))}\n"
        assert result.fuel_used > 0
    finally:
        metered.close()


FILL_THE_MEMORY = {
    "bytearray": "b = bytearray(20_000_000)",
    "list repetition": "x = [0] * 10_000_000",
    "str repetition": "s = 'x' * 100_000_000",
    "str times n, a few MB at a time": "s = 'abc' * 6_000_000",
    "list of ranges": "x = list(range(10_000_000))",
    "dict comprehension": "d = {i: i for i in range(10_000_000)}",
    "growing a dict": "d = {}\ni = 0\nwhile True:\n    d[i] = str(i)\n    i += 1",
    "appending to a list": "big = []\nwhile True:\n    big.append(len(big))",
    "list of strings": "xs = [str(i) * 10 for i in range(10_000_000)]",
    "doubling a string": "s = 'a'\nwhile True:\n    s = s + s",
    "join": "s = ''.join(['abcdefgh'] * 3_000_000)",
}


@pytest.fixture
def roomy_session(runtime):
    """The default limits, but time for a loaded CI machine: growing a dict until the 16 MiB heap
    is full takes under a second on a quiet machine, and many times that under heavy load."""
    session = runtime.new_session(Limits(timeout_seconds=60))
    yield session
    session.close()


@pytest.mark.parametrize("code", FILL_THE_MEMORY.values(), ids=FILL_THE_MEMORY.keys())
def test_filling_the_memory_at_the_defaults_is_a_memory_error_the_interpreter_survives(roomy_session, code):
    session = roomy_session
    assert session.limits.fuel is None and session.limits.memory_bytes == Limits().memory_bytes
    assert session.run("before = 'kept'").ok
    result = session.run(code)
    assert result.ok is False
    assert result.error_type == "memory", result.error
    assert result.error.rstrip().splitlines()[-1].startswith("MemoryError")
    assert not result.trapped
    assert session.alive
    # What filled the heap may still be bound; drop it, and the session carries on.
    after = session.run("for name in ('b', 'x', 's', 'd', 'big', 'xs'):\n    globals().pop(name, None)\nprint(before)")
    assert after.ok, after.error
    assert after.stdout == "kept\n"


@pytest.mark.asyncio
async def test_the_tool_reports_null_fuel_at_the_defaults_and_reads_a_full_page_of_rows(tmp_path):
    """A page of Datasette's default size (1,000 rows) of seven columns cost 157M fuel: over 15x the old limit."""
    path = tmp_path / "data.db"
    with sqlite3.connect(path) as conn:
        conn.execute("create table orders (id integer primary key, a text, b text, c text, d real, e integer, f text)")
        conn.executemany(
            "insert into orders values (?, ?, ?, ?, ?, ?, ?)",
            [(i, f"a{i}", f"b{i}", f"2024-01-{1 + i % 28:02d}", i * 1.25, i % 7, None) for i in range(1, 1001)],
        )
    ds = await make_datasette(tmp_path, databases=[path])
    conversation = await start_conversation(ds, ALICE)
    code = (
        "result = read_only_sql_query('data', 'select * from orders')\n"
        "print(len(result['rows']), result['truncated'], sum(row['d'] for row in result['rows']))"
    )
    [result] = await call_tool(ds, ALICE, conversation, "execute_micropython", {"python": code})
    body = result["model"]
    assert body["ok"] is True, body
    assert body["stdout"] == f"1000 False {sum(i * 1.25 for i in range(1, 1001))}\n"
    assert body["fuel_used"] is None
    assert body["fuel_remaining"] is None


@pytest.mark.asyncio
async def test_the_tool_reports_fuel_when_the_setting_sets_a_limit(tmp_path):
    ds = await make_datasette(tmp_path, plugin_config={"fuel": 10**9})
    conversation = await start_conversation(ds, ALICE)
    [result] = await call_tool(ds, ALICE, conversation, "execute_micropython", {"python": LOOP_PAST_OLD_FUEL})
    body = result["model"]
    assert body["ok"] is True, body
    assert body["fuel_used"] > 10_000_000
    assert body["fuel_remaining"] == 10**9 - body["fuel_used"]
