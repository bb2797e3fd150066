"""The sessions table's schema: migrations run whole through sqlite-utils, and a database written by
0.2a0 (its `micropython_migrations` record, its format-2 images) upgrades with its sessions."""

import json
import sqlite3
from pathlib import Path

import pytest
from agent_harness import ALICE, make_datasette, start_conversation
from image_forgery import compress, forge, header_of

from datasette_agent_micropython.snapshot import Snapshot
from datasette_agent_micropython.store import LEGACY_MIGRATIONS_TABLE, MIGRATION_SET, apply_migrations, migrations
from datasette_agent_micropython.wiring import session_manager

PACKAGE_MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
TRIGGER_MIGRATION = """
-- A trigger whose body holds two statements and a string with a semicolon in it.
CREATE TABLE audit (note TEXT);
CREATE TRIGGER things_audit AFTER INSERT ON things
BEGIN
    INSERT INTO audit (note) VALUES ('inserted; ' || new.name);
    UPDATE things SET name = upper(new.name) WHERE rowid = new.rowid;
END;
"""


def recorded(conn):
    return [
        row[0]
        for row in conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY id", [MIGRATION_SET]
        )
    ]


def test_a_migration_holding_a_trigger_body_runs_whole(tmp_path):
    (tmp_path / "001_things.sql").write_text("CREATE TABLE things (name TEXT);")
    (tmp_path / "002_trigger.sql").write_text(TRIGGER_MIGRATION)
    conn = sqlite3.connect(tmp_path / "db.sqlite")
    assert apply_migrations(conn, tmp_path) == ["001_things.sql", "002_trigger.sql"]
    conn.execute("INSERT INTO things (name) VALUES ('ada')")
    assert conn.execute("SELECT name FROM things").fetchall() == [("ADA",)]
    assert conn.execute("SELECT note FROM audit").fetchall() == [("inserted; ada",)]
    assert apply_migrations(conn, tmp_path) == []
    assert recorded(conn) == ["001_things.sql", "002_trigger.sql"]


def test_a_failing_migration_leaves_nothing_behind_and_stays_pending(tmp_path):
    (tmp_path / "001_half.sql").write_text("CREATE TABLE first_half (x);\nCREATE TABLE broken (;")
    conn = sqlite3.connect(tmp_path / "db.sqlite")
    with pytest.raises(sqlite3.OperationalError):
        apply_migrations(conn, tmp_path)
    assert not conn.execute("SELECT name FROM sqlite_master WHERE name = 'first_half'").fetchall()
    assert [migration.name for migration in migrations(tmp_path)._migrations] == ["001_half.sql"]
    assert recorded(conn) == []


def create_database_as_0_2a0_did(path: Path) -> sqlite3.Connection:
    """The schema exactly as 0.2a0 made it: its own record table, each file split on ';'."""
    conn = sqlite3.connect(path)
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {LEGACY_MIGRATIONS_TABLE} (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    for entry in sorted(PACKAGE_MIGRATIONS.glob("001_*.sql")):
        for statement in entry.read_text().split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute(
            f"INSERT INTO {LEGACY_MIGRATIONS_TABLE} (name, applied_at) VALUES (?, ?)",
            [entry.name, "2026-11-30T10:00:00.000+00:00"],
        )
    conn.commit()
    return conn


def format_2_image(snapshot: Snapshot) -> bytes:
    """The image 0.2a0 wrote: a CRC-32 over everything, a JSON header, one zstd frame of all pages."""
    return forge(header_of(snapshot), compress(snapshot.data))


@pytest.mark.asyncio
async def test_a_database_written_by_0_2a0_upgrades_and_keeps_its_sessions(tmp_path):
    internal = tmp_path / "internal.db"
    # A real session's state, stored the way 0.2a0 stored it.
    ds = await make_datasette(tmp_path, internal=tmp_path / "scratch.db")
    manager = session_manager(ds)
    conversation = await start_conversation(ds, ALICE)
    outcome = await manager.run(conversation, "kept = {'rows': [1, 2, 3]}\ndef total():\n    return sum(kept['rows'])")
    assert outcome.result.ok
    snapshot = await manager._in_thread(manager._live[conversation].snapshot)
    await manager.shutdown()
    conn = create_database_as_0_2a0_did(internal)
    conn.execute(
        "INSERT INTO micropython_sessions (conversation_id, actor_id, created_at, updated_at, last_used_at, calls, "
        "raw_bytes, stored_bytes, fingerprint, globals, image) VALUES (?, 'alice', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            conversation,
            "2026-11-30T10:00:00.000+00:00",
            "2026-11-30T10:00:00.000+00:00",
            "2026-11-30T10:00:00.000+00:00",
            snapshot.calls,
            snapshot.memory_size,
            0,
            snapshot.fingerprint,
            json.dumps(snapshot.names),
            format_2_image(snapshot),
        ],
    )
    conn.commit()
    conn.close()

    ds = await make_datasette(tmp_path, internal=internal)
    manager = session_manager(ds)
    outcome = await manager.run(conversation, "print(total())")
    assert outcome.state == "restored", outcome
    assert outcome.result.stdout == "6\n"
    await manager.wait_for_writes()
    with sqlite3.connect(internal) as conn:
        assert recorded(conn) == ["001_create_micropython_sessions.sql", "002_cover_retention_sums.sql"]
        assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [LEGACY_MIGRATIONS_TABLE]).fetchall()
        [[image, created_at]] = conn.execute(
            "SELECT image, created_at FROM micropython_sessions WHERE conversation_id = ?", [conversation]
        ).fetchall()
    # Rewritten in the chunked format after the call; the row's history is kept.
    assert image.startswith(b"MPYSNAP3")
    assert created_at == "2026-11-30T10:00:00.000+00:00"
    assert "total" in Snapshot.decode(image).names


def test_retention_reads_sizes_and_ages_from_one_index_not_from_every_row(tmp_path):
    """Retention sums stored_bytes after every batch of writes: the sum, the age cutoff and the
    least-recently-used order are all served by one index, never a scan of the image rows."""
    conn = sqlite3.connect(tmp_path / "sessions.db")
    apply_migrations(conn)
    statements = [
        "SELECT COALESCE(SUM(stored_bytes), 0) FROM micropython_sessions",
        "DELETE FROM micropython_sessions WHERE last_used_at < '2026'",
        "SELECT conversation_id, stored_bytes FROM micropython_sessions ORDER BY last_used_at",
    ]
    for sql in statements:
        plan = " ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql))
        assert "micropython_sessions_last_used_at_stored_bytes" in plan, (sql, plan)
    assert "COVERING INDEX" in " ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + statements[0]))
