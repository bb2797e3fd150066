"""The `execute_micropython` agent tool: its schema, its checks, and the result the model sees."""

from __future__ import annotations

import asyncio
from typing import Any

from datasette_agent.tools import AgentTool

from .displays import model_summary
from .render import render_result_html
from .sessions import (
    CallOutcome,
    CallsLost,
    DiscardedAfterTrap,
    FingerprintChanged,
    GivenUp,
    ImageUnreadable,
    Reason,
    RemovedByRetentionOrAdmin,
    ResetRequested,
    SessionManager,
    Trapped,
)
from .settings import ACTION, TOOL_NAME, Settings
from .sql import CallContext

# What the model may import, as it would in CPython: the guest library's modules first, then
# MicroPython's own.
IMPORTABLE = (
    "datetime, statistics, itertools, functools, operator, "
    "collections (Counter, defaultdict, namedtuple, deque, OrderedDict, ChainMap), csv, string, "
    "textwrap, dataclasses, enum, typing, decimal, fractions, bisect, copy, pprint, json, re, math, "
    "random, heapq, struct, array, binascii, hashlib, time, io, gc, sys"
)

# Where the sandbox still differs from CPython, each with a hint the model can act on. Drop an
# entry when its fix lands (issue 12); tests/test_description.py fails for an entry whose
# difference has gone.
REMAINING_DIFFERENCES = {
    "recursion": "recursion depth about 300",
    "kwargs_order": "**kwargs (and d.update(a=1, b=2)) do not keep keyword order",
    "bool_int": "isinstance(True, int) is False",
    "regex": "re has no MULTILINE, lookarounds or backreferences (they raise re.error)",
}


def describe(settings: Settings) -> str:
    """The tool description. The model reads it on every turn, so it stays short."""
    limits = settings.limits
    fuel = f"{limits.fuel:,} fuel units, " if limits.fuel is not None else ""
    differences = "; ".join(REMAINING_DIFFERENCES.values())
    return (
        "Run Python in a sandboxed MicroPython 1.27 interpreter that belongs to this conversation: "
        "variables, functions and imports persist between calls (result `state`: live, restored, new, or "
        "discarded by this call's trap; state_note says why). reset_context=true starts over. "
        "show_result=true shows the code and its output to the user (do not repeat it then). Print what you need to see. "
        "Query data with read_only_sql_query(name_of_database, sql, params=None) -> "
        "{'columns': [...], 'rows': [dicts], 'truncated': bool} or {'error': ...}; SELECT only. "
        "To show the user a table or chart: show_table(rows, columns=None, title=None), "
        "show_chart(rows, x, y, kind='bar'|'line'|'scatter', title=None, x_label=None, y_label=None). "
        f"Importable: {IMPORTABLE}. No numpy, pandas, files, network or pip. "
        + (f"Unlike CPython: {differences}. " if differences else "")
        + f"Limits per call: {limits.timeout_seconds:g} seconds, {fuel}"
        f"{limits.max_output_chars:,} characters of output; memory {limits.memory_bytes // (1024 * 1024)} MiB "
        f"(MemoryError keeps the interpreter). A timeout{' or running out of fuel' if fuel else ''} discards "
        "the interpreter and its state."
    )


INPUT_SCHEMA = {
    "type": "object",
    "properties": {
        "python": {"type": "string", "description": "The Python code to run."},
        "reset_context": {
            "type": "boolean",
            "description": "Discard this conversation's interpreter and run in a fresh one.",
            "default": False,
        },
        "show_result": {
            "type": "boolean",
            "description": "Show the code and its output to the user in the chat.",
            "default": False,
        },
    },
    "required": ["python"],
}


def argument_error(python: Any, reset_context: Any, show_result: Any, unknown: dict) -> str | None:
    if unknown:
        return f"unknown argument(s): {', '.join(sorted(unknown))}; the arguments are python, reset_context and show_result"
    if python is None:
        return "the python argument is required"
    if not isinstance(python, str):
        return f"python must be a string, got {type(python).__name__}"
    for name, value in (("reset_context", reset_context), ("show_result", show_result)):
        if not isinstance(value, bool):
            return f"{name} must be true or false, got {type(value).__name__}"
    return None


def note(reason: Reason) -> str:
    """What the model is told about one reason its interpreter is not the one it may expect."""
    match reason:
        case ResetRequested():
            return "reset_context was set: this call ran in a fresh interpreter."
        case DiscardedAfterTrap(trap=trap):
            return f"The previous call's trap ({trap}) discarded the interpreter: this call ran in a fresh one."
        case GivenUp(why=why):
            return (
                f"After the previous call the interpreter was given up on ({why}), and its state with it: "
                "this call ran in a fresh one."
            )
        case RemovedByRetentionOrAdmin():
            return (
                "This conversation's stored state is gone (removed by the retention limits or by an admin): "
                "this call ran in a fresh interpreter."
            )
        case FingerprintChanged():
            return (
                "The stored state could not be restored (it was made by a different build or configuration of "
                "the sandbox); this call ran in a fresh interpreter."
            )
        case ImageUnreadable(problem=problem):
            return f"The stored state could not be restored ({problem}); this call ran in a fresh interpreter."
        case CallsLost(restored_calls=restored, lost_calls=lost):
            return (
                f"The interpreter was restored as of call {restored}; the last {lost} call(s) ran but their "
                "effects were lost when the server stopped abruptly. Re-run them if you need what they defined."
            )
        case Trapped(error=error):
            return f"The interpreter was discarded ({error}); the next call starts with no variables."
    raise TypeError(f"not a reason: {reason!r}")


def state_note(outcome: CallOutcome) -> str | None:
    """The words for every reason of a call, in the order they happened; None when there are none."""
    return " ".join(note(reason) for reason in outcome.reasons) or None


def result_json(outcome: CallOutcome, settings: Settings) -> dict[str, Any]:
    result = outcome.result
    body: dict[str, Any] = {
        "ok": result.ok,
        "stdout": result.stdout,
        "stderr": result.stderr,
        "stdout_truncated": result.stdout_truncated,
        "stderr_truncated": result.stderr_truncated,
    }
    if not result.ok:
        body["error"] = result.error
        body["error_type"] = result.error_type
    body["interpreter_reset"] = result.trapped
    # state: which interpreter ran the call (new, live, restored), or "discarded" when a trap in
    # this call discarded it. calls: calls that interpreter has run, this one included; null once
    # discarded.
    body["state"] = outcome.state
    body["calls"] = outcome.calls
    words = state_note(outcome)
    if words:
        body["state_note"] = words
    body["fuel_used"] = result.fuel_used
    # Both are null when `fuel` is not set (no metering) and after a trap other than running out of fuel.
    fuel = settings.limits.fuel
    body["fuel_remaining"] = None if result.fuel_used is None or fuel is None else max(0, fuel - result.fuel_used)
    return body


def refusal(message: str, error_type: str) -> dict[str, Any]:
    return {"ok": False, "error": message, "error_type": error_type}


def make_tool(manager: SessionManager) -> AgentTool:
    settings = manager.settings

    async def execute_micropython(
        datasette: Any,
        actor: dict | None,
        context: Any = None,  # datasette-agent passes its ToolContext by this name
        python: Any = None,
        reset_context: Any = False,
        show_result: Any = False,
        **unknown: Any,
    ) -> dict[str, Any]:
        problem = argument_error(python, reset_context, show_result, unknown)
        if problem:
            return refusal(problem, "invalid_arguments")
        # Background agents skip required_permission, so the action is checked here too.
        if not await datasette.allowed(action=ACTION, actor=actor):
            return refusal(f"permission denied: this actor may not use {ACTION}", "permission_denied")
        tool_context = context
        conversation_id = getattr(tool_context, "conversation_id", None)
        if not conversation_id:
            return refusal("this tool needs a conversation: no conversation id was given", "invalid_arguments")
        host_context = CallContext(datasette=datasette, actor=actor, loop=asyncio.get_running_loop())
        outcome = await manager.run(
            conversation_id,
            python,
            reset=reset_context,
            actor_id=str(actor["id"]) if isinstance(actor, dict) and actor.get("id") is not None else None,
            host_context=host_context,
        )
        body = result_json(outcome, settings)
        html = ""
        if show_result:
            result = outcome.result
            body["output_displayed_to_user"] = True
            body["display_note"] = "The code and its output are shown to the user; do not repeat them verbatim."
            html = render_result_html(
                python,
                result.stdout,
                result.stderr,
                result.error,
                result.stdout_truncated,
            )
        # Tables and charts appear whether or not show_result is set: the code asked to show them.
        displays = host_context.displays
        if displays.summaries:
            body.update(model_summary(displays))
            html += displays.render()
        if html:
            body["_html"] = html
        return body

    return AgentTool(
        name=TOOL_NAME,
        description=describe(settings),
        input_schema=INPUT_SCHEMA,
        fn=execute_micropython,
        required_permission=ACTION,
    )
