"""Every place where the host hands control to the guest, or waits for it, with a hostile guest.

User code can run at any bytecode boundary of the bootstrap (a `micropython.schedule` callback),
read its own memory (and so its result token) and make any host call. Whatever it does, every
call returns, a snapshot or a close never waits without a bound, and only its own session suffers.
"""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from datasette_agent_micropython import guest_protocol
from datasette_agent_micropython import runtime as runtime_module
from datasette_agent_micropython.guest_protocol import log_once
from datasette_agent_micropython.runtime import Session, SessionError
from datasette_agent_micropython.settings import Limits

FAST = Limits(timeout_seconds=0.3)

SCHEDULED = """
import micropython, time
armed = False
after = 0
def _cb(_):
    global after
    if armed:
        after += 1
        if after >= {offset}:
            {action}
            return
    micropython.schedule(_cb, 0)
micropython.schedule(_cb, 0)
armed = True
"""


def finish(session):
    """Close the session and check that its thread (and its store) really ended."""
    assert session.close(wait_seconds=session.overhead_seconds + 5)


def sleep_after_the_result(runtime, offset):
    session = runtime.new_session(FAST)
    result = session.run(SCHEDULED.format(offset=offset, action="time.sleep(10 ** 9)"))
    assert result.ok or result.trapped, result
    if result.trapped:
        assert result.error_type in ("timeout", "fuel")
        assert not session.alive
        with pytest.raises(SessionError):
            session.snapshot()
        with pytest.raises(SessionError):
            session.run("print(1)")
    else:
        # The guest is back at Q: a snapshot is taken at once, and the next call returns.
        assert session.snapshot().calls == 1
        follow_up = session.run("print(after)")
        assert follow_up.ok or follow_up.trapped
    finish(session)


def test_a_callback_sleeping_after_the_result_never_hangs_the_host_at_any_offset(runtime):
    # Sessions are independent, so the 40 offsets run side by side: each waits out its own bound.
    with ThreadPoolExecutor(max_workers=10) as pool:
        for future in [pool.submit(sleep_after_the_result, runtime, offset) for offset in range(1, 41)]:
            future.result()


def test_the_way_back_to_q_after_a_result_is_reported_as_such(runtime):
    outcomes = {}
    for offset in range(1, 41):
        session = runtime.new_session(FAST)
        result = session.run(SCHEDULED.format(offset=offset, action="time.sleep(10 ** 9)"))
        outcomes[offset] = result.error or "ok"
        finish(session)
    messages = set(outcomes.values())
    # Early offsets sleep inside the snippet, later ones on the way back, the last ones not at all.
    assert any("time limit" in message for message in messages)
    assert any("kept running outside the snippet" in message for message in messages)
    assert "ok" in messages


def test_a_forged_result_cannot_keep_the_guest_running(runtime):
    # A host function hands the guest its token, as reading its own memory with machine.mem8 can.
    def token(context):
        return Session.current()._token

    session = runtime.new_session(FAST, {"token": token})
    code = (
        "import host, json\nhost.call('__result__', json.dumps({'token': token(), 'ok': True}))\nwhile True:\n    pass"
    )
    result = session.run(code)
    assert result.trapped
    assert "kept running outside the snippet" in result.error
    assert not session.alive
    finish(session)


def test_asking_for_the_next_snippet_from_outside_q_halts_the_guest(runtime):
    messages = []
    for offset in range(1, 41):
        session = runtime.new_session(FAST)
        action = "__import__('host').call('__next__', '')"
        result = session.run(SCHEDULED.format(offset=offset, action=action))
        if result.ok:
            result = session.run("print(after)")
        messages.append(result.error or "ok")
        finish(session)
    assert any("outside the interpreter's resting point" in message for message in messages), messages


def test_an_exit_handler_that_sleeps_cannot_stall_close(runtime):
    session = runtime.new_session(FAST)
    assert session.run("import sys, time\nsys.atexit(lambda: time.sleep(10 ** 9))").ok
    assert session.snapshot()
    finish(session)


def test_close_while_a_snippet_runs_still_ends_the_thread(runtime):
    session = runtime.new_session(Limits(timeout_seconds=1.0))
    runner = threading.Thread(target=session.run, args=("while True:\n    pass",))
    runner.start()
    session.close(wait_seconds=0)
    runner.join(10)
    assert not runner.is_alive()
    finish(session)


def test_a_long_reply_the_guest_never_pulls_is_dropped_when_its_call_ends(runtime):
    blob = "y" * 100_000
    session = runtime.new_session(Limits(fuel=10**10), {"blob": lambda context: blob})
    result = session.run(
        "import host\nfirst = host.call('fn:blob', '[[], {}]')\nprint(repr(first[:1]), len(first) < 10)"
    )
    assert result.ok, result.error
    assert result.stdout == "'\\x00' True\n"
    assert session._pending == []
    # The next call works, and a reply that is pulled arrives whole.
    assert session.run("print(len(blob()))").stdout == f"{len(blob)}\n"
    finish(session)


def test_deeply_nested_json_to_a_host_function_is_refused_without_logging(runtime, caplog):
    session = runtime.new_session(Limits(fuel=10**10), {"echo": lambda context, value: value})
    code = "import host\nfor _ in range(5):\n    print(host.call('fn:echo', '[' * 100000)[:80])"
    with caplog.at_level(logging.WARNING, logger="datasette_agent_micropython"):
        result = session.run(code)
        deep = session.run("v = 0\nfor _ in range(2000):\n    v = [v]\nprint(echo(v) == v)")
    assert result.ok, result.error
    assert result.stdout.count("must be a JSON [args, kwargs] pair") == 5
    assert deep.ok or "RuntimeError" in (deep.error or "") or deep.error_type == "memory", deep
    assert [record for record in caplog.records if record.levelno >= logging.ERROR] == []
    finish(session)


def test_host_call_failures_are_logged_once_per_cause_and_bounded(caplog, monkeypatch):
    monkeypatch.setattr(guest_protocol, "_logged_causes", set())
    with caplog.at_level(logging.ERROR, logger="datasette_agent_micropython"):
        for _ in range(1000):
            log_once("same cause", "failed")
        for index in range(1000):
            log_once(f"cause {index}", "failed")
    assert len(caplog.records) == guest_protocol.MAX_LOGGED_CAUSES
    assert sum("failed" in record.getMessage() for record in caplog.records) == guest_protocol.MAX_LOGGED_CAUSES


def test_a_dead_session_fails_fast_everywhere(runtime):
    session = runtime.new_session(FAST)
    assert session.run("while True:\n    pass").trapped
    with pytest.raises(SessionError):
        session.run("print(1)")
    with pytest.raises(SessionError):
        session.snapshot()
    finish(session)
    session.close()


def test_a_call_that_does_not_come_back_in_time_is_a_trap_told_on_the_next_call(runtime, monkeypatch):
    # A host function that ignores the call's deadline stands in for a guest that never returns.
    import asyncio
    import time

    from datasette_agent_micropython.sessions import SessionManager
    from datasette_agent_micropython.settings import Settings
    from datasette_agent_micropython.tool import state_note

    monkeypatch.setattr(runtime_module, "RUN_GRACE_SECONDS", 0.5)
    settings = Settings(limits=Limits(timeout_seconds=0.1))
    manager = SessionManager(settings, {"stall": lambda context: time.sleep(4)}, runtime=lambda: runtime)

    async def scenario():
        first = await manager.run("c", "stall()")
        second = await manager.run("c", "print('next')")
        return first, second

    first, second = asyncio.run(scenario())
    assert first.result.trapped
    assert "did not come back within" in first.result.error
    assert second.state == "new"
    assert second.result.stdout == "next\n"
    assert "did not come back within" in state_note(second)


def test_a_snapshot_that_cannot_reach_q_in_time_gives_the_session_up(runtime, monkeypatch):
    monkeypatch.setattr(runtime_module, "RUN_GRACE_SECONDS", 0.5)
    monkeypatch.setattr(runtime_module, "CAPTURE_BYTES_PER_SECOND", 10**12)
    # The snippet may run 3 s; the snapshot waits about 1.5 s for Q. The guest, given up on, still
    # ends at its own deadline: its budget is finite in every phase.
    session = runtime.new_session(Limits(fuel=10**15, timeout_seconds=3))
    outcome = {}
    runner = threading.Thread(target=lambda: outcome.setdefault("result", session.run("while True:\n    pass")))
    runner.start()
    for _ in range(500):
        if session._phase == "running":
            break
        threading.Event().wait(0.01)
    with pytest.raises(SessionError, match="did not come back to its resting point"):
        session.snapshot()
    runner.join(30)
    assert outcome["result"].trapped
    assert not session.alive
    finish(session)
