"""SnapshotStore: session images in a SQLite table, `micropython_sessions`.

Writes go through Datasette's write connection for the database, so each save is one atomic
transaction: a crash in the middle leaves the previous image readable. The schema comes from the
numbered SQL files in `migrations/`, applied once each, in order, by sqlite-utils' `Migrations`,
which records them in `_sqlite_migrations`.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import datetime, timedelta, timezone
from importlib import resources
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database, Migrations

from .settings import Retention
from .snapshot import Snapshot

if TYPE_CHECKING:
    from importlib.abc import Traversable

TABLE = "micropython_sessions"
MIGRATION_SET = "datasette-agent-micropython"
# Where releases up to 0.2a0 recorded applied migrations: carried over once, then dropped.
LEGACY_MIGRATIONS_TABLE = "micropython_migrations"
TRIGGER = "micropython_sessions_follow_conversations"
UPSERT_COLUMNS = (
    "conversation_id",
    "actor_id",
    "created_at",
    "updated_at",
    "last_used_at",
    "calls",
    "raw_bytes",
    "stored_bytes",
    "fingerprint",
    "globals",
    "image",
)
# Batches of rows handed to the write thread at once: two, so that one is being written while
# the next waits in the write thread's queue, and the rows arriving meanwhile form the one after.
BATCHES_IN_FLIGHT = 2
# A row's first write sets created_at; later writes keep it.
UPSERT_SQL = (
    f"INSERT INTO {TABLE} ({', '.join(UPSERT_COLUMNS)}) VALUES ({', '.join('?' * len(UPSERT_COLUMNS))}) "
    f"ON CONFLICT (conversation_id) DO UPDATE SET "
    + ", ".join(
        f"{column} = excluded.{column}" for column in UPSERT_COLUMNS if column not in ("conversation_id", "created_at")
    )
)


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def wrap(conn: sqlite3.Connection) -> Database:
    """sqlite-utils over a connection it does not own: no PRAGMA changes, no plugin hooks."""
    return Database(conn, recursive_triggers=False, execute_plugins=False)


def migrations(folder: Traversable | None = None) -> Migrations:
    """The SQL files of `folder` (the package's `migrations/`), in name order, as one migration set.

    Each file runs whole, statement by statement as SQLite itself splits them (so a trigger body
    with its own semicolons is one statement), inside one transaction with its record: a failing
    file leaves nothing behind and stays pending.
    """
    folder = folder or resources.files("datasette_agent_micropython.migrations")
    migration_set = Migrations(MIGRATION_SET)
    for entry in sorted((entry for entry in folder.iterdir() if entry.name.endswith(".sql")), key=lambda e: e.name):
        sql = entry.read_text()
        migration_set(name=entry.name)(lambda db, sql=sql: db.executescript(sql))
    return migration_set


def apply_migrations(conn: sqlite3.Connection, folder: Traversable | None = None) -> list[str]:
    """Apply the migrations this database has not had yet; return their names."""
    db = wrap(conn)
    migration_set = migrations(folder)
    with db.atomic():
        _carry_over_legacy_records(db, migration_set)
    pending = [migration.name for migration in migration_set.pending(db)]
    migration_set.apply(db)
    return pending


def _carry_over_legacy_records(db: Database, migration_set: Migrations) -> None:
    """Record what the old `micropython_migrations` table says was applied, then drop it."""
    legacy = db[LEGACY_MIGRATIONS_TABLE]
    if not legacy.exists():
        return
    migration_set.ensure_migrations_table(db)
    recorded = {migration.name for migration in migration_set.applied(db)}
    for row in legacy.rows_where(order_by="rowid"):
        if row["name"] not in recorded:
            db[Migrations.migrations_table].insert(
                {"migration_set": MIGRATION_SET, "name": row["name"], "applied_at": row["applied_at"]}
            )
    legacy.drop()


def use_write_ahead_log(conn: sqlite3.Connection) -> None:
    """Images are written after calls: in WAL mode with synchronous=NORMAL a write costs
    well under a millisecond instead of a disk sync, and a killed process still loses nothing
    that was committed (only a power cut can lose the last commits)."""
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    if mode not in ("memory", "wal"):
        conn.execute("PRAGMA journal_mode = wal")
    conn.execute("PRAGMA synchronous = normal")


def ensure_conversation_trigger(conn: sqlite3.Connection) -> bool:
    """Delete a session with its conversation, when both tables live in this database."""
    if not wrap(conn)["agent_conversations"].exists():
        return False
    conn.execute(
        f"CREATE TRIGGER IF NOT EXISTS {TRIGGER} AFTER DELETE ON agent_conversations "
        f"BEGIN DELETE FROM {TABLE} WHERE conversation_id = old.id; END"
    )
    return True


class SnapshotStore:
    def __init__(self, database: Any, retention: Retention | None = None, write_ahead_log: bool = False) -> None:
        self.database = database
        self.retention = retention or Retention()
        # Only for Datasette's internal database: a served database's journal mode is its owner's.
        self.write_ahead_log = write_ahead_log
        self._trigger_ready = False
        self._prepared = False
        # Rows waiting for the next write transaction, each with the future its save awaits.
        self._pending: list[tuple[list[Any], asyncio.Future]] = []
        # Batches handed to the write thread and not yet committed, at most BATCHES_IN_FLIGHT: the
        # next batch waits in the write thread's queue, not for the event loop to send it.
        self._batches: set[asyncio.Task] = set()

    async def prepare(self) -> None:
        """Apply migrations (once per process; the migrations table makes it once per database)."""
        if self._prepared:
            return
        if self.write_ahead_log:
            await self.database.execute_write_fn(use_write_ahead_log, transaction=False)
        await self.database.execute_write_fn(apply_migrations)
        self._trigger_ready = await self.database.execute_write_fn(ensure_conversation_trigger)
        self._prepared = True

    async def load(self, conversation_id: str) -> bytes | None:
        await self.prepare()
        # Not `Database.execute`: its time limit (sql_time_limit_ms, meant for users' queries) can
        # interrupt this one-row read on a busy server, and the call would fail with a bare error.
        row = await self.database.execute_fn(
            lambda conn: conn.execute(
                f"SELECT image FROM {TABLE} WHERE conversation_id = ?", [conversation_id]
            ).fetchone()
        )
        return None if row is None else row[0]

    async def save(
        self,
        conversation_id: str,
        actor_id: str | None,
        snapshot: Snapshot,
        image: bytes,
        last_used_at: str | None = None,
    ) -> None:
        """Write `snapshot`'s image as its conversation's one row; returns once it is committed.

        Saves that arrive while a write is in flight are written together, in arrival order, in
        the next transaction (`_send_batches`): many conversations' images then cost one trip
        through the write thread and one commit, and each save still returns only after the
        commit that holds its row.
        """
        await self.prepare()
        now = utc_now()
        row = {
            "conversation_id": conversation_id,
            "actor_id": actor_id,
            "created_at": now,
            "updated_at": now,
            "last_used_at": last_used_at or now,
            "calls": snapshot.calls,
            "raw_bytes": snapshot.memory_size,
            "stored_bytes": len(image),
            "fingerprint": snapshot.fingerprint,
            "globals": json.dumps(snapshot.names),
            "image": image,
        }
        committed = asyncio.get_running_loop().create_future()
        self._pending.append(([row[column] for column in UPSERT_COLUMNS], committed))
        self._send_batches()
        await committed

    def _send_batches(self) -> None:
        """Hand the queued rows to the write thread as one batch, unless enough batches wait there."""
        if self._pending and len(self._batches) < BATCHES_IN_FLIGHT:
            batch, self._pending = self._pending, []
            task = asyncio.get_running_loop().create_task(self._write_batch(batch))
            self._batches.add(task)
            task.add_done_callback(self._batch_done)

    def _batch_done(self, task: asyncio.Task) -> None:
        self._batches.discard(task)
        self._send_batches()

    async def _write_batch(self, batch: list[tuple[list[Any], asyncio.Future]]) -> None:
        """Write `batch` in one transaction and tell each save how it went.

        Each row is written under a savepoint of its own, so one bad row (say, one that does not fit
        a full database) fails only its own save, and the batch is never written again row by row:
        batches commit in the order they were sent, so an older image of a conversation can never
        land after a newer one. A batch whose task is cancelled (the event loop shutting down)
        still tells every save, so none waits on.
        """
        try:
            errors = await self.database.execute_write_fn(
                lambda conn: self._write_rows(conn, [row for row, _ in batch])
            )
        except Exception as error:
            for _, committed in batch:
                _settle(committed, error)
        else:
            for (_, committed), error in zip(batch, errors):
                _settle(committed, error)
        finally:
            for _, committed in batch:
                _settle(committed, RuntimeError("the image write was cancelled before it was committed"))

    def _write_rows(self, conn: sqlite3.Connection, rows: list[list[Any]]) -> list[Exception | None]:
        """Upsert `rows` (values in UPSERT_COLUMNS order), then prune, in the caller's transaction;
        per row, the error that kept it out (rolled back to its savepoint), or None. An error that
        ended the whole transaction is raised.

        The upsert is written by hand, not sqlite-utils' `Table.upsert`: that one would overwrite
        `created_at`, and it introspects the table (seven queries) on every call, on the path that
        the conversation's next call waits for.
        """
        if not self._trigger_ready:
            self._trigger_ready = ensure_conversation_trigger(conn)
        errors: list[Exception | None] = []
        for row in rows:
            conn.execute("SAVEPOINT micropython_image")
            try:
                conn.execute(UPSERT_SQL, row)
            except Exception as error:  # sqlite3's, or a value it cannot bind (an int past 64 bits)
                if not conn.in_transaction:
                    # SQLite rolled the whole transaction back (a full disk, an I/O error): the
                    # batch fails with this error, and its sessions stay live and unwritten.
                    raise
                conn.execute("ROLLBACK TO micropython_image")
                errors.append(error)
            else:
                errors.append(None)
            conn.execute("RELEASE micropython_image")
        self._prune(conn)
        return errors

    def _prune(self, conn: sqlite3.Connection) -> None:
        """Keep the table within its retention limits: drop old rows, then the least recently used."""
        cutoff = (datetime.now(timezone.utc) - timedelta(days=self.retention.max_age_days)).isoformat(
            timespec="milliseconds"
        )
        conn.execute(f"DELETE FROM {TABLE} WHERE last_used_at < ?", [cutoff])
        total = conn.execute(f"SELECT COALESCE(SUM(stored_bytes), 0) FROM {TABLE}").fetchone()[0]
        if total <= self.retention.max_total_bytes:
            return
        for conversation_id, size in conn.execute(
            f"SELECT conversation_id, stored_bytes FROM {TABLE} ORDER BY last_used_at"
        ).fetchall():
            conn.execute(f"DELETE FROM {TABLE} WHERE conversation_id = ?", [conversation_id])
            total -= size
            if total <= self.retention.max_total_bytes:
                break

    async def delete(self, conversation_id: str) -> bool:
        await self.prepare()

        def remove(conn: sqlite3.Connection) -> bool:
            return conn.execute(f"DELETE FROM {TABLE} WHERE conversation_id = ?", [conversation_id]).rowcount > 0

        return await self.database.execute_write_fn(remove)

    async def sessions(self) -> list[dict]:
        """Every stored session, without its image, most recently used first."""
        await self.prepare()
        results = await self.database.execute(
            f"SELECT conversation_id, actor_id, created_at, updated_at, last_used_at, calls, raw_bytes, "
            f"stored_bytes, fingerprint, globals FROM {TABLE} ORDER BY last_used_at DESC"
        )
        return [readable_row(dict(row)) for row in results.rows]


def _settle(committed: asyncio.Future, error: Exception | None) -> None:
    """Tell a save how its write went (a save whose caller was cancelled is not told)."""
    if committed.done() or committed.get_loop().is_closed():
        return
    if error is None:
        committed.set_result(None)
    else:
        committed.set_exception(error)


def readable_row(row: dict) -> dict:
    """A stored row as the admin page and the CLI show it, with `globals` as a list of names.

    Anyone who can write the table can put anything in it: a value of the wrong type or shape
    is shown as empty (a time as "", a count as 0) instead of breaking the page for every row.
    """
    for column in ("created_at", "updated_at", "last_used_at"):
        row[column] = row[column] if _is_utc_time(row[column]) else ""
    for column in ("calls", "raw_bytes", "stored_bytes"):
        value = row[column]
        row[column] = value if isinstance(value, int) and value >= 0 else 0
    row["conversation_id"] = str(row["conversation_id"])
    row["actor_id"] = None if row["actor_id"] is None else str(row["actor_id"])
    row["fingerprint"] = row["fingerprint"] if isinstance(row["fingerprint"], str) else ""
    try:
        names = json.loads(row["globals"]) if isinstance(row["globals"], (str, bytes)) else []
    except (ValueError, RecursionError):
        names = []
    row["globals"] = [name for name in names if isinstance(name, str)][:200] if isinstance(names, list) else []
    return row


def _is_utc_time(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False
