"""`read_only_sql_query()` inside the sandbox: Datasette queries with the actor's permissions."""

from __future__ import annotations

import asyncio
import concurrent.futures
import math
from dataclasses import dataclass, field
from typing import Any

from datasette.resources import DatabaseResource
from datasette.utils import InvalidSql, validate_sql_select

from .displays import Displays
from .runtime import Session
from .settings import Limits

# Outside a session: the reply cap of a session with the default limits (a quarter of its heap).
MAX_REPLY_BYTES = Limits().heap // 4


@dataclass(frozen=True)
class CallContext:
    """What a host function needs to act for the caller: passed to `Session.run` for each call."""

    datasette: Any
    actor: dict | None
    loop: asyncio.AbstractEventLoop
    # What show_table() and show_chart() drew during this call.
    displays: Displays = field(default_factory=Displays)


def read_only_sql_query(context: CallContext, name_of_database: Any, sql: Any, params: Any = None) -> dict:
    """Runs on the session's thread; the query itself runs on Datasette's event loop."""
    session = Session.current()
    seconds_left = session.seconds_left() if session else 5.0
    max_bytes = session.max_reply_bytes if session else MAX_REPLY_BYTES
    future = asyncio.run_coroutine_threadsafe(
        query(context.datasette, context.actor, name_of_database, sql, params, seconds_left, max_bytes), context.loop
    )
    try:
        return future.result(timeout=seconds_left + 1)
    except concurrent.futures.TimeoutError:
        future.cancel()
        return {"error": "the query ran past the call's time limit"}


async def query(
    datasette: Any,
    actor: dict | None,
    database: Any,
    sql: Any,
    params: Any,
    seconds_left: float,
    max_bytes: int = MAX_REPLY_BYTES,
) -> dict:
    if not isinstance(database, str):
        return {"error": "name_of_database must be a string"}
    if not isinstance(sql, str):
        return {"error": "sql must be a string"}
    if params is not None and not isinstance(params, (list, dict)):
        return {"error": "params must be a list, a dict or None"}
    if database not in datasette.databases:
        return {
            "error": f"Database {database!r} not found",
            "available_databases": await visible_databases(datasette, actor),
        }
    if not await datasette.allowed(action="execute-sql", resource=DatabaseResource(database=database), actor=actor):
        return {"error": f"Permission denied: you may not run SQL against {database!r}"}
    try:
        validate_sql_select(sql)
    except InvalidSql as error:
        return {"error": f"Only read-only SELECT queries are allowed: {error}"}
    # Leave the snippet a moment to receive the error before its own deadline.
    time_limit_ms = max(1, min(datasette.sql_time_limit_ms, int((seconds_left - 0.1) * 1000)))
    # The error is the query's answer, returned to the code that asked: Datasette is not to print
    # it ("ERROR: conn=...") on the server's or the CLI user's stderr.
    try:
        results = await datasette.get_database(database).execute(
            sql, params, truncate=True, custom_time_limit=time_limit_ms, log_sql_errors=False
        )
    except Exception as error:
        return {"error": f"{type(error).__name__}: {error}"}
    # The reply is refused past max_bytes anyway: stop before building it (a zeroblob(10**8) would
    # otherwise become a 200 MB hex string on the host).
    size = 0
    for row in results.rows:
        size += sum(_json_size_at_least(value) for value in row)
        if size > max_bytes:
            return {
                "error": f"the query's result is more than {max_bytes:,} bytes, more than this sandbox accepts: "
                "select fewer rows or columns, or use substr() and length() on large values"
            }
    return {
        "columns": list(results.columns),
        "rows": [{column: json_value(value) for column, value in zip(results.columns, row)} for row in results.rows],
        "truncated": bool(results.truncated),
    }


def _json_size_at_least(value: Any) -> int:
    """A lower bound on the JSON size of one SQLite value, as json_value sends it."""
    if isinstance(value, bytes):
        return 2 * len(value) + 30
    if isinstance(value, str):
        return len(value) + 2
    return 1


async def visible_databases(datasette: Any, actor: dict | None) -> list[str]:
    names = []
    for name in datasette.databases:
        if await datasette.allowed(action="view-database", resource=DatabaseResource(database=name), actor=actor):
            names.append(name)
    return names


def json_value(value: Any) -> Any:
    """SQLite values as JSON the guest can read: bytes become {"type": "bytes", "hex": ...}."""
    if isinstance(value, bytes):
        return {"type": "bytes", "hex": value.hex()}
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value
