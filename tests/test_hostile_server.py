"""Hostile conversations against a real `datasette` process: they hurt only themselves, and a
graceful stop (SIGTERM) finishes whatever their guests are doing.

The reproducer of issue 10 (a `micropython.schedule` callback that sleeps forever once the
snippet has handed in its result) runs at every offset from 1 to 40 and at the offsets around the
end of a call (measured first: how many times a callback runs between the end of one snippet and
the start of the next, which moves whenever the bootstrap's own work changes), each in its own
conversation, eight at a time, with `max_sessions: 4` so that eviction runs through them; each conversation is
then called again. A bystander conversation keeps its state throughout and across the stop.
"""

import json
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from server_harness import DatasetteServer, run, start_conversation

SCHEDULED = """
import micropython, time
armed = False
after = 0
def _cb(_):
    global after
    if armed:
        after += 1
        if after >= {offset}:
            time.sleep(10 ** 9)
            return
    micropython.schedule(_cb, 0)
micropython.schedule(_cb, 0)
armed = True
"""
# Counts the callbacks that run after the snippet without ever sleeping: the next call reads it.
COUNTING = SCHEDULED.format(offset=10**12)
ERROR_TYPES = {"timeout", "fuel", "memory", "exception", "trap"}
SETTINGS = {"max_sessions": 4, "wall_clock_timeout_seconds": 0.5}


def test_scheduled_callbacks_at_every_offset_then_a_graceful_stop_finishes(tmp_path):
    with DatasetteServer(tmp_path, plugin_config=SETTINGS) as server:
        bystander = start_conversation(server)
        assert run(server, bystander, "kept = 'bystander state'")["ok"]
        counter = start_conversation(server)
        assert run(server, counter, COUNTING)["ok"]
        window = int(run(server, counter, "armed = False\nprint(after)")["stdout"])
        offsets = sorted(set(range(1, 41)) | set(range(max(1, window - 5), window + 6)))
        conversations = {offset: start_conversation(server) for offset in offsets}

        def attack(offset):
            first = run(server, conversations[offset], SCHEDULED.format(offset=offset))
            second = run(server, conversations[offset], "print('after', after)")
            return first, second

        with ThreadPoolExecutor(8) as pool:
            outcomes = dict(zip(offsets, pool.map(attack, offsets)))
        for offset, (first, second) in outcomes.items():
            for result in (first, second):
                # A result or a reported error: never a hang, never a bare "Error: ".
                assert result["ok"] or (result["error"] and result.get("error_type") in ERROR_TYPES), (
                    offset,
                    json.dumps(result),
                )
            if first["interpreter_reset"]:
                assert second["state"] == "new"
                assert "discarded the interpreter" in second["state_note"], (offset, json.dumps(second))
        kinds = {first.get("error_type") for first, _ in outcomes.values()}
        assert "timeout" in kinds
        assert any(first["ok"] for first, _ in outcomes.values())

        result = run(server, bystander, "print(kept)")
        assert result["stdout"] == "bystander state\n"

        # Graceful stop: must finish (the harness kills and fails after 15 s).
        started = time.monotonic()
        server.stop(signal.SIGTERM)
        print(
            f"\ngraceful stop after {len(offsets)} hostile conversations (window {window}): {time.monotonic() - started:.2f} s"
        )
        assert "Application shutdown complete" in server.log_text()

        server.start()
        result = run(server, bystander, "print(kept)")
        assert result["stdout"] == "bystander state\n"
        assert result["state"] == "restored"


# Through the tool, offset 15 is one whose callback sleeps once the result is in: before the fix,
# the image write after this call never ended, and neither did the stop.
@pytest.mark.parametrize("offset", [15])
def test_a_graceful_stop_right_after_a_hostile_call_finishes(tmp_path, offset):
    with DatasetteServer(tmp_path, plugin_config=SETTINGS) as server:
        bystander = start_conversation(server)
        assert run(server, bystander, "kept = 1")["ok"]
        hostile = start_conversation(server)
        run(server, hostile, SCHEDULED.format(offset=offset))
        server.stop(signal.SIGTERM)
        server.start()
        assert run(server, bystander, "print(kept)")["stdout"] == "1\n"
