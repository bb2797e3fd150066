"""Conversations keep their Python state across eviction, through images in micropython_sessions."""

import json

import pytest
from agent_harness import ALICE, make_datasette, run, start_conversation

from datasette_agent_micropython.snapshot import Snapshot
from datasette_agent_micropython.store import MIGRATION_SET, apply_migrations
from datasette_agent_micropython.wiring import session_manager

pytestmark = pytest.mark.asyncio


async def settle(ds):
    """Wait for the background image writes of finished calls."""
    await session_manager(ds).wait_for_writes()


async def stored_rows(ds):
    await settle(ds)
    db = ds.get_internal_database()
    results = await db.execute("SELECT * FROM micropython_sessions ORDER BY created_at")
    return [dict(row) for row in results.rows]


async def test_three_conversations_alternating_through_one_live_slot_keep_their_state(tmp_path):
    ds = await make_datasette(tmp_path, plugin_config={"max_sessions": 1})
    conversations = [await start_conversation(ds, ALICE) for _ in range(3)]
    for index, conversation in enumerate(conversations):
        setup = f"n = {index}\ndef label():\n    return 'conversation %d' % n\nclass Box:\n    pass\nbox = Box()\nbox.items = [n]"
        assert (await run(ds, conversation, setup))["state"] == "new"
    for round_number in range(2):
        for index, conversation in enumerate(conversations):
            result = await run(ds, conversation, "box.items.append(n)\nprint(label(), box.items)")
            assert result["state"] == "restored"
            assert result["stdout"] == f"conversation {index} {[index] * (round_number + 2)}\n"
    assert len(session_manager(ds).live_conversations) == 1


async def test_each_stored_row_describes_its_session(tmp_path):
    ds = await make_datasette(tmp_path)
    conversation = await start_conversation(ds, ALICE)
    await run(ds, conversation, "import json\ndata = {'a': list(range(100))}\ndef helper():\n    pass")
    await run(ds, conversation, "total = sum(data['a'])")
    [row] = await stored_rows(ds)
    assert row["conversation_id"] == conversation
    assert row["actor_id"] == "alice"
    assert row["calls"] == 2
    assert set(json.loads(row["globals"])) == {"json", "data", "helper", "total"}
    assert 15 * 1024 * 1024 < row["raw_bytes"] <= 16 * 1024 * 1024
    assert row["stored_bytes"] == len(row["image"])
    # `import json` compiles the guest json (guest/lib/json.py and the ordered dict) into the heap.
    assert row["stored_bytes"] < 128 * 1024
    assert row["created_at"] <= row["updated_at"]
    assert row["last_used_at"] <= row["updated_at"]
    snapshot = Snapshot.decode(row["image"])
    assert snapshot.fingerprint == row["fingerprint"]


async def test_reset_context_deletes_the_stored_image(tmp_path):
    ds = await make_datasette(tmp_path, plugin_config={"max_sessions": 1})
    conversation, other = await start_conversation(ds, ALICE), await start_conversation(ds, ALICE)
    await run(ds, conversation, "x = 1")
    result = await run(ds, conversation, "print('x' in globals())", reset_context=True)
    assert result["stdout"] == "False\n"
    assert result["state"] == "new"
    assert "reset_context" in result["state_note"]
    await run(ds, other, "y = 2")  # evicts the conversation
    result = await run(ds, conversation, "print('x' in globals())")
    assert result == {**result, "state": "restored", "stdout": "False\n"}


async def test_a_trap_deletes_the_stored_image(tmp_path):
    ds = await make_datasette(tmp_path, plugin_config={"fuel": 2_000_000})
    conversation = await start_conversation(ds, ALICE)
    await run(ds, conversation, "x = 1")
    assert len(await stored_rows(ds)) == 1
    result = await run(ds, conversation, "while True:\n    pass")
    assert result["interpreter_reset"] is True
    assert await stored_rows(ds) == []
    result = await run(ds, conversation, "print('x' in globals())")
    assert result["state"] == "new"
    assert result["stdout"] == "False\n"


def flip_a_bit(image: bytes) -> bytes:
    middle = len(image) * 3 // 4
    return image[:middle] + bytes([image[middle] ^ 0x10]) + image[middle + 1 :]


def other_fingerprint(image: bytes) -> bytes:
    snapshot = Snapshot.decode(image)
    snapshot.fingerprint = "0" * 32
    return snapshot.encode()


@pytest.mark.parametrize(
    "damage, reason",
    [
        (lambda image: image[: len(image) // 2], "truncated"),
        (flip_a_bit, "damaged"),
        (lambda image: b"not an image at all", "no snapshot header"),
        (other_fingerprint, "different build or configuration"),
    ],
)
async def test_a_damaged_or_foreign_image_is_discarded_and_the_model_is_told(tmp_path, damage, reason):
    ds = await make_datasette(tmp_path, plugin_config={"max_sessions": 1})
    victim, bystander = await start_conversation(ds, ALICE), await start_conversation(ds, ALICE)
    await run(ds, victim, "x = 'victim'")
    await run(ds, bystander, "x = 'bystander'")
    await settle(ds)
    db = ds.get_internal_database()
    [[image]] = (await db.execute("SELECT image FROM micropython_sessions WHERE conversation_id = ?", [victim])).rows
    await db.execute_write(
        "UPDATE micropython_sessions SET image = ? WHERE conversation_id = ?", [damage(image), victim]
    )

    result = await run(ds, victim, "print('x' in globals())")
    assert result["state"] == "new"
    assert reason in result["state_note"]
    assert result["stdout"] == "False\n"
    # The victim's call evicts the bystander in the background (max_sessions 1): let it finish.
    await settle(ds)
    result = await run(ds, bystander, "print(x)")
    assert result["state"] == "restored"
    assert result["stdout"] == "bystander\n"


async def test_migrations_are_applied_once_and_recorded(tmp_path):
    ds = await make_datasette(tmp_path)
    db = ds.get_internal_database()
    assert await db.execute_write_fn(apply_migrations) == []
    rows = (await db.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATION_SET])).rows
    assert [row[0] for row in rows] == ["001_create_micropython_sessions.sql", "002_cover_retention_sums.sql"]


async def test_deleting_a_conversation_deletes_its_session(tmp_path):
    ds = await make_datasette(tmp_path)
    conversation, other = await start_conversation(ds, ALICE), await start_conversation(ds, ALICE)
    await run(ds, conversation, "x = 1")
    await run(ds, other, "x = 2")
    await settle(ds)
    db = ds.get_internal_database()
    await db.execute_write("DELETE FROM agent_conversations WHERE id = ?", [conversation])
    assert [row["conversation_id"] for row in await stored_rows(ds)] == [other]


async def test_sessions_unused_for_longer_than_the_retention_age_are_pruned(tmp_path):
    ds = await make_datasette(tmp_path, plugin_config={"max_session_age_days": 1})
    old, new = await start_conversation(ds, ALICE), await start_conversation(ds, ALICE)
    await run(ds, old, "x = 1")
    await settle(ds)
    db = ds.get_internal_database()
    await db.execute_write("UPDATE micropython_sessions SET last_used_at = '2000-01-01T00:00:00.000+00:00'")
    await run(ds, new, "x = 2")
    assert [row["conversation_id"] for row in await stored_rows(ds)] == [new]


async def test_the_table_stays_under_its_byte_budget_oldest_first(tmp_path):
    ds = await make_datasette(tmp_path, plugin_config={"max_total_session_bytes": 1024 * 1024, "fuel": 10**10})
    conversations = [await start_conversation(ds, ALICE) for _ in range(4)]
    for conversation in conversations:
        # Random data does not compress: each image is a few hundred KiB.
        await run(
            ds,
            conversation,
            "import random\nrandom.seed(1)\nblob = bytes(random.getrandbits(8) for _ in range(300000))",
        )
        await settle(ds)
    rows = await stored_rows(ds)
    assert sum(row["stored_bytes"] for row in rows) <= 1024 * 1024
    kept = [row["conversation_id"] for row in rows]
    assert kept == conversations[-len(kept) :]
    assert len(kept) < 4


async def test_a_restore_that_misses_calls_the_model_saw_says_they_were_lost(tmp_path):
    """What kill -9 leaves when it lands between a result and its image write, made on purpose."""
    ds = await make_datasette(tmp_path, plugin_config={"max_sessions": 1})
    conversation, other = await start_conversation(ds, ALICE), await start_conversation(ds, ALICE)
    await run(ds, conversation, "a = 1")
    await settle(ds)
    db = ds.get_internal_database()
    [[older_image]] = (await db.execute("SELECT image FROM micropython_sessions")).rows
    assert (await run(ds, conversation, "a = 2"))["calls"] == 2
    await run(ds, other, "b = 1")  # evicts the conversation
    await settle(ds)
    await db.execute_write(
        "UPDATE micropython_sessions SET image = ? WHERE conversation_id = ?", [older_image, conversation]
    )
    result = await run(ds, conversation, "print(a)")
    assert result["state"] == "restored"
    assert result["stdout"] == "1\n"
    assert "the last 1 call(s) ran but their effects were lost" in result["state_note"]
