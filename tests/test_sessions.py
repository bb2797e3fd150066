"""The session manager's bookkeeping, on the manager a real Datasette builds (real interpreters,
the real SnapshotStore on a real SQLite file): a call owns its conversation's lock until its
interpreter is back, whatever ends it; the image writer writes what changed, once for calls that
follow each other closely; and an image is written only when the interpreter ran something since
its last one.
"""

import asyncio

import pytest
from agent_harness import make_datasette

from datasette_agent_micropython.wiring import session_manager

pytestmark = pytest.mark.asyncio

COUNT = "try:\n    n += 1\nexcept NameError:\n    n = 1"
WRITES_TABLE = "image_writes"


async def counting_datasette(tmp_path, **plugin_config):
    """A Datasette whose sessions table records every image write in `image_writes`."""
    ds = await make_datasette(tmp_path, plugin_config=plugin_config)
    await ds.get_internal_database().execute_write_script(
        f"""
        CREATE TABLE {WRITES_TABLE} (conversation_id TEXT, calls INTEGER);
        CREATE TRIGGER count_image_inserts AFTER INSERT ON micropython_sessions
            BEGIN INSERT INTO {WRITES_TABLE} VALUES (new.conversation_id, new.calls); END;
        CREATE TRIGGER count_image_updates AFTER UPDATE ON micropython_sessions
            BEGIN INSERT INTO {WRITES_TABLE} VALUES (new.conversation_id, new.calls); END;
        """
    )
    return ds


async def image_writes(ds) -> list[tuple[str, int]]:
    await session_manager(ds).wait_for_writes()
    rows = (
        await ds.get_internal_database().execute(f"SELECT conversation_id, calls FROM {WRITES_TABLE} ORDER BY rowid")
    ).rows
    return [tuple(row) for row in rows]


async def counter(manager, conversation_id) -> int:
    outcome = await asyncio.wait_for(manager.run(conversation_id, "print(n)"), 60)
    assert outcome.result.ok, outcome.result
    return int(outcome.result.stdout)


async def hide_sessions_table(ds, hidden: bool) -> None:
    """Make every read and write of the sessions table fail (or work again), as a broken disk would."""
    names = ("micropython_sessions", "micropython_sessions_hidden")
    old, new = names if hidden else reversed(names)
    await ds.get_internal_database().execute_write(f"ALTER TABLE {old} RENAME TO {new}")


async def test_a_cancelled_caller_never_leaks_the_lock_and_its_call_still_runs_once(tmp_path):
    """Cancelled at every point from before the lock to after the image write: the next call in
    the conversation completes, and sees every cancelled call's effect exactly once (the guest
    cannot be stopped midway, so the call completes and its interpreter is kept)."""
    ds = await make_datasette(tmp_path, plugin_config={"max_sessions": 1})
    manager = session_manager(ds)
    await manager.run("c", "n = 0")
    ran = 0
    delays = [("yields", k) for k in range(0, 40, 3)] + [("seconds", s / 1000) for s in (1, 3, 10, 30, 100)]
    for kind, amount in delays:
        call = asyncio.ensure_future(manager.run("c", COUNT))
        if kind == "yields":
            for _ in range(amount):
                await asyncio.sleep(0)
        else:
            await asyncio.sleep(amount)
        call.cancel()
        # A caller cancelled before its task first ran never asked for the call.
        ran += 0 if (kind, amount) == ("yields", 0) else 1
        # Another conversation's call evicts this one now and then: eviction takes the lock too.
        await manager.run(f"other-{kind}-{amount}", "x = 1")
        assert await counter(manager, "c") == ran, (kind, amount)


async def test_a_call_cancelled_from_inside_releases_the_lock(tmp_path):
    """The unit of work itself cancelled (as when the event loop shuts down) at successive points:
    the caller sees the cancellation, and the conversation's next call completes."""
    ds = await make_datasette(tmp_path)
    manager = session_manager(ds)
    await manager.run("c", "n = 0")
    for yields in range(0, 30, 2):
        call = asyncio.ensure_future(manager.run("c", COUNT))
        await asyncio.sleep(0)
        units = list(manager._background)
        for _ in range(yields):
            await asyncio.sleep(0)
        for unit in units:
            unit.cancel()
        try:
            await call
        except asyncio.CancelledError:
            pass
        outcome = await asyncio.wait_for(manager.run("c", "print('next')"), 60)
        assert outcome.result.stdout == "next\n", yields


async def test_a_failing_image_write_keeps_the_interpreter_and_eviction_writes_it_later(tmp_path):
    ds = await counting_datasette(tmp_path, max_sessions=1)
    manager = session_manager(ds)
    await manager.run("a", "n = 1")
    await manager.wait_for_writes()
    await hide_sessions_table(ds, True)
    outcome = await manager.run("a", "n = 2")
    assert outcome.result.ok and outcome.state == "live"
    assert await counter(manager, "a") == 2  # the lock was released; the interpreter kept its state
    await manager.wait_for_writes()
    await hide_sessions_table(ds, False)
    assert await image_writes(ds) == [("a", 1)]
    await manager.run("b", "x = 1")  # evicts a: its calls since the failed writes are written now
    writes = await image_writes(ds)
    assert writes[0] == ("a", 1) and sorted(writes[1:]) == [("a", 3), ("b", 1)]  # b's writer races a's eviction
    outcome = await manager.run("a", "print(n)")
    assert (outcome.state, outcome.result.stdout) == ("restored", "2\n")


async def test_a_failing_load_fails_the_call_and_releases_the_lock(tmp_path):
    ds = await make_datasette(tmp_path, plugin_config={"max_sessions": 1})
    manager = session_manager(ds)
    await manager.run("a", "n = 1")
    await manager.run("b", "x = 1")  # evicts a
    await manager.wait_for_writes()
    await hide_sessions_table(ds, True)
    with pytest.raises(Exception, match="no such table"):
        await manager.run("a", "print(n)")
    await hide_sessions_table(ds, False)
    outcome = await asyncio.wait_for(manager.run("a", "print(n)"), 60)
    assert (outcome.state, outcome.result.stdout) == ("restored", "1\n")


async def test_an_unchanged_interpreter_is_not_written_again(tmp_path):
    """Images are written after calls, and on eviction only when a call ran since: two
    conversations taking turns in one live slot write one image per call and no more."""
    ds = await counting_datasette(tmp_path, max_sessions=1)
    manager = session_manager(ds)
    for round_number in range(3):
        for conversation in ("a", "b"):
            outcome = await manager.run(conversation, COUNT)
            assert outcome.state == ("new" if round_number == 0 else "restored"), outcome
            await manager.wait_for_writes()  # and the eviction that follows
    assert await image_writes(ds) == [(conversation, calls) for calls in (1, 2, 3) for conversation in ("a", "b")]
    await manager.shutdown()
    assert len(await image_writes(ds)) == 6  # the one live interpreter was written after its call


async def test_calls_queued_behind_each_other_share_one_image(tmp_path):
    """The writer passes over a conversation whose next call is waiting: the five calls are
    written once, as of the last, and nothing is lost."""
    ds = await counting_datasette(tmp_path)
    manager = session_manager(ds)
    outcomes = await asyncio.gather(*(manager.run("c", COUNT) for _ in range(5)))
    assert [outcome.state for outcome in outcomes] == ["new"] + ["live"] * 4
    assert await image_writes(ds) == [("c", 5)]
    await manager.run("other", "x = 1")
    assert await counter(manager, "c") == 5


async def test_one_conversation_that_cannot_be_written_does_not_hold_back_the_others(tmp_path):
    """A write that fails for one row only: the writer goes on to the others, and the failing one
    is tried again after the next call."""
    ds = await counting_datasette(tmp_path)
    await ds.get_internal_database().execute_write(
        "CREATE TRIGGER refuse_bad BEFORE INSERT ON micropython_sessions WHEN new.conversation_id = 'bad' "
        "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
    )
    manager = session_manager(ds)
    await manager.run("bad", "x = 1")
    await manager.run("good", "y = 1")
    assert await image_writes(ds) == [("good", 1)]
    await ds.get_internal_database().execute_write("DROP TRIGGER refuse_bad")
    await manager.run("other", "z = 1")
    assert sorted(await image_writes(ds)) == [("bad", 1), ("good", 1), ("other", 1)]


async def test_under_sustained_load_busy_conversations_share_images_and_lose_nothing(tmp_path):
    """Eight conversations calling back to back: far fewer images than calls (the writer keeps to
    its share of the time), and each conversation's last image holds its last call."""
    ds = await counting_datasette(tmp_path, max_sessions=8)
    manager = session_manager(ds)
    conversations = [f"busy-{i}" for i in range(8)]
    calls = 15

    async def drive(conversation_id: str) -> None:
        for _ in range(calls):
            assert (await manager.run(conversation_id, COUNT)).result.ok

    await asyncio.gather(*(drive(c) for c in conversations))
    writes = await image_writes(ds)
    assert len(writes) < len(conversations) * calls / 2, writes
    last = {conversation_id: written for conversation_id, written in writes}
    assert last == {c: calls for c in conversations}
    await manager.shutdown()
    assert len(await image_writes(ds)) == len(writes)  # nothing was left unwritten


async def test_a_graceful_shutdown_writes_an_interpreter_whose_last_write_failed(tmp_path):
    ds = await counting_datasette(tmp_path)
    manager = session_manager(ds)
    await manager.run("a", "n = 1")
    await manager.wait_for_writes()
    await hide_sessions_table(ds, True)
    await manager.run("a", "n = 2")
    await manager.wait_for_writes()
    await hide_sessions_table(ds, False)
    await manager.shutdown()
    assert await image_writes(ds) == [("a", 1), ("a", 2)]
