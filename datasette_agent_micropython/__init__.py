"""datasette-agent-micropython: a persistent, sandboxed MicroPython tool for Datasette Agent.

The hooks stay thin: each hands off to the module that does the work.
"""

from __future__ import annotations

import asyncio
import weakref

from datasette import hookimpl
from datasette.permissions import Action, PermissionSQL

from .sessions import SessionManager, shared_runtime
from .settings import PLUGIN_NAME, Settings
from .sql import read_only_sql_query
from .tool import ACTION, make_tool

_managers: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def session_manager(datasette) -> SessionManager:
    """The SessionManager of this Datasette instance, made from its plugin config on first use."""
    manager = _managers.get(datasette)
    if manager is None:
        settings = Settings.from_plugin_config(datasette.plugin_config(PLUGIN_NAME))
        manager = SessionManager(settings, {"read_only_sql_query": read_only_sql_query})
        _managers[datasette] = manager
    return manager


@hookimpl
def startup(datasette):
    async def check_settings_and_warm_up():
        # A bad setting stops startup here, with a message naming it.
        session_manager(datasette)
        await asyncio.get_running_loop().run_in_executor(None, shared_runtime)

    return check_settings_and_warm_up


@hookimpl
def register_actions(datasette):
    return [Action(name=ACTION, description="Run Python code in the execute_micropython sandbox")]


@hookimpl
def permission_resources_sql(datasette, actor, action):
    """Allowed by default, like the baseline; a `permissions:` block in datasette.yaml narrows it."""
    if action == ACTION and not datasette.default_deny:
        return PermissionSQL.allow(reason=f"default allow for {ACTION}")
    return None


@hookimpl
def register_agent_tools(datasette):
    return [make_tool(session_manager(datasette))]
