"""Drive real Datasette Agent conversations offline, for integration tests.

Nothing here is mocked: a real ``Datasette`` with the real datasette-agent
routes runs a real ``llm`` chain against llm-echo's ``echo`` model. The echo
model makes tool calls when the user message is JSON like::

    {"prompt": "...", "tool_calls": [{"name": "execute_micropython",
                                      "arguments": {"python": "print(1)"}}]}

and, after the tools ran, replies with a JSON echo of the ``tool_results`` it
was given - exactly what the model saw (``_``-prefixed keys such as ``_html``
stripped, JSON dicts capped at 10,000 characters). The SSE ``tool_result``
event instead carries the raw output that the browser renders. Each tool
result below holds both.

Typical use::

    ds = await make_datasette(tmp_path, plugin_config={...})
    cid = await start_conversation(ds, ALICE)
    result = await run(ds, cid, "print(1)")   # the result JSON the model saw
    [result] = await call_tool(ds, ALICE, cid, "execute_micropython",
                               {"python": "print(1)"})
    result["model"]   # parsed output the model saw
    result["raw"]     # parsed output streamed to the browser (with _html)

``server_harness`` offers the same functions, with the same parameters and
results, against a ``datasette`` subprocess (synchronous there):
``start_conversation``, ``send``, ``call_tool``, ``run``; both parse events
with ``parse_sse`` and ``tool_results`` from here.

SSE events on ``POST /-/agent/{id}/stream`` (each ``{"event", "data"}``):

- ``text_chunk`` ``{"content"}``; ``reasoning_chunk`` ``{"content"}``
- ``tool_call`` ``{"id": "id:<tool_call_id>", "name", "arguments", "streamed"}``
  (fires before the tool runs, also for a tool the actor may not use)
- ``tool_result`` ``{"id", "name", "output"}``: ``output`` is the raw string
  the tool returned (dicts are ``json.dumps``-ed), ``_html`` included. No
  ``tool_result`` event fires for a tool that is unknown or filtered out by
  ``required_permission``; the model then sees
  ``Error: tool "<name>" does not exist``.
- ``question`` / ``browser_task`` (turn suspended), then ``done``
  ``{}`` or ``{"question_pending": true}``; on failure ``error`` ``{"message"}``.

Background agents and ``datasette agent chat`` are covered by
``run_background_agent`` and ``run_cli_chat``; their docstrings say what a
tool's ``ToolContext`` holds there.
"""

import asyncio
import contextlib
import io
import json
import sqlite3

from datasette.app import Datasette
from datasette.utils import deep_dict_update

PLUGIN = "datasette-agent-micropython"
TOOL = "execute_micropython"
ALICE = {"id": "alice"}
BOB = {"id": "bob"}  # not granted the agent by default


class AgentRequestError(Exception):
    """An agent endpoint answered with a non-200 status (e.g. 403)."""

    def __init__(self, status, body):
        super().__init__(f"HTTP {status}: {body[:500]}")
        self.status = status
        self.body = body


async def make_datasette(
    tmp_path,
    *,
    plugin_config=None,
    agent_actors=("alice",),
    permissions=None,
    config=None,
    databases=None,
    internal=None,
    settings=None,
    default_deny=False,
    secret="agent-harness-secret",
):
    """Return a started ``Datasette`` whose agent uses the ``echo`` model.

    - ``plugin_config`` goes under ``plugins: datasette-agent-micropython``.
    - ``agent_actors``: actor ids granted ``datasette-agent``, the one action
      every ``/-/agent/...`` chat route checks (background agents also need
      ``datasette-agent-background``, the explorer ``datasette-agent-explore``).
      The actions are global and denied by default, so they are granted by a
      root ``permissions:`` block::

          permissions:
            datasette-agent:
              id: [alice]

    - ``permissions`` adds more root-level ``{action: allow-block}`` entries,
      ``config`` is deep-merged over everything (e.g. ``databases: ...:
      allow_sql``).
    - ``databases`` defaults to a fresh ``tmp_path/data.db`` with one table.
    - ``internal``: a file path keeps conversations across restarts (pair it
      with the fixed ``secret`` so actor cookies stay valid); ``None`` uses
      an in-memory internal database.
    """
    if databases is None:
        path = tmp_path / "data.db"
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT)")
        databases = [path]
    full_config = {
        "plugins": {
            "datasette-llm": {"default_model": "echo"},
            PLUGIN: plugin_config or {},
        },
        "permissions": {"datasette-agent": {"id": list(agent_actors)}},
    }
    if permissions:
        full_config["permissions"].update(permissions)
    if config:
        deep_dict_update(full_config, config)
    ds = Datasette(
        [str(p) for p in databases],
        config=full_config,
        internal=str(internal) if internal else None,
        settings=settings,
        default_deny=default_deny,
        secret=secret,
    )
    await ds.invoke_startup()
    return ds


async def _post(ds, actor, path, body):
    # datasette.client signs ``actor=`` into a ds_actor cookie. No CSRF token
    # is needed: datasette-agent's skip_csrf hook exempts every /-/agent/ path.
    response = await ds.client.post(path, actor=actor, json=body)
    if response.status_code != 200:
        raise AgentRequestError(response.status_code, response.text)
    return response


async def start_conversation(ds, actor=ALICE):
    """Create a conversation owned by ``actor``; return its 26-char ULID.

    A row lands in the internal DB's ``agent_conversations`` (id, actor_id,
    title, model_id, created_at, updated_at); only the same actor id may
    stream into it (others get 403).
    """
    response = await _post(ds, actor, "/-/agent/api/conversations", {})
    return response.json()["conversation_id"]


def parse_sse(text):
    """Parse a ``text/event-stream`` body into ``[{"event", "data"}]``."""
    events = []
    for block in text.split("\n\n"):
        event, data = "message", []
        for line in block.splitlines():
            if line.startswith("event:"):
                event = line[len("event:") :].strip()
            elif line.startswith("data:"):
                data.append(line[len("data:") :].strip())
        if data:
            events.append({"event": event, "data": json.loads("\n".join(data))})
    return events


async def send(ds, actor, conversation_id, message):
    """Send one user message and return the turn's SSE events.

    A dict ``message`` is JSON-encoded (the echo model's tool-call syntax).
    The whole stream is read before returning: the turn has finished, and
    everything is persisted, when this returns.
    """
    if not isinstance(message, str):
        message = json.dumps(message)
    response = await _post(ds, actor, f"/-/agent/{conversation_id}/stream", {"message": message})
    return parse_sse(response.text)


def _parse(value):
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


def final_text(events):
    """Text of the turn's last model response (after the last tool event).

    Text chunks of every response in the chain share one event type, so the
    last tool event marks where the final response starts.
    """
    last = max(
        (i for i, e in enumerate(events) if e["event"] in ("tool_call", "tool_result")),
        default=-1,
    )
    return "".join(e["data"]["content"] for e in events[last + 1 :] if e["event"] == "text_chunk")


def tool_results(events):
    """Return one dict per tool result the model received, in call order.

    Keys: ``name``, ``tool_call_id``, ``output`` (string the model saw),
    ``model`` (that string JSON-parsed if possible), ``raw`` (the parsed raw
    output from the ``tool_result`` SSE event, ``_html`` included; ``None``
    when no such event fired, e.g. unknown tool). Needs the echo model.
    """
    if any(e["event"] == "error" for e in events):
        raise AssertionError(f"agent turn failed: {events}")
    raw = {e["data"]["id"]: e["data"]["output"] for e in events if e["event"] == "tool_result"}
    echoed = json.loads(final_text(events)).get("tool_results", [])
    return [
        {
            "name": r["name"],
            "tool_call_id": r["tool_call_id"],
            "output": r["output"],
            "model": _parse(r["output"]),
            "raw": _parse(raw[f"id:{r['tool_call_id']}"]) if f"id:{r['tool_call_id']}" in raw else None,
        }
        for r in echoed
    ]


def failed_before_the_tool_ran(events):
    """Whether a turn ended in an ``error`` event before any ``tool_call``.

    Nothing changed then, so the turn may be sent again: under load, Datasette's
    SQL time limit can interrupt datasette-agent's own reads of the internal
    database before the model's tool call.
    """
    kinds = {e["event"] for e in events}
    return "error" in kinds and "tool_call" not in kinds


def tool_calls_message(calls, prompt="call tools"):
    """Echo-model message making ``calls`` = ``[(name, arguments), ...]``."""
    return {
        "prompt": prompt,
        "tool_calls": [{"name": n, "arguments": a} for n, a in calls],
    }


def micropython_message(python, **arguments):
    """Echo-model message making one execute_micropython call (``arguments``: its other arguments)."""
    return tool_calls_message([(TOOL, {"python": python, **arguments})])


async def call_tool(ds, actor, conversation_id, name, arguments=None, *more_calls):
    """Have the model call ``name(**arguments)``; return ``tool_results``.

    Extra ``(name, arguments)`` pairs in ``more_calls`` go into the same model
    response, so llm runs them concurrently (``asyncio.gather``)::

        await call_tool(ds, ALICE, cid, "t", {"a": 1}, ("t", {"a": 2}))
    """
    calls = [(name, arguments or {}), *more_calls]
    events = await send(ds, actor, conversation_id, tool_calls_message(calls))
    return tool_results(events)


async def run(ds, conversation_id, python, *, actor=ALICE, **arguments):
    """One execute_micropython call in its own turn; the result JSON the model saw.

    ``arguments`` are the tool's other arguments (``reset_context``,
    ``show_result``). For the raw output (``_html``) use ``call_tool``.
    """
    [result] = await call_tool(ds, actor, conversation_id, TOOL, {"python": python, **arguments})
    assert result["name"] == TOOL, result
    return result["model"]


async def stored_messages(ds, conversation_id):
    """Rows of the internal ``agent_messages`` table for a conversation.

    Columns: id, conversation_id, role (user/assistant/tool), message_json
    (an llm MessageDict; tool rows keep the raw output with ``_html`` in
    ``parts[0]["output"]``), response_id, created_at. Other tables:
    agent_responses, agent_background_agents, agent_pending_notifications,
    agent_questions, agent_browser_tasks, agent_explorer_reports.
    """
    db = ds.get_internal_database()
    rows = await db.execute(
        "SELECT * FROM agent_messages WHERE conversation_id = ? ORDER BY id",
        [conversation_id],
    )
    return [dict(r, message=json.loads(r["message_json"])) for r in rows.rows]


async def run_background_agent(ds, actor, calls, timeout=30):
    """Run a background agent that makes ``calls`` and return its status row.

    The goal is the echo message itself; a ``mark_finished`` call is added or
    the agent would loop for 50 iterations. In a background agent:

    - ``context.conversation_id`` is the agent's own new conversation
      (``row["conversation_id"]``), not the one that spawned it; the
      ``current_conversation_id`` contextvar holds the spawner's id (``None``
      when started like this or over HTTP).
    - ``required_permission`` is NOT checked: every registered tool is offered.
    - ``supports_questions`` and ``supports_browser_tasks`` are False, so
      ``ask_user()``/``browser_task()`` raise and the tool gets an error.
    - Nothing streams; tool outputs are only in ``stored_messages``.

    Over HTTP the same is ``POST /-/agent/api/background {"goal": ...}``
    (needs ``datasette-agent`` and ``datasette-agent-background``), then poll
    ``GET /-/agent/api/background/{agent_id}``.
    """
    from datasette_agent.api import (
        get_background_agent_status,
        start_background_agent,
    )

    calls = [*calls, ("mark_finished", {"final_message": "done"})]
    goal = json.dumps(tool_calls_message(calls))
    agent_id = await start_background_agent(ds, actor, goal)
    await asyncio.wait_for(ds._background_agent_tasks[agent_id], timeout)
    return await get_background_agent_status(ds, agent_id)


async def run_cli_chat(ds, actor, message):
    """Run one ``datasette agent chat`` turn in-process; return its stdout.

    Calls the same ``run_chat`` as ``datasette agent chat data.db -m echo
    --root -p '<json>'``, minus click. The shell command builds its own
    ``Datasette(files, metadata=...)``: no plugin config (defaults must work),
    in-memory internal DB, actor ``{"id": "root"}`` with ``--root`` (root
    enabled) else ``{"id": "cli"}``; only entry-point-installed plugins are
    visible there. Output per tool: ``--- Tool: <name> ---``, the arguments,
    ``--- Result ---``, the first 500 chars of the raw output, ``---``.

    ToolContext in CLI chat: ``conversation_id`` is a fresh
    ``agent_conversations`` row per run (the ``current_conversation_id``
    contextvar is ``None``); ``required_permission`` is checked;
    ``ask_user()`` prompts on the terminal (``--yes`` auto-approves yes/no);
    ``browser_task()`` raises BrowserTasksNotSupported.
    """
    from datasette_agent.cli_chat import run_chat

    if not isinstance(message, str):
        message = json.dumps(message)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        await run_chat(ds, initial_prompt=message, actor=actor)
    return out.getvalue()
