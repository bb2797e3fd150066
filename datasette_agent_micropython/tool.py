"""The `execute_micropython` agent tool: its schema, its checks, and the result the model sees."""

from __future__ import annotations

import asyncio
from typing import Any

from datasette_agent.tools import AgentTool

from .render import render_result_html
from .sessions import CallOutcome, SessionManager
from .settings import TOOL_NAME, Settings
from .sql import CallContext

ACTION = "execute-micropython"


def describe(settings: Settings) -> str:
    limits = settings.limits
    return (
        "Run Python code in a sandboxed MicroPython 1.27 interpreter (WebAssembly). "
        "The interpreter belongs to this conversation and persists between calls: variables, "
        "functions, classes, imports and objects from earlier calls are still there (the result's "
        "`state` says `live` or `restored`; `new` means a fresh interpreter and says why). "
        "Set reset_context=true to start over. "
        "Your code is run with CPython's semantics where MicroPython differs: f-strings, format(), "
        "str.format, % and round() format and round floats exactly as CPython does (',' and '_' "
        "grouping included); dicts keep insertion order; sorted() and list.sort() are stable; "
        "str slices take any step; the str methods CPython has work, on Unicode text too; "
        "[*a, *b] and {**a, 'k': v} work. Still different: comparison operators (<, >) do not "
        "fall back to the reflected method; sets print in MicroPython's order. "
        "Available: json, re, math, cmath, random, struct, array, collections, heapq, binascii, "
        "hashlib, time, io, os (no files), gc, sys. Not available: numpy, pandas, datetime, "
        "itertools, functools, statistics, csv, files, network, subprocesses, pip. "
        "Query Datasette with read_only_sql_query(name_of_database, sql, params=None), which "
        "returns {'columns': [...], 'rows': [dicts], 'truncated': bool} or {'error': ...}; only "
        "SELECT is allowed. "
        f"Limits per call: {limits.timeout_seconds:g} seconds, {limits.fuel:,} fuel units "
        f"(a few milliseconds of computation; keep loops small), {limits.max_output_chars:,} "
        f"characters of output; memory {limits.memory_bytes // (1024 * 1024)} MiB for the "
        "interpreter; recursion depth about 60. Exceeding the time, fuel or memory-fault limits "
        "discards the interpreter and its state (interpreter_reset=true). Print what you need to "
        "see. Set show_result=true to show the code and its output to the user, for example when "
        "they asked to see a calculation or a table; its output is then displayed and you need "
        "not repeat it."
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
    body["state"] = outcome.state
    body["calls"] = outcome.calls
    if outcome.state_note:
        body["state_note"] = outcome.state_note
    body["fuel_used"] = result.fuel_used
    body["fuel_remaining"] = None if result.fuel_used is None else max(0, settings.limits.fuel - result.fuel_used)
    return body


def refusal(message: str, error_type: str) -> dict[str, Any]:
    return {"ok": False, "error": message, "error_type": error_type}


def make_tool(manager: SessionManager) -> AgentTool:
    settings = manager.settings

    async def execute_micropython(
        datasette: Any,
        actor: dict | None,
        context: Any = None,
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
        conversation_id = getattr(context, "conversation_id", None)
        if not conversation_id:
            return refusal("this tool needs a conversation: no conversation id was given", "invalid_arguments")
        outcome = await manager.run(
            conversation_id,
            python,
            reset=reset_context,
            actor_id=str(actor["id"]) if isinstance(actor, dict) and actor.get("id") is not None else None,
            context=CallContext(datasette=datasette, actor=actor, loop=asyncio.get_running_loop()),
        )
        body = result_json(outcome, settings)
        if show_result:
            result = outcome.result
            body["output_displayed_to_user"] = True
            body["display_note"] = "The code and its output are shown to the user; do not repeat them verbatim."
            body["_html"] = render_result_html(
                python,
                result.stdout,
                result.stderr,
                result.error,
                result.stdout_truncated,
            )
        return body

    return AgentTool(
        name=TOOL_NAME,
        description=describe(settings),
        input_schema=INPUT_SCHEMA,
        fn=execute_micropython,
        required_permission=ACTION,
    )
