"""Idle time is free: a conversation left alone between calls keeps its interpreter.

These tests wait in real time, because the defect they guard against was a deadline that kept
counting while the guest waited at its quiescent point. CI idles for 12 s (`--idle-seconds`), longer
than the 10 s that used to kill a session; the documented long run is
`.venv/bin/pytest tests/test_idle.py --long` (65 s).
"""

import asyncio

import pytest
from agent_harness import ALICE, make_datasette, run, start_conversation
from long_runs import sizes

from datasette_agent_micropython.runtime import Runtime
from datasette_agent_micropython.settings import Limits

IDLE_SECONDS = sizes().idle_seconds
pytestmark = pytest.mark.long


@pytest.mark.asyncio
async def test_idle_time_never_counts_against_any_limit(tmp_path):
    # Through the tool (default settings, and a 30 s time limit), and on a bare runtime session:
    # all three idle at once, so CI pays for one wait.
    (tmp_path / "short").mkdir()
    (tmp_path / "long").mkdir()
    short = await make_datasette(tmp_path / "short")
    long = await make_datasette(tmp_path / "long", plugin_config={"wall_clock_timeout_seconds": 30})
    conversations = [(short, await start_conversation(short, ALICE)), (long, await start_conversation(long, ALICE))]
    for ds, conversation in conversations:
        assert (await run(ds, conversation, "x = 41"))["ok"]
    session = Runtime().new_session(Limits())
    try:
        assert session.run("y = 1").ok
        await asyncio.sleep(IDLE_SECONDS)
        for ds, conversation in conversations:
            result = await run(ds, conversation, "x += 1\nprint(x)")
            assert result["ok"], result
            assert result["stdout"] == "42\n"
            assert result["state"] == "live"
            assert result["interpreter_reset"] is False
        result = session.run("print(y)")
        assert result.ok, result.error
        assert result.stdout == "1\n"
        assert session.alive
    finally:
        session.close()
