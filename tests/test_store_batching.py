"""SnapshotStore.save under concurrency: saves that arrive together share one write transaction, and
each returns only once its row is committed; one row that cannot be written fails only its own save."""

import asyncio
import sqlite3

import pytest
from datasette.app import Datasette

from datasette_agent_micropython.snapshot import PAGE_SIZE, WASM_PAGE_SIZE, Snapshot
from datasette_agent_micropython.store import TABLE, SnapshotStore

pytestmark = pytest.mark.asyncio


def snapshot_of(calls: int) -> Snapshot:
    return Snapshot(
        fingerprint="test",
        memory_size=WASM_PAGE_SIZE,
        stack_pointer=0,
        result_ptr=0,
        result_cap=0,
        clock_ns=0,
        calls=calls,
        pages=[0],
        data=bytes([calls % 256]) * PAGE_SIZE,
        names=["x"],
    )


async def started_store(tmp_path) -> tuple[Datasette, SnapshotStore, list[int]]:
    """A prepared store on a file-backed internal database, and a list that counts its write
    transactions (one per call of the database's execute_write_fn)."""
    ds = Datasette(memory=False, internal=str(tmp_path / "internal.db"))
    await ds.invoke_startup()
    database = ds.get_internal_database()
    store = SnapshotStore(database, write_ahead_log=True)
    await store.prepare()
    transactions = []
    write = database.execute_write_fn

    async def counted_write(fn, *args, **kwargs):
        transactions.append(1)
        return await write(fn, *args, **kwargs)

    database.execute_write_fn = counted_write
    return ds, store, transactions


def committed_calls(tmp_path, conversation_id: str) -> int | None:
    """What another connection reads: only what was committed."""
    conn = sqlite3.connect(tmp_path / "internal.db")
    try:
        row = conn.execute(f"SELECT calls FROM {TABLE} WHERE conversation_id = ?", [conversation_id]).fetchone()
    finally:
        conn.close()
    return None if row is None else row[0]


async def test_concurrent_saves_share_transactions_and_each_returns_after_its_commit(tmp_path):
    _, store, transactions = await started_store(tmp_path)
    seen_on_return = {}

    async def save(index: int) -> None:
        snapshot = snapshot_of(index + 1)
        await store.save(f"c{index}", "alice", snapshot, snapshot.encode())
        seen_on_return[index] = committed_calls(tmp_path, f"c{index}")

    await asyncio.gather(*(save(index) for index in range(16)))
    assert seen_on_return == {index: index + 1 for index in range(16)}
    assert len(transactions) < 16
    for index in range(16):
        [[image]] = sqlite3.connect(tmp_path / "internal.db").execute(
            f"SELECT image FROM {TABLE} WHERE conversation_id = ?", [f"c{index}"]
        )
        assert Snapshot.decode(image).calls == index + 1


async def test_a_row_that_cannot_be_written_fails_only_its_own_save(tmp_path):
    ds, store, _ = await started_store(tmp_path)
    await ds.get_internal_database().execute_write(
        f"CREATE TRIGGER refuse_bad BEFORE INSERT ON {TABLE} WHEN new.conversation_id = 'bad' "
        "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
    )
    conversations = ["a", "b", "bad", "c", "d"]
    snapshots = {conversation: snapshot_of(index + 1) for index, conversation in enumerate(conversations)}
    outcomes = await asyncio.gather(
        *(store.save(c, None, snapshots[c], snapshots[c].encode()) for c in conversations), return_exceptions=True
    )
    failed = {c for c, outcome in zip(conversations, outcomes) if isinstance(outcome, Exception)}
    assert failed == {"bad"}
    assert "refused by the test" in str(outcomes[conversations.index("bad")])
    assert {c: committed_calls(tmp_path, c) for c in conversations} == {
        "a": 1,
        "b": 2,
        "bad": None,
        "c": 4,
        "d": 5,
    }


async def test_a_row_that_sqlite_cannot_even_bind_fails_only_its_own_save(tmp_path):
    """Not every failure is an sqlite3.Error: Python's int past 64 bits is refused while binding,
    with OverflowError. The rows that share its transaction are written all the same (the first
    two saves go alone, the rest together)."""
    ds, store, _ = await started_store(tmp_path)
    conversations = ["a", "b", "c", "huge", "d", "e"]
    snapshots = {c: snapshot_of(2**70 if c == "huge" else 1) for c in conversations}
    outcomes = await asyncio.gather(
        *(store.save(c, None, snapshots[c], snapshots[c].encode()) for c in conversations), return_exceptions=True
    )
    assert [type(outcome).__name__ for outcome in outcomes] == [
        "OverflowError" if c == "huge" else "NoneType" for c in conversations
    ]
    assert {c: committed_calls(tmp_path, c) for c in conversations} == {
        c: None if c == "huge" else 1 for c in conversations
    }


async def test_a_batch_with_a_row_that_cannot_be_written_is_not_written_again(tmp_path):
    """One transaction per batch, bad row or not: a batch written again row by row could commit an
    older image of a conversation after the newer one of a later batch."""
    ds, store, transactions = await started_store(tmp_path)
    await ds.get_internal_database().execute_write(
        f"CREATE TRIGGER refuse_bad BEFORE INSERT ON {TABLE} WHEN new.conversation_id = 'bad' "
        "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
    )
    transactions.clear()
    conversations = ["a", "b", "c", "bad", "d", "e"]
    snapshots = {conversation: snapshot_of(index + 1) for index, conversation in enumerate(conversations)}
    outcomes = await asyncio.gather(
        *(store.save(c, None, snapshots[c], snapshots[c].encode()) for c in conversations), return_exceptions=True
    )
    assert [isinstance(outcome, Exception) for outcome in outcomes] == [c == "bad" for c in conversations]
    # The first two saves go alone, the rest (bad among them) together: three batches.
    assert len(transactions) <= 3
    newer = snapshot_of(9)
    await store.save("a", None, newer, newer.encode())
    assert committed_calls(tmp_path, "a") == 9


async def test_a_save_after_a_batch_is_written_in_a_new_transaction(tmp_path):
    _, store, transactions = await started_store(tmp_path)
    first = snapshot_of(1)
    await store.save("c", None, first, first.encode())
    second = snapshot_of(2)
    await store.save("c", None, second, second.encode())
    assert len(transactions) == 2
    assert committed_calls(tmp_path, "c") == 2


async def test_a_batch_cancelled_before_its_commit_tells_every_save(tmp_path):
    """The event loop shutting down cancels the batch task: no save may wait on for ever."""
    ds, store, _ = await started_store(tmp_path)
    started = asyncio.Event()
    never = asyncio.Event()
    database = store.database

    async def stuck_write(fn, *args, **kwargs):
        started.set()
        await never.wait()

    database.execute_write_fn = stuck_write
    saves = [asyncio.create_task(store.save(f"c{i}", None, snapshot_of(i), b"image")) for i in range(3)]
    await started.wait()
    # Each cancelled batch hands the queued rows to a new one, which gets stuck in turn.
    for _ in range(100):
        for batch in list(store._batches):
            batch.cancel()
        await asyncio.sleep(0.01)
        if all(save.done() for save in saves):
            break
    results = await asyncio.wait_for(asyncio.gather(*saves, return_exceptions=True), timeout=5)
    assert all(isinstance(result, RuntimeError) and "cancelled" in str(result) for result in results), results
