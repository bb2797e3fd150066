"""Restores into instances booted ahead (instance_pool.py), against the real artifact in Wasmtime.

A pooled instance must be indistinguishable from one booted for the restore: the same bytes in
memory afterwards, the caller's host functions, and a refused snapshot leaving it fresh. The pool
stays bounded, and closing the runtime ends every parked interpreter's thread.
"""

import dataclasses
import threading
import time

import pytest

from datasette_agent_micropython.runtime import POOL_MAX_KINDS, Runtime
from datasette_agent_micropython.settings import Limits
from datasette_agent_micropython.snapshot import PAGE_SIZE

LIMITS = Limits(fuel=10**10, timeout_seconds=30)


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
    fresh = pooled.new_session(LIMITS)
    fresh_pages = fresh.snapshot().pages
    fresh.close()
    # A page that is not zero in a fresh instance, left out: the restore must clear it.
    trimmed = without_page(snapshot, max(set(fresh_pages) & set(snapshot.pages)))
    unpooled = Runtime(cache_dir=cache_dir, pool_per_kind=0)
    for wanted in (snapshot, trimmed):
        pooled.new_session(LIMITS, snapshot=wanted).close()
        assert eventually(lambda: pooled.pool.parked() == 2)
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
    assert eventually(lambda: pooled.pool.parked() == 2)
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
    assert eventually(lambda: pooled.pool.parked() == 2)
    session = pooled.new_session(LIMITS, {"who": lambda context: "second"}, snapshot)
    try:
        assert session.restored, session.restore_error
        assert session.run("print(who(), f(2))").stdout == "second 4\n"
    finally:
        session.close()


def test_a_refused_snapshot_leaves_a_pooled_instance_fresh_and_usable(pooled):
    snapshot = built_snapshot(pooled)
    pooled.new_session(LIMITS, snapshot=snapshot).close()
    assert eventually(lambda: pooled.pool.parked() == 2)
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
    snapshot = built_snapshot(pooled)
    before = session_threads()
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
