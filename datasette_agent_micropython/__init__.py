"""datasette-agent-micropython: a persistent, sandboxed MicroPython tool for Datasette Agent.

The hooks stay thin: each hands off to the module that does the work.
"""

from __future__ import annotations

import asyncio
import logging
import weakref

from datasette import hookimpl
from datasette.permissions import Action, PermissionSQL
from datasette.resources import DatabaseResource, TableResource

from .admin import admin_page
from .displays import HOST_FUNCTIONS as DISPLAY_FUNCTIONS
from .sessions import SessionManager, shared_runtime
from .settings import ACTION, ADMIN_ACTION, PLUGIN_NAME, ConfigError, Settings
from .sql import read_only_sql_query
from .store import TABLE, SnapshotStore
from .tool import make_tool

log = logging.getLogger(__name__)

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
        elif getattr(datasette, "crossdb", False):
            raise ConfigError(
                f"{PLUGIN_NAME}: sessions_database {settings.sessions_database!r} is a served database and "
                "Datasette runs with --crossdb, which attaches it to _memory: any actor allowed to run SQL "
                "there could read every stored session. Drop --crossdb, or drop sessions_database to keep "
                "sessions in the internal database"
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
            settings, {"read_only_sql_query": read_only_sql_query, **DISPLAY_FUNCTIONS}, store, messages_database=internal
        )
        _managers[datasette] = manager
    return manager


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


# Actors who are no admin: anonymous, and a signed-in actor nobody granted anything.
PROBE_ACTORS = (None, {"id": "datasette-agent-micropython-probe"})


async def warn_if_sessions_are_readable(datasette, database: str) -> None:
    """Stored images hold every conversation's variables: say so when non-admins can read them."""
    checks = [
        ("view-table", TableResource(database=database, table=TABLE)),
        ("execute-sql", DatabaseResource(database=database)),
    ]
    for actor in PROBE_ACTORS:
        for action, resource in checks:
            if await datasette.allowed(action=action, resource=resource, actor=actor):
                log.warning(
                    "%s: sessions_database %r is readable by actors who are not admins (%s is allowed %s): "
                    "they can read every stored session. Lock it with an allow block (see the README)",
                    PLUGIN_NAME,
                    database,
                    "anonymous" if actor is None else "a signed-in actor",
                    action,
                )
                return


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
