"""New sessions and restores in instances booted ahead (instance_pool.py), against the real
artifact in Wasmtime.

A pooled instance must be indistinguishable from one booted for the restore: the same bytes in
memory afterwards, the caller's host functions, and a refused snapshot leaving it fresh. A pooled
new session must be indistinguishable from one booted on the spot (which also loads the CPython
helpers while booting): the same globals, call count, names, clock and behaviour. The pool stays
bounded, and closing the runtime ends every parked interpreter's thread.
"""

import dataclasses
import threading
import time

import pytest

from datasette_agent_micropython.runtime import HELPERS_IMPORT_FUEL, POOL_MAX_KINDS, Runtime, Session
from datasette_agent_micropython.settings import Limits
from datasette_agent_micropython.snapshot import PAGE_SIZE

LIMITS = Limits(fuel=10**10, timeout_seconds=30)
# Once a configuration has had a new session and a restore: two parked for each of the two kinds.
PARKED = 2 * 2


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("module-cache")


@pytest.fixture
def pooled(cache_dir):
    runtime = Runtime(cache_dir=cache_dir, pool_per_kind=2)
    yield runtime
    runtime.close()


def eventually(predicate, seconds: float = 60.0) -> bool:
    """Whether `predicate()` holds within `seconds` (the pool fills in a background thread)."""
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def session_threads() -> int:
    return sum(thread.name == "micropython-session" and thread.is_alive() for thread in threading.enumerate())


def built_snapshot(runtime, host_functions=None):
    session = runtime.new_session(LIMITS, host_functions or {})
    try:
        result = session.run(
            "import random\nx = [random.getrandbits(20) for _ in range(2000)]\ndef f(n):\n    return n * 2"
        )
        assert result.ok, result.error
        return session.snapshot()
    finally:
        session.close()


def without_page(snapshot, page):
    """`snapshot` with one of its pages left out: that page is then zero in what it describes."""
    index = snapshot.pages.index(page)
    data = snapshot.data[: index * PAGE_SIZE] + snapshot.data[(index + 1) * PAGE_SIZE :]
    return dataclasses.replace(snapshot, pages=snapshot.pages[:index] + snapshot.pages[index + 1 :], data=data)


def test_a_restore_leaves_exactly_the_snapshots_bytes_in_a_pooled_and_in_a_booted_instance(pooled, cache_dir):
    snapshot = built_snapshot(pooled)
    # An instance as a restore gets it: a refused snapshot leaves it fresh.
    fresh = pooled.new_session(LIMITS, snapshot=dataclasses.replace(snapshot, fingerprint="0" * 32))
    fresh_pages = fresh.snapshot().pages
    fresh.close()
    # A page that is not zero in a fresh instance, left out: the restore must clear it.
    trimmed = without_page(snapshot, max(set(fresh_pages) & set(snapshot.pages)))
    unpooled = Runtime(cache_dir=cache_dir, pool_per_kind=0)
    for wanted in (snapshot, trimmed):
        pooled.new_session(LIMITS, snapshot=wanted).close()
        assert eventually(lambda: pooled.pool.parked() == PARKED)
        for session in (pooled.new_session(LIMITS, snapshot=wanted), unpooled.new_session(LIMITS, snapshot=wanted)):
            try:
                assert session.restored, session.restore_error
                again = session.snapshot()
                assert again.pages == wanted.pages
                assert again.data == wanted.data
            finally:
                session.close()


def test_a_restored_session_carries_on_in_a_pooled_instance(pooled):
    snapshot = built_snapshot(pooled)
    pooled.new_session(LIMITS, snapshot=snapshot).close()
    assert eventually(lambda: pooled.pool.parked() == PARKED)
    session = pooled.new_session(LIMITS, snapshot=snapshot)
    try:
        assert session.restored, session.restore_error
        assert session.calls == 1
        result = session.run("print(len(x), f(21))")
        assert result.stdout == "2000 42\n", result
    finally:
        session.close()


def test_a_pooled_instance_calls_the_host_functions_of_the_restore_that_takes_it(pooled):
    snapshot = built_snapshot(pooled, {"who": lambda context: "builder"})
    pooled.new_session(LIMITS, {"who": lambda context: "first"}, snapshot).close()
    assert eventually(lambda: pooled.pool.parked() == PARKED)
    session = pooled.new_session(LIMITS, {"who": lambda context: "second"}, snapshot)
    try:
        assert session.restored, session.restore_error
        assert session.run("print(who(), f(2))").stdout == "second 4\n"
    finally:
        session.close()


def test_a_refused_snapshot_leaves_a_pooled_instance_fresh_and_usable(pooled):
    snapshot = built_snapshot(pooled)
    pooled.new_session(LIMITS, snapshot=snapshot).close()
    assert eventually(lambda: pooled.pool.parked() == PARKED)
    forged = dataclasses.replace(snapshot, fingerprint="0" * 32)
    session = pooled.new_session(LIMITS, snapshot=forged)
    try:
        assert not session.restored
        assert "different build or configuration" in session.restore_error
        assert session.calls == 0
        result = session.run("print('x' in globals())\ny = 3\nprint(y)")
        assert result.stdout == "False\n3\n", result
    finally:
        session.close()


def test_the_pool_holds_a_bounded_number_of_instances_and_close_ends_their_threads(pooled):
    before = session_threads()
    snapshot = built_snapshot(pooled)
    # Limits that differ only in their time limit are different kinds with the same fingerprint.
    kinds = [dataclasses.replace(LIMITS, timeout_seconds=10 + index) for index in range(POOL_MAX_KINDS + 2)]
    for limits in kinds:
        session = pooled.new_session(limits, snapshot=snapshot)
        assert session.restored, session.restore_error
        session.close()
    assert eventually(lambda: pooled.pool.parked() == 2 * POOL_MAX_KINDS)
    # The filler has nothing left to do: no kind is over its share, and none beyond the bound.
    time.sleep(0.2)
    assert pooled.pool.parked() == 2 * POOL_MAX_KINDS
    assert session_threads() >= before + 2 * POOL_MAX_KINDS
    pooled.close()
    assert pooled.pool.parked() == 0
    assert eventually(lambda: session_threads() <= before)
    # A closed pool hands nothing out: a restore boots its own instance.
    session = pooled.new_session(LIMITS, snapshot=snapshot)
    try:
        assert session.restored, session.restore_error
        assert session.run("print(f(5))").stdout == "10\n"
    finally:
        session.close()
    assert pooled.pool.parked() == 0


GLOBALS_AND_BEHAVIOUR = [
    "print(sorted(globals()))",
    "import sys\nprint(sorted(name for name in sys.modules if name[:1] != '_'))",
    'd = {"b": 1, "a": 2.675}\nprint(f"{1234.5:,.2f}", round(2.675, 2), d, sorted(d))',
    "print(sorted(globals()), who())",
]


def test_pooled_new_sessions_are_like_one_booted_on_the_spot(pooled, cache_dir):
    pooled.new_session(LIMITS, {"who": lambda context: "first"}).close()
    assert eventually(lambda: pooled.pool.parked() == 2)
    threads_of_parked = set(threading.enumerate())
    unpooled = Runtime(cache_dir=cache_dir, pool_per_kind=0)
    # The pool's first instance of a kind loaded the helpers itself; the next was laid from its
    # snapshot (the kind's template) and reseeded.
    sessions = [pooled.new_session(LIMITS, {"who": lambda context: "second"}) for _ in range(2)]
    sessions.append(unpooled.new_session(LIMITS, {"who": lambda context: "second"}))
    try:
        assert {sessions[0]._thread, sessions[1]._thread} <= threads_of_parked, "not taken from the pool"
        assert len(pooled._helper_templates) == 1
        for session in sessions:
            assert (session.calls, session.names, session.restored) == (0, [], False)
            assert session.helpers_loaded
        outputs = [[session.run(code) for code in GLOBALS_AND_BEHAVIOUR] for session in sessions]
        for results in outputs:
            assert all(result.ok for result in results), results
        assert [result.stdout for result in outputs[0]] == [result.stdout for result in outputs[2]]
        assert [result.stdout for result in outputs[1]] == [result.stdout for result in outputs[2]]
        assert outputs[0][0].stdout == "['__cp', '__name__', 'who']\n"
        assert outputs[0][-1].stdout.endswith(" second\n")
        assert [(session.calls, sorted(session.names)) for session in sessions] == [(4, ["d", "sys"])] * 3
        draws = [session.run("import random\nprint(random.getrandbits(30))").stdout for session in sessions]
        assert len(set(draws)) == 3, draws
    finally:
        for session in sessions:
            session.close()


def test_a_pooled_new_session_s_clock_starts_where_its_boot_ended(pooled):
    started = time.monotonic()
    pooled.new_session(LIMITS).close()
    assert eventually(lambda: pooled.pool.parked() == 2)
    # Every parked instance booted, whole, between `started` and now.
    booted_within_ns = (time.monotonic() - started) * 1e9
    time.sleep(0.5)
    taken = time.monotonic()
    session = pooled.new_session(LIMITS)
    try:
        since_taken_ns = (time.monotonic() - taken) * 1e9
        # Had the clock kept running while the instance was parked, it would read over 0.5 s more.
        assert session.clock_now() <= booted_within_ns + since_taken_ns
    finally:
        session.close()


def fetched_phase_fuel(session) -> list[tuple[int, int]]:
    """Spy on `session`: for each snippet, the fuel granted to its delivery (the phase in which the
    bootstrap loads the helpers) and the fuel that delivery used."""
    phases, granted = [], [0]
    set_fuel, answer = session._set_fuel, session._answer

    def recording_set_fuel(fuel):
        granted[0] = fuel
        set_fuel(fuel)

    def recording_answer(name, payload, caller):
        if name == "__begin__" and session._phase == "fetched":
            phases.append((granted[0], granted[0] - session._wasm_store.get_fuel()))
        return answer(name, payload, caller)

    session._set_fuel, session._answer = recording_set_fuel, recording_answer
    return phases


def test_a_new_session_s_first_call_neither_loads_the_helpers_nor_gets_their_budget(pooled):
    loaded_at_boot = pooled.new_session(LIMITS)
    loaded_on_first_call = Session(pooled, LIMITS, {})
    try:
        assert loaded_at_boot.helpers_loaded and not loaded_on_first_call.helpers_loaded
        cheap, dear = fetched_phase_fuel(loaded_at_boot), fetched_phase_fuel(loaded_on_first_call)
        for session in (loaded_at_boot, loaded_on_first_call):
            assert session.run("x = 1").ok and session.run("x = 2").ok
        ((granted, used), second), ((dear_granted, dear_used), dear_second) = cheap, dear
        # Loading the helpers costs over ten million fuel: none of it falls on the first call, and
        # the budget for it is not there for a callback the user might schedule.
        assert used < 1_000_000 and dear_used > 10_000_000
        assert dear_granted == granted + HELPERS_IMPORT_FUEL
        assert second[0] == dear_second[0] == granted
    finally:
        loaded_at_boot.close()
        loaded_on_first_call.close()
