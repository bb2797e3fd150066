"""Prove tests/agent_harness.py drives real agent conversations.

A throwaway tool plugin is registered inline for each test and removed
afterwards, so these tests do not depend on the plugin under development.
"""

import asyncio

import pytest
import pytest_asyncio
from agent_harness import (
    ALICE,
    BOB,
    AgentRequestError,
    call_tool,
    make_datasette,
    run_background_agent,
    run_cli_chat,
    send,
    start_conversation,
    stored_messages,
    tool_calls_message,
)
from datasette import hookimpl
from datasette.plugins import pm
from datasette_agent.tools import AgentTool

pytestmark = pytest.mark.asyncio

SCHEMA = {"type": "object", "properties": {"value": {}}}


class HarnessTools:
    """Tools that report what they were called with."""

    def __init__(self):
        self.started = 0
        self.both_started = asyncio.Event()

    @hookimpl
    def register_agent_tools(self, datasette):
        async def echo_args(datasette, actor, context, **arguments):
            return {
                "arguments": arguments,
                "conversation_id": context.conversation_id,
                "actor": actor,
                "_html": "<b>for the browser</b>",
            }

        async def rendezvous(datasette, actor, context, value=None):
            # Returns only once two calls are running at the same time.
            self.started += 1
            if self.started == 2:
                self.both_started.set()
            await asyncio.wait_for(self.both_started.wait(), 5)
            return {"value": value}

        async def guarded(datasette, actor):
            return {"ran": True}

        return [
            AgentTool("harness_echo", "Echo arguments", SCHEMA, echo_args),
            AgentTool("harness_rendezvous", "Wait for a sibling", SCHEMA, rendezvous),
            AgentTool(
                "harness_guarded",
                "Needs a permission",
                SCHEMA,
                guarded,
                required_permission="datasette-agent-background",
            ),
        ]


@pytest_asyncio.fixture
async def ds(tmp_path):
    pm.register(HarnessTools(), name="harness-tools")
    try:
        yield await make_datasette(tmp_path)
    finally:
        pm.unregister(name="harness-tools")


async def test_one_tool_call_round_trip(ds):
    conversation_id = await start_conversation(ds, ALICE)
    [result] = await call_tool(ds, ALICE, conversation_id, "harness_echo", {"value": 1})
    assert result["name"] == "harness_echo"
    assert result["model"] == {
        "arguments": {"value": 1},
        "conversation_id": conversation_id,
        "actor": ALICE,
    }
    # The browser got _html; the model did not.
    assert result["raw"] == dict(result["model"], _html="<b>for the browser</b>")
    # The raw output is persisted as a tool message.
    messages = await stored_messages(ds, conversation_id)
    [tool_row] = [m for m in messages if m["role"] == "tool"]
    assert "_html" in tool_row["message"]["parts"][0]["output"]


async def test_two_tool_calls_in_one_message_run_concurrently(ds):
    conversation_id = await start_conversation(ds, ALICE)
    results = await call_tool(
        ds,
        ALICE,
        conversation_id,
        "harness_rendezvous",
        {"value": "a"},
        ("harness_rendezvous", {"value": "b"}),
    )
    assert [r["model"] for r in results] == [{"value": "a"}, {"value": "b"}]


async def test_tool_sees_conversation_id_across_turns(ds):
    first = await start_conversation(ds, ALICE)
    second = await start_conversation(ds, ALICE)
    assert first != second
    for conversation_id in (first, second, first):
        [result] = await call_tool(ds, ALICE, conversation_id, "harness_echo")
        assert result["model"]["conversation_id"] == conversation_id


async def test_sse_events_shape(ds):
    conversation_id = await start_conversation(ds, ALICE)
    message = tool_calls_message([("harness_echo", {"value": 2})])
    events = await send(ds, ALICE, conversation_id, message)
    kinds = [e["event"] for e in events]
    assert kinds[-1] == "done" and "error" not in kinds
    call = next(e["data"] for e in events if e["event"] == "tool_call")
    result = next(e["data"] for e in events if e["event"] == "tool_result")
    assert call["name"] == result["name"] == "harness_echo"
    assert call["arguments"] == {"value": 2}
    assert call["id"] == result["id"] and call["id"].startswith("id:")


async def test_actor_without_agent_permission_is_refused(ds):
    with pytest.raises(AgentRequestError) as ex:
        await start_conversation(ds, BOB)
    assert ex.value.status == 403
    # Nor can another actor stream into alice's conversation.
    conversation_id = await start_conversation(ds, ALICE)
    with pytest.raises(AgentRequestError) as ex:
        await send(ds, BOB, conversation_id, "hello")
    assert ex.value.status == 403


async def test_required_permission_hides_tool(ds):
    conversation_id = await start_conversation(ds, ALICE)
    [result] = await call_tool(ds, ALICE, conversation_id, "harness_guarded")
    assert result["output"] == 'Error: tool "harness_guarded" does not exist'
    assert result["raw"] is None


async def test_background_agent_calls_tool_with_its_own_conversation(ds):
    calls = [("harness_guarded", {}), ("harness_echo", {"value": 3})]
    status = await run_background_agent(ds, ALICE, calls)
    assert status["status"] == "completed"
    outputs = [
        m["message"]["parts"][0] for m in await stored_messages(ds, status["conversation_id"]) if m["role"] == "tool"
    ]
    by_name = {p["name"]: p["output"] for p in outputs}
    # required_permission is not checked for background agents.
    assert by_name["harness_guarded"] == '{"ran": true}'
    assert status["conversation_id"] in by_name["harness_echo"]


async def test_cli_chat_calls_tool(ds):
    message = tool_calls_message([("harness_echo", {"value": 4})])
    out = await run_cli_chat(ds, {"id": "cli"}, message)
    assert "--- Tool: harness_echo ---" in out
    assert '"arguments": {"value": 4}' in out


async def test_conversation_survives_restart_with_internal_file(ds, tmp_path):
    internal = tmp_path / "internal.db"
    first = await make_datasette(tmp_path, internal=internal)
    conversation_id = await start_conversation(first, ALICE)
    await call_tool(first, ALICE, conversation_id, "harness_echo")
    first.close()
    second = await make_datasette(tmp_path, internal=internal)
    [result] = await call_tool(second, ALICE, conversation_id, "harness_echo")
    assert result["model"]["conversation_id"] == conversation_id
    # Two turns of: user, assistant tool call, tool result, assistant reply.
    assert len(await stored_messages(second, conversation_id)) == 8
