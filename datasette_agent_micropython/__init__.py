"""datasette-agent-micropython: a persistent, sandboxed MicroPython tool for Datasette Agent.

The hooks stay thin: each hands off to the module that does the work.
"""

from __future__ import annotations

import asyncio
import weakref

from datasette import hookimpl
from datasette.permissions import Action, PermissionSQL

from .admin import ADMIN_ACTION, admin_page
from .sessions import SessionManager, shared_runtime
from .settings import PLUGIN_NAME, ConfigError, Settings
from .sql import read_only_sql_query
from .store import SnapshotStore
from .tool import ACTION, make_tool

_managers: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def session_manager(datasette) -> SessionManager:
    """The SessionManager of this Datasette instance, made from its plugin config on first use."""
    manager = _managers.get(datasette)
    if manager is None:
        settings = Settings.from_plugin_config(datasette.plugin_config(PLUGIN_NAME))
        internal = datasette.get_internal_database()
        if settings.sessions_database is None:
            database = internal
        elif settings.sessions_database not in datasette.databases:
            raise ConfigError(
                f"{PLUGIN_NAME}: sessions_database {settings.sessions_database!r} is not a database "
                f"this Datasette serves (it serves: {', '.join(datasette.databases) or 'none'})"
            )
        else:
            database = datasette.get_database(settings.sessions_database)
            if not database.is_mutable:
                raise ConfigError(
                    f"{PLUGIN_NAME}: sessions_database {settings.sessions_database!r} is immutable; "
                    "serve it as a mutable database (not with -i) so sessions can be written"
                )
        store = SnapshotStore(database, settings.retention, write_ahead_log=database is internal)
        manager = SessionManager(
            settings, {"read_only_sql_query": read_only_sql_query}, store, messages_database=internal
        )
        _managers[datasette] = manager
    return manager


@hookimpl
def startup(datasette):
    async def check_settings_and_prepare():
        # A bad setting stops startup here, with a message naming it.
        manager = session_manager(datasette)
        await manager.store.prepare()
        metered = manager.settings.limits.fuel is not None
        await asyncio.get_running_loop().run_in_executor(None, lambda: shared_runtime().compiled(metered))

    return check_settings_and_prepare


@hookimpl
def shutdown(datasette):
    async def store_live_sessions():
        manager = _managers.get(datasette)
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
