"""`datasette micropython ...`: run code the way the agent does, and see or purge stored sessions.

Every command builds a real Datasette from the usual options and goes through the same tool,
session manager and snapshot store as a chat does, so what works here works in the agent.
"""

from __future__ import annotations

import ast
import asyncio
import codeop
import json
import math
import sys
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click
from datasette.app import Datasette
from datasette.cli import Setting
from datasette.utils import deep_dict_update, pairs_to_nested_config, parse_metadata

from .render import human_bytes
from .settings import ConfigError
from .tool import make_tool
from .wiring import session_manager

SHOWN_VALUE_CHARS = 40


def once(*declarations: str, then: Callable[[Any], Any] | None = None, hint: str = "", **attributes: Any) -> Callable:
    """A click option that may be given at most once.

    Click keeps the last of repeated values without a word, so `run -c datasette.yaml -c CODE`
    used to drop the first. Here a repeat is a usage error; `then` checks the one value.
    """
    is_flag = attributes.get("is_flag", False)

    def single(ctx: click.Context, param: click.Parameter, values: tuple) -> Any:
        if len(values) > 1:
            shown = "" if is_flag else " (" + ", ".join(shown_value(value) for value in values) + ")"
            raise click.BadParameter(f"given {len(values)} times{shown}; give it once{hint}", ctx=ctx, param=param)
        value = bool(values) if is_flag else (values[0] if values else None)
        return then(value) if then else value

    return click.option(*declarations, multiple=True, callback=single, **attributes)


def shown_value(value: Any) -> str:
    text = repr(getattr(value, "name", value))
    return text if len(text) <= SHOWN_VALUE_CHARS else text[: SHOWN_VALUE_CHARS - 3] + "..."


def datasette_options(function: Callable) -> Callable:
    """The options every command shares: which databases, which config, which internal DB."""
    options = [
        click.argument("files", nargs=-1),
        once(
            "--internal",
            type=click.Path(dir_okay=False),
            help="Datasette internal database, where sessions are stored by default",
        ),
        once("--config", "config_file", type=click.File("r"), help="datasette.yaml or datasette.json"),
        click.option(
            "-s",
            "--setting",
            "datasette_settings",
            type=Setting(),
            multiple=True,
            help="Setting, as in datasette serve (repeatable)",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def actor_options(function: Callable) -> Callable:
    function = once("--root", is_flag=True, help="Act as the root actor")(function)
    return once("--actor", help='Actor as JSON, e.g. \'{"id": "alice"}\'')(function)


def parse_actor(actor: str | None, root: bool) -> dict | None:
    if root:
        return {"id": "root"}
    if actor is None:
        return None
    try:
        value = json.loads(actor)
    except ValueError as error:
        raise click.BadParameter(f"not valid JSON ({error})", param_hint="--actor") from None
    if not isinstance(value, dict):
        raise click.BadParameter('must be a JSON object, e.g. \'{"id": "alice"}\'', param_hint="--actor")
    return value


def read_text(path: str) -> str:
    try:
        return Path(path).read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise click.ClickException(f"Cannot read {path}: {error}") from None


async def open_datasette(
    files: tuple[str, ...], internal: str | None, config_file: Any, datasette_settings: tuple
) -> Datasette:
    for name in files:
        if not Path(name).is_file():
            raise click.ClickException(f"Database file not found: {name}")
    try:
        config = parse_metadata(config_file.read()) if config_file else {}
    except Exception as error:
        raise click.ClickException(f"--config: {error}") from None
    if datasette_settings:
        deep_dict_update(config, pairs_to_nested_config(datasette_settings))
    if internal:
        parent = Path(internal).resolve().parent
        if not parent.is_dir():
            raise click.ClickException(f"--internal {internal}: {parent} is not a folder")
    datasette = Datasette(list(files), config=config, internal=internal)
    try:
        await datasette.invoke_startup()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    except Exception as error:
        where = f" (internal database {internal})" if internal else ""
        raise click.ClickException(f"Datasette could not start{where}: {error}") from None
    return datasette


def run_async(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


@click.group(name="micropython")
def micropython_cli() -> None:
    """Run code in datasette-agent-micropython sessions, and manage stored sessions."""


async def call_tool(
    datasette: Datasette, actor: dict | None, conversation_id: str, code: str, **arguments: Any
) -> dict:
    tool = make_tool(session_manager(datasette))
    context = SimpleNamespace(conversation_id=conversation_id)
    return await tool.fn(datasette=datasette, actor=actor, context=context, python=code, **arguments)


async def close(datasette: Datasette) -> None:
    """Graceful stop: the shutdown hook writes every live session's image."""
    await datasette.invoke_shutdown()


def print_result(result: dict) -> None:
    sys.stdout.write(result.get("stdout", ""))
    sys.stdout.flush()
    if result.get("stderr"):
        sys.stderr.write(result["stderr"])
    for flag, stream in (("stdout_truncated", "stdout"), ("stderr_truncated", "stderr")):
        if result.get(flag):
            click.echo(f"[{stream} truncated]", err=True)
    if not result["ok"]:
        click.echo(result["error"].rstrip("\n"), err=True)
    if result.get("state_note"):
        click.echo(f"[{result['state_note']}]", err=True)


@micropython_cli.command()
@datasette_options
@actor_options
@once("--conversation", required=True, help="Conversation id: the session to run in")
@once("-c", "--code", help="Code to run", hint=" (a config file is --config FILE)")
@once("--reset", is_flag=True, help="Start this conversation's interpreter afresh")
@once("-v", "--verbose", is_flag=True, help="Also say whether the session was new, live or restored")
@once("--json", "as_json", is_flag=True, help="Print the tool's whole result as JSON (fuel_used and all)")
def run(
    files, internal, config_file, datasette_settings, actor, root, conversation, code, reset, verbose, as_json
) -> None:
    """Run code in a conversation's session, as the agent's tool would.

    FILES are SQLite databases to query with read_only_sql_query(), plus the code: -c CODE, a
    SCRIPT.py, or - to read standard input. Exits with status 1 on an exception, a timeout or a
    limit.
    """
    scripts = [name for name in files if name == "-" or name.endswith(".py")]
    files = tuple(name for name in files if name not in scripts)
    if len(scripts) + (code is not None) != 1:
        raise click.UsageError("Give the code once: -c CODE, a SCRIPT.py, or - for standard input")
    if code is not None:
        source = code
    elif scripts[0] == "-":
        source = sys.stdin.read()
    else:
        source = read_text(scripts[0])
    actor_value = parse_actor(actor, root)

    async def main() -> dict:
        datasette = await open_datasette(files, internal, config_file, datasette_settings)
        try:
            return await call_tool(datasette, actor_value, conversation, source, reset_context=reset)
        finally:
            await close(datasette)

    result = run_async(main())
    if verbose:
        click.echo(f"[session {result.get('state', 'not run')}]", err=True)
    if as_json:
        click.echo(json.dumps(result, indent=2))
    else:
        print_result(result)
    if not result["ok"]:
        sys.exit(1)


@micropython_cli.command()
@datasette_options
@actor_options
@once("--conversation", required=True, help="Conversation id: the session to use")
def repl(files, internal, config_file, datasette_settings, actor, root, conversation) -> None:
    """An interactive session that keeps its state across quitting and restarting.

    As in Python's REPL, the value of an expression statement is printed (unless it is None).
    """
    actor_value = parse_actor(actor, root)

    async def main() -> None:
        datasette = await open_datasette(files, internal, config_file, datasette_settings)
        try:
            first = await call_tool(datasette, actor_value, conversation, "pass")
            click.echo(f"MicroPython session for conversation {conversation}: {first['state']}. Ctrl-D quits.")
            while True:
                source = read_block()
                if source is None:
                    break
                if source.strip():
                    print_result(await call_tool(datasette, actor_value, conversation, echo_expressions(source)))
        finally:
            await close(datasette)

    run_async(main())


def read_block() -> str | None:
    """One complete statement, over as many lines as it takes (as in Python's own REPL)."""
    lines: list[str] = []
    while True:
        try:
            line = input("... " if lines else ">>> ")
        except EOFError:
            click.echo()
            return None if not lines else "\n".join(lines)
        lines.append(line)
        source = "\n".join(lines)
        try:
            complete = codeop.compile_command(source, "<input>", "exec") is not None
        except SyntaxError:
            complete = True  # let MicroPython report it
        if complete and not (len(lines) > 1 and line.strip()):
            return source


# The comprehension's variable is local to it, so echoing binds no global in the session.
ECHO_BEFORE = "[print(repr(__echo)) for __echo in [("
ECHO_AFTER = ")] if __echo is not None]"


def echo_expressions(source: str) -> str:
    """`source` with each expression statement wrapped so that its value is printed, as Python's REPL does.

    Like CPython's interactive mode, this covers expression statements in module-level code
    (in loops and ifs too) but not in function or class bodies. The wrappers go around each
    expression in place, on its own lines, so line numbers in tracebacks stay the user's. Code
    CPython cannot parse is returned as it is, for MicroPython to report on.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return source
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(line: int, column: int) -> int:
        # ast columns count UTF-8 bytes.
        return starts[line - 1] + len(lines[line - 1].encode()[:column].decode())

    spans = [
        (offset(node.lineno, node.col_offset), offset(node.end_lineno, node.end_col_offset))
        for node in module_level_expressions(tree.body)
    ]
    for start, end in sorted(spans, reverse=True):
        source = source[:start] + ECHO_BEFORE + source[start:end] + ECHO_AFTER + source[end:]
    return source


def module_level_expressions(body: list[ast.stmt]) -> list[ast.expr]:
    """The values of the expression statements in `body` and its blocks, not inside a def or class."""
    found: list[ast.expr] = []
    for statement in body:
        if isinstance(statement, ast.Expr):
            found.append(statement.value)
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        else:
            for name in ("body", "orelse", "finalbody"):
                found.extend(module_level_expressions(getattr(statement, name, [])))
            for block in [*getattr(statement, "handlers", []), *getattr(statement, "cases", [])]:
                found.extend(module_level_expressions(block.body))
    return found


def check_sessions_are_stored(internal: str | None, datasette: Datasette) -> None:
    """Without --internal (and no sessions_database) sessions live in memory: nothing was ever stored."""
    if internal is None and session_manager(datasette).settings.sessions_database is None:
        raise click.UsageError(
            "No internal database was given: sessions are stored in Datasette's internal database, "
            "so name it with --internal FILE (or configure sessions_database)"
        )


@micropython_cli.command()
@datasette_options
@once("--json", "as_json", is_flag=True, help="Output JSON")
def sessions(files, internal, config_file, datasette_settings, as_json) -> None:
    """List stored sessions."""

    async def main() -> list[dict]:
        datasette = await open_datasette(files, internal, config_file, datasette_settings)
        try:
            check_sessions_are_stored(internal, datasette)
            return await session_manager(datasette).store.sessions()
        finally:
            await close(datasette)

    rows = run_async(main())
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("No stored sessions.")
        return
    click.echo(f"{'conversation':<28} {'actor':<12} {'calls':>6} {'raw':>10} {'stored':>10}  {'last used':<24} globals")
    for row in rows:
        click.echo(
            f"{row['conversation_id']:<28} {str(row['actor_id'] or '-'):<12} {row['calls']:>6} "
            f"{human_bytes(row['raw_bytes']):>10} {human_bytes(row['stored_bytes']):>10}  "
            f"{row['last_used_at'] or '-':<24} {', '.join(row['globals'])}"
        )


MAX_AGE_DAYS = 36_500


def age_in_days(value: float | None) -> float | None:
    """--older-than: a finite number of days from 0 to MAX_AGE_DAYS (nan, inf and 1e308 are refused)."""
    if value is not None and not (math.isfinite(value) and 0 <= value <= MAX_AGE_DAYS):
        raise click.BadParameter(f"must be a number of days from 0 to {MAX_AGE_DAYS:,}, got {value!r}")
    return value


@micropython_cli.command()
@datasette_options
@click.option("--conversation", "conversations", multiple=True, help="Remove this conversation's session (repeatable)")
@once("--older-than", type=float, then=age_in_days, help="Remove sessions unused for this many days")
@once("--all", "everything", is_flag=True, help="Remove every stored session")
@once("--yes", is_flag=True, help="Do not ask before deleting")
def purge(files, internal, config_file, datasette_settings, conversations, older_than, everything, yes) -> None:
    """Remove stored sessions: by conversation, by age, or all."""
    if not (conversations or older_than is not None or everything):
        raise click.UsageError("Say what to purge: --conversation ID, --older-than DAYS or --all")

    async def main() -> int:
        datasette = await open_datasette(files, internal, config_file, datasette_settings)
        try:
            check_sessions_are_stored(internal, datasette)
            store = session_manager(datasette).store
            rows = await store.sessions()
            known = {row["conversation_id"] for row in rows}
            unknown = [conversation for conversation in conversations if conversation not in known]
            if unknown:
                raise click.ClickException(f"No stored session for conversation {', '.join(unknown)}")
            cutoff = None
            if older_than is not None:
                cutoff = (datetime.now(timezone.utc) - timedelta(days=older_than)).isoformat(timespec="milliseconds")
            doomed = [
                row["conversation_id"]
                for row in rows
                if everything
                or row["conversation_id"] in conversations
                # A row whose time is not a time (written by hand) counts as old.
                or (cutoff is not None and not (isinstance(row["last_used_at"], str) and row["last_used_at"] >= cutoff))
            ]
            if not doomed:
                click.echo("Nothing to purge.")
                return 0
            if not yes and not click.confirm(f"Delete {len(doomed)} stored session(s)?"):
                raise click.Abort()
            for conversation_id in doomed:
                await store.delete(conversation_id)
            return len(doomed)
        finally:
            await close(datasette)

    deleted = run_async(main())
    if deleted:
        click.echo(f"Deleted {deleted} stored session(s).")
