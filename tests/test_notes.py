"""What the model is told about its interpreter: `state`, `calls` and `state_note`, for every
reason the manager reports, end to end through the real tool in real Datasette Agent turns (the
echo model; two tool calls in one turn where the reason needs them).

`state` says which interpreter ran the call (new, live, restored), or "discarded" when a trap in
the call discarded it; `calls` counts the calls that interpreter has run, this one included, and is
null once it is discarded.
"""

import dataclasses
import typing

import pytest
from agent_harness import ALICE, call_tool, make_datasette, start_conversation

from datasette_agent_micropython import sessions
from datasette_agent_micropython.snapshot import Snapshot
from datasette_agent_micropython.tool import note
from datasette_agent_micropython.wiring import session_manager

pytestmark = pytest.mark.asyncio

TOOL = "execute_micropython"
LOOP = "while True:\n    pass"
SHORT = {"wall_clock_timeout_seconds": 0.5, "fuel": 10**12}
TIMEOUT_WORDS = "exceeded the 0.5 second time limit"


async def run(ds, conversation_id, python, **arguments):
    """One call in its own turn; what the model saw."""
    [result] = await call_tool(ds, ALICE, conversation_id, TOOL, {"python": python, **arguments})
    return result["model"]


async def run_in_one_turn(ds, conversation_id, *snippets):
    """Several calls in one model response; what the model saw of each, in call order."""
    calls = [(TOOL, {"python": snippet}) for snippet in snippets]
    results = await call_tool(ds, ALICE, conversation_id, *calls[0], *calls[1:])
    return [result["model"] for result in results]


async def image_of(ds, conversation_id):
    await session_manager(ds).wait_for_writes()
    rows = (
        await ds.get_internal_database().execute(
            "SELECT image FROM micropython_sessions WHERE conversation_id = ?", [conversation_id]
        )
    ).rows
    return rows[0][0] if rows else None


async def test_every_reason_has_words_for_the_model():
    for reason_type in typing.get_args(sessions.Reason):
        values = {field.name: 3 if field.type == "int" else "the detail" for field in dataclasses.fields(reason_type)}
        words = note(reason_type(**values))
        assert words.endswith(".") and len(words) < 300, reason_type
        for value in values.values():
            assert str(value) in words, reason_type


async def test_a_first_call_is_new_and_the_next_live_with_no_note(tmp_path):
    ds = await make_datasette(tmp_path)
    conversation = await start_conversation(ds, ALICE)
    first = await run(ds, conversation, "x = 1")
    assert (first["state"], first["calls"]) == ("new", 1) and "state_note" not in first
    second = await run(ds, conversation, "print(x)")
    assert (second["state"], second["calls"], second["stdout"]) == ("live", 2, "1\n") and "state_note" not in second


async def test_a_trapped_call_says_its_interpreter_was_discarded_and_counts_no_calls(tmp_path):
    ds = await make_datasette(tmp_path, plugin_config=SHORT)
    conversation = await start_conversation(ds, ALICE)
    await run(ds, conversation, "x = 1")
    trapped = await run(ds, conversation, LOOP)
    assert trapped["state"] == "discarded" and trapped["calls"] is None and trapped["interpreter_reset"] is True
    assert (
        trapped["state_note"]
        == f"The interpreter was discarded ({TIMEOUT_WORDS}); the next call starts with no variables."
    )


async def test_the_call_after_a_trap_in_the_same_turn_names_the_trap(tmp_path):
    """The trap's result is not in the conversation's history yet when the next call runs: that
    call used to blame "the retention limits or an admin"."""
    ds = await make_datasette(tmp_path, plugin_config=SHORT)
    conversation = await start_conversation(ds, ALICE)
    await run(ds, conversation, "x = 1")
    trapped, after = await run_in_one_turn(ds, conversation, LOOP, "print('x' in globals())")
    assert trapped["state"] == "discarded" and trapped["calls"] is None
    assert (after["state"], after["calls"], after["stdout"]) == ("new", 1, "False\n")
    assert after["state_note"] == (
        f"The previous call's trap ({TIMEOUT_WORDS}) discarded the interpreter: this call ran in a fresh one."
    )


async def test_a_trap_is_still_named_after_a_restart(tmp_path):
    internal = tmp_path / "internal.db"
    ds = await make_datasette(tmp_path, plugin_config=SHORT, internal=internal)
    conversation = await start_conversation(ds, ALICE)
    await run(ds, conversation, "x = 1")
    assert (await run(ds, conversation, LOOP))["state"] == "discarded"
    await ds.invoke_shutdown()

    restarted = await make_datasette(tmp_path, plugin_config=SHORT, internal=internal)
    after = await run(restarted, conversation, "print('x' in globals())")
    assert (after["state"], after["calls"], after["stdout"]) == ("new", 1, "False\n")
    assert f"The previous call's trap ({TIMEOUT_WORDS}) discarded the interpreter" in after["state_note"]


async def test_reset_context_is_the_reason_even_after_a_trap(tmp_path):
    ds = await make_datasette(tmp_path, plugin_config=SHORT)
    conversation = await start_conversation(ds, ALICE)
    await run(ds, conversation, "x = 1")
    reset = await run(ds, conversation, "print('x' in globals())", reset_context=True)
    assert (reset["state"], reset["calls"], reset["stdout"]) == ("new", 1, "False\n")
    assert reset["state_note"] == "reset_context was set: this call ran in a fresh interpreter."
    await run(ds, conversation, LOOP)
    reset = await run(ds, conversation, "y = 2", reset_context=True)
    assert reset["state_note"] == "reset_context was set: this call ran in a fresh interpreter."


async def test_an_interpreter_given_up_on_after_its_call_is_named_on_the_next_call(tmp_path):
    ds = await make_datasette(tmp_path)
    conversation = await start_conversation(ds, ALICE)
    await run(ds, conversation, "x = 1")
    await run(ds, conversation, "y = 2")
    manager = session_manager(ds)
    assert Snapshot.decode(await image_of(ds, conversation)).calls == 2
    # What the runtime does to an interpreter that does not come back to its resting point in
    # time for a snapshot (a real guest would have to hang exactly there).
    why = "the interpreter did not come back to its resting point within 1.5 seconds"
    manager._live[conversation]._abandon("timeout", why)
    after = await run(ds, conversation, "print('x' in globals())")
    assert (after["state"], after["calls"], after["stdout"]) == ("new", 1, "False\n")
    assert after["state_note"] == (
        f"After the previous call the interpreter was given up on ({why}), and its state with it: "
        "this call ran in a fresh one."
    )
    # Its image from before went with it: the stored one is the fresh interpreter's.
    assert Snapshot.decode(await image_of(ds, conversation)).calls == 1


async def test_an_image_an_admin_removed_is_named(tmp_path):
    ds = await make_datasette(tmp_path)
    conversation = await start_conversation(ds, ALICE)
    await run(ds, conversation, "x = 1")
    await session_manager(ds).discard(conversation)
    after = await run(ds, conversation, "print('x' in globals())")
    assert (after["state"], after["calls"], after["stdout"]) == ("new", 1, "False\n")
    assert after["state_note"] == (
        "This conversation's stored state is gone (removed by the retention limits or by an admin): "
        "this call ran in a fresh interpreter."
    )


async def test_an_image_retention_removed_while_resident_is_not_written_back_and_is_named(tmp_path):
    ds = await make_datasette(tmp_path, plugin_config={"max_sessions": 1, "max_session_age_days": 1})
    old, new = await start_conversation(ds, ALICE), await start_conversation(ds, ALICE)
    await run(ds, old, "x = 1")
    await session_manager(ds).wait_for_writes()
    db = ds.get_internal_database()
    await db.execute_write("UPDATE micropython_sessions SET last_used_at = '2000-01-01T00:00:00.000+00:00'")
    await run(ds, new, "y = 2")  # its write prunes the old row; the old interpreter is evicted unchanged
    assert await image_of(ds, old) is None
    after = await run(ds, old, "print('x' in globals())")
    assert (after["state"], after["stdout"]) == ("new", "False\n")
    assert "removed by the retention limits or by an admin" in after["state_note"]


async def test_an_image_of_another_configuration_is_named(tmp_path):
    internal = tmp_path / "internal.db"
    ds = await make_datasette(tmp_path, internal=internal)
    conversation = await start_conversation(ds, ALICE)
    await run(ds, conversation, "x = 1")
    await ds.invoke_shutdown()

    restarted = await make_datasette(tmp_path, internal=internal, plugin_config={"memory_bytes": 32 * 1024 * 1024})
    after = await run(restarted, conversation, "print('x' in globals())")
    assert (after["state"], after["calls"], after["stdout"]) == ("new", 1, "False\n")
    assert after["state_note"] == (
        "The stored state could not be restored (it was made by a different build or configuration of the "
        "sandbox); this call ran in a fresh interpreter."
    )


async def test_an_unreadable_image_is_named_with_its_problem(tmp_path):
    ds = await make_datasette(tmp_path, plugin_config={"max_sessions": 1})
    victim, bystander = await start_conversation(ds, ALICE), await start_conversation(ds, ALICE)
    await run(ds, victim, "x = 1")
    await run(ds, bystander, "x = 2")
    image = await image_of(ds, victim)
    await ds.get_internal_database().execute_write(
        "UPDATE micropython_sessions SET image = ? WHERE conversation_id = ?", [image[: len(image) // 2], victim]
    )
    after = await run(ds, victim, "print('x' in globals())")
    assert (after["state"], after["calls"], after["stdout"]) == ("new", 1, "False\n")
    assert after["state_note"].startswith("The stored state could not be restored (")
    assert after["state_note"].endswith("); this call ran in a fresh interpreter.")
    assert "truncated" in after["state_note"]


async def test_a_restore_that_misses_calls_the_model_saw_names_how_many(tmp_path):
    ds = await make_datasette(tmp_path, plugin_config={"max_sessions": 1})
    conversation, other = await start_conversation(ds, ALICE), await start_conversation(ds, ALICE)
    await run(ds, conversation, "a = 1")
    older_image = await image_of(ds, conversation)
    await run(ds, conversation, "a = 2")
    await run(ds, conversation, "a = 3")
    await run(ds, other, "b = 1")  # evicts the conversation
    await session_manager(ds).wait_for_writes()
    await ds.get_internal_database().execute_write(
        "UPDATE micropython_sessions SET image = ? WHERE conversation_id = ?", [older_image, conversation]
    )
    after = await run(ds, conversation, "print(a)")
    assert (after["state"], after["calls"], after["stdout"]) == ("restored", 2, "1\n")
    assert after["state_note"] == (
        "The interpreter was restored as of call 1; the last 2 call(s) ran but their effects were lost when the "
        "server stopped abruptly. Re-run them if you need what they defined."
    )


async def test_a_restored_interpreter_that_traps_names_both(tmp_path):
    ds = await make_datasette(tmp_path, plugin_config={**SHORT, "max_sessions": 1})
    conversation, other = await start_conversation(ds, ALICE), await start_conversation(ds, ALICE)
    await run(ds, conversation, "a = 1")
    older_image = await image_of(ds, conversation)
    await run(ds, conversation, "a = 2")
    await run(ds, other, "b = 1")
    await session_manager(ds).wait_for_writes()
    await ds.get_internal_database().execute_write(
        "UPDATE micropython_sessions SET image = ? WHERE conversation_id = ?", [older_image, conversation]
    )
    trapped = await run(ds, conversation, LOOP)
    assert (trapped["state"], trapped["calls"]) == ("discarded", None)
    lost, discarded = trapped["state_note"].split(". Re-run them if you need what they defined. ")
    assert lost.startswith("The interpreter was restored as of call 1; the last 1 call(s) ran")
    assert discarded.startswith(f"The interpreter was discarded ({TIMEOUT_WORDS})")
