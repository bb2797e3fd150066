"""The composition root: builds a Datasette instance's SessionManager and everything it uses, and
checks the database its sessions are stored in.

The hooks (`__init__`), the admin page and the CLI get the manager here; nothing else builds one,
and no module of the package imports from the package root.
"""

from __future__ import annotations

import logging
import weakref
from typing import Any

from datasette.resources import DatabaseResource, TableResource

from .displays import HOST_FUNCTIONS as DISPLAY_FUNCTIONS
from .history import AgentMessages
from .sessions import SessionManager
from .settings import PLUGIN_NAME, TOOL_NAME, ConfigError, Settings
from .sql import read_only_sql_query
from .store import TABLE, SnapshotStore

log = logging.getLogger(__name__)

_managers: weakref.WeakKeyDictionary[Any, SessionManager] = weakref.WeakKeyDictionary()


def session_manager(datasette: Any) -> SessionManager:
    """The SessionManager of this Datasette instance, made from its plugin config on first use."""
    manager = _managers.get(datasette)
    if manager is None:
        settings = Settings.from_plugin_config(datasette.plugin_config(PLUGIN_NAME))
        internal = datasette.get_internal_database()
        database = sessions_database(datasette, settings)
        manager = SessionManager(
            settings,
            {"read_only_sql_query": read_only_sql_query, **DISPLAY_FUNCTIONS},
            SnapshotStore(database, settings.retention, write_ahead_log=database is internal),
            # datasette-agent keeps conversations in the internal database, whichever holds sessions.
            history=AgentMessages(internal, TOOL_NAME),
        )
        _managers[datasette] = manager
    return manager


def made_session_manager(datasette: Any) -> SessionManager | None:
    """The SessionManager of this Datasette instance if one was made, without making one."""
    return _managers.get(datasette)


def sessions_database(datasette: Any, settings: Settings) -> Any:
    """The database that stores sessions: the internal one, or the served one `sessions_database`
    names, refused when it cannot be written or would be readable through --crossdb."""
    if settings.sessions_database is None:
        return datasette.get_internal_database()
    name = settings.sessions_database
    if name not in datasette.databases:
        raise ConfigError(
            f"{PLUGIN_NAME}: sessions_database {name!r} is not a database "
            f"this Datasette serves (it serves: {', '.join(datasette.databases) or 'none'})"
        )
    if getattr(datasette, "crossdb", False):
        raise ConfigError(
            f"{PLUGIN_NAME}: sessions_database {name!r} is a served database and "
            "Datasette runs with --crossdb, which attaches it to _memory: any actor allowed to run SQL "
            "there could read every stored session. Drop --crossdb, or drop sessions_database to keep "
            "sessions in the internal database"
        )
    database = datasette.get_database(name)
    if not database.is_mutable:
        raise ConfigError(
            f"{PLUGIN_NAME}: sessions_database {name!r} is immutable; "
            "serve it as a mutable database (not with -i) so sessions can be written"
        )
    return database


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
