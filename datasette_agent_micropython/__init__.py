"""datasette-agent-micropython: a persistent, sandboxed MicroPython tool for Datasette Agent.

The hooks stay thin: each hands off to the module that does the work.
"""

from __future__ import annotations

import asyncio

from datasette import hookimpl
from datasette.permissions import Action, PermissionSQL

from .admin import admin_page
from .sessions import shared_runtime
from .settings import ACTION, ADMIN_ACTION
from .tool import make_tool
from .wiring import made_session_manager, session_manager, warn_if_sessions_are_readable


@hookimpl
def startup(datasette):
    async def check_settings_and_prepare():
        # A bad setting stops startup here, with a message naming it.
        manager = session_manager(datasette)
        await manager.store.prepare()
        if manager.settings.sessions_database is not None:
            await warn_if_sessions_are_readable(datasette, manager.settings.sessions_database)
        metered = manager.settings.limits.fuel is not None
        await asyncio.get_running_loop().run_in_executor(None, lambda: shared_runtime().compiled(metered))

    return check_settings_and_prepare


@hookimpl
def shutdown(datasette):
    async def store_live_sessions():
        manager = made_session_manager(datasette)
        if manager is not None:
            await manager.shutdown()

    return store_live_sessions


@hookimpl
def register_actions(datasette):
    return [
        Action(name=ACTION, description="Run Python code in the execute_micropython sandbox"),
        Action(name=ADMIN_ACTION, description="See and reset MicroPython sessions at /-/micropython"),
    ]


@hookimpl
def register_routes():
    return [(r"^/-/micropython$", admin_page)]


@hookimpl
def permission_resources_sql(datasette, actor, action):
    """Allowed by default, like the baseline; a `permissions:` block in datasette.yaml narrows it."""
    if action == ACTION and not datasette.default_deny:
        return PermissionSQL.allow(reason=f"default allow for {ACTION}")
    return None


@hookimpl
def register_agent_tools(datasette):
    return [make_tool(session_manager(datasette))]


@hookimpl
def register_commands(cli):
    from .cli import micropython_cli

    cli.add_command(micropython_cli)
