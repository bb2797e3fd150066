"""Stored sessions are never readable by other actors through Datasette.

`--crossdb` attaches every served database to `_memory`, where any actor with `execute-sql` can
read it: with a served `sessions_database` the plugin refuses to start. A served sessions
database that non-admins can read gets a warning at startup.
"""

import logging
import sqlite3

import pytest
from agent_harness import make_datasette
from datasette.app import Datasette

from datasette_agent_micropython.settings import ConfigError

PLUGIN = "datasette-agent-micropython"
LOGGER = "datasette_agent_micropython"


def databases(tmp_path):
    paths = []
    for name in ("data", "sessions"):
        path = tmp_path / f"{name}.db"
        sqlite3.connect(path).close()
        paths.append(path)
    return paths


@pytest.mark.asyncio
async def test_crossdb_with_a_served_sessions_database_refuses_to_start(tmp_path):
    ds = Datasette(
        [str(path) for path in databases(tmp_path)],
        crossdb=True,
        config={"plugins": {PLUGIN: {"sessions_database": "sessions"}}},
    )
    with pytest.raises(ConfigError, match="--crossdb"):
        await ds.invoke_startup()


@pytest.mark.asyncio
async def test_crossdb_with_sessions_in_the_internal_database_starts(tmp_path):
    ds = Datasette([str(path) for path in databases(tmp_path)], crossdb=True)
    await ds.invoke_startup()


@pytest.mark.asyncio
async def test_a_sessions_database_readable_by_everyone_is_warned_about(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        await make_datasette(tmp_path, databases=databases(tmp_path), plugin_config={"sessions_database": "sessions"})
    warnings = [
        record.getMessage()
        for record in caplog.records
        if "readable by actors who are not admins" in record.getMessage()
    ]
    assert len(warnings) == 1
    assert "'sessions'" in warnings[0]


@pytest.mark.asyncio
async def test_a_sessions_database_locked_to_root_is_not_warned_about(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        await make_datasette(
            tmp_path,
            databases=databases(tmp_path),
            plugin_config={"sessions_database": "sessions"},
            config={"databases": {"sessions": {"allow": {"id": ["root"]}}}},
        )
    assert not [record for record in caplog.records if "readable by actors" in record.getMessage()]
