"""Faults, each followed by a restart of a real `datasette` process (tests/server_harness.py).

- `kill -9` in the middle of snapshot writes: several rounds of calls over many conversations,
  killed at a random moment or the instant a result arrives (its image is being written), then
  restarted: every conversation holds the state after a whole call, at most the one call whose
  image was being written is lost (and the model is told), the database passes
  `PRAGMA integrity_check` and every stored image decodes. A last round cuts the WAL inside an
  image's transaction, as a kill between two of its page writes would: the previous image is kept.
  (`kill -9` in the middle of a *call* is tests/test_restarts.py.)
- A sessions database on a full disk (a 1 MiB tmpfs) or a read-only mount: the tool still
  answers, the state stays live in memory, a warning is logged; once there is room again the
  next call stores it; a graceful stop that cannot store loses only what was never stored.
  These need root and `mount`; they skip otherwise.
- Stored rows damaged while the server is stopped (truncated, a flipped bit, another build's
  fingerprint): `state: "new"` with a `state_note` saying why; other conversations restore.
- An upgraded artifact, simulated: every stored image carries another build's fingerprint, and
  then a real configuration change (`memory_bytes`) changes the fingerprint: every old image is
  refused cleanly and the model is told it runs in a fresh interpreter.

`--fault-rounds N` runs N kill rounds instead of 3 (10 with `--long`); `--fault-seed` sets their timing.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import sqlite3
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from long_runs import sizes
from server_harness import (
    ALICE,
    DatasetteServer,
    ServerError,
    httpx,
    micropython_message,
    run,
    start_conversation,
    stream_events,
)

from datasette_agent_micropython.snapshot import MAGIC, Snapshot

TABLE = "micropython_sessions"
ROUNDS = sizes().fault_rounds

# A conversation's state: its token, a counter and the list of every value it took, and `blob`,
# random bytes made on the first call and hashed on every call (so the image is big enough for
# its write to take a while, and a restored image must hold it byte for byte).
SNIPPET = """
try:
    tok
except NameError:
    import random, struct, hashlib, binascii
    tok, n, seen = {token!r}, 0, []
    blob = bytearray({size})
    for i in range(0, {size}, 4):
        struct.pack_into('<I', blob, i, random.getrandbits(30))
n += 1
seen.append(n)
print(tok, n, len(seen), sum(seen), binascii.hexlify(hashlib.sha256(blob).digest()[:6]).decode())
"""


def snippet(token: str, size: int = 4096) -> str:
    return SNIPPET.format(token=token, size=size)


def parse(stdout: str, token: str) -> tuple[int, str]:
    """(counter, blob hash) from the snippet's output; asserts the rest is consistent."""
    words = stdout.split()
    assert len(words) == 5 and words[0] == token, f"foreign or garbled state: {stdout!r}, expected token {token}"
    count = int(words[1])
    assert words[2:4] == [str(count), str(count * (count + 1) // 2)], f"inconsistent state: {stdout!r}"
    return count, words[4]


def rows(db_path, check: bool = True) -> dict[str, dict]:
    """Every stored row by conversation id, after checking the database's integrity."""
    conn = sqlite3.connect(db_path, timeout=10)
    try:
        conn.row_factory = sqlite3.Row
        if check:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        exists = conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [TABLE]).fetchone()
        if not exists:
            return {}
        return {row["conversation_id"]: dict(row) for row in conn.execute(f"SELECT * FROM {TABLE}")}
    finally:
        conn.close()


def decoded(db_path) -> dict[str, dict]:
    """`rows`, and every image decodes and agrees with its row."""
    found = rows(db_path)
    for row in found.values():
        snapshot = Snapshot.decode(row["image"])
        assert snapshot.calls == row["calls"] and snapshot.fingerprint == row["fingerprint"], row["conversation_id"]
        assert row["stored_bytes"] == len(row["image"])
    return found


def wait_for_row(db_path, conversation_id, calls, timeout=10.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        try:
            row = rows(db_path, check=False).get(conversation_id)
        except sqlite3.OperationalError as error:  # a write committing
            if "locked" not in str(error):
                raise
            row = None
        if row is not None and row["calls"] == calls:
            return row
        if time.monotonic() > deadline:
            raise AssertionError(f"no image with calls={calls} within {timeout} s: {row and row['calls']}")
        time.sleep(0.01)


def reported_calls(db_path, conversation_id):
    """The `calls` of the last execute_micropython result datasette-agent stored, if any."""
    with contextlib.closing(sqlite3.connect(db_path, timeout=10)) as conn:
        found = conn.execute(
            "SELECT message_json FROM agent_messages WHERE conversation_id = ? AND role = 'tool' ORDER BY id DESC",
            [conversation_id],
        ).fetchall()
    for (message_json,) in found:
        for part in json.loads(message_json)["parts"]:
            if part.get("name") == "execute_micropython":
                return json.loads(part["output"]).get("calls")
    return None


def graceful_stop(server):
    shutdowns = server.log_text().count("Application shutdown complete")
    server.stop(signal.SIGINT)
    assert server.log_text().count("Application shutdown complete") == shutdowns + 1


# kill -9 in the middle of snapshot writes ------------------------------------------------------

BLOB = 256 * 1024


def holds_an_image(wal: Path, first: int, count: int, page_size: int) -> bool:
    """Whether a WAL transaction writes the page where an image starts (its MAGIC).

    An image written over a same-sized one rewrites only the pages that changed, so its size says
    little; but the row's own page, which changes with every write, holds the image's first bytes.
    """
    data = wal.read_bytes()
    frame = 24 + page_size
    start = 32 + first * frame
    return any(MAGIC in data[start + i * frame + 24 : start + (i + 1) * frame] for i in range(count))


def wal_transactions(path: Path) -> tuple[list[tuple[int, int]], int, int]:
    """The committed transactions in a WAL file as (first frame, frame count), the number of
    valid frames after the last commit (a transaction torn by the kill), and the page size.

    Follows SQLite's WAL format: a 32-byte header, then frames of a 24-byte header and a page,
    each carrying the header's salts and a running checksum; a commit frame records the database
    size. Recovery keeps exactly the frames up to the last valid commit.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [], 0, 0
    if len(data) < 32:
        return [], 0, 0
    magic, _, page_size, _, salt1, salt2, check1, check2 = struct.unpack(">8I", data[:32])
    if magic not in (0x377F0682, 0x377F0683):
        return [], 0, 0
    order = ">" if magic & 1 else "<"

    def checksum(chunk: bytes, s0: int, s1: int) -> tuple[int, int]:
        words = struct.unpack(f"{order}{len(chunk) // 4}I", chunk)
        for i in range(0, len(words), 2):
            s0 = (s0 + words[i] + s1) & 0xFFFFFFFF
            s1 = (s1 + words[i + 1] + s0) & 0xFFFFFFFF
        return s0, s1

    running = checksum(data[:24], 0, 0)
    if running != (check1, check2):
        return [], 0, page_size
    transactions, frames, first, offset = [], 0, 0, 32
    while offset + 24 + page_size <= len(data):
        _, commit, frame_salt1, frame_salt2, frame_check1, frame_check2 = struct.unpack(
            ">6I", data[offset : offset + 24]
        )
        if (frame_salt1, frame_salt2) != (salt1, salt2):
            break
        running = checksum(data[offset : offset + 8], *running)
        running = checksum(data[offset + 24 : offset + 24 + page_size], *running)
        if running != (frame_check1, frame_check2):
            break
        frames += 1
        if commit:
            transactions.append((first, frames - first))
            first = frames
        offset += 24 + page_size
    return transactions, frames - first, page_size


def checkpoint(conn: sqlite3.Connection, timeout: float = 30.0) -> None:
    """Move the WAL into the database and empty it, retrying while a reader is in the way."""
    deadline = time.monotonic() + timeout
    while conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] != 0:
        assert time.monotonic() < deadline, "the WAL could not be checkpointed: busy"
        time.sleep(0.05)


def wait_until_quiet(wal: Path, quiet: float = 0.5, timeout: float = 30.0) -> None:
    """Wait until the WAL has not grown for `quiet` seconds (the server has stopped writing)."""
    deadline = time.monotonic() + timeout
    size, since = wal.stat().st_size, time.monotonic()
    while time.monotonic() - since < quiet and time.monotonic() < deadline:
        time.sleep(0.05)
        if wal.stat().st_size != size:
            size, since = wal.stat().st_size, time.monotonic()


class Hammered:
    """One conversation under the hammer, as the client saw it."""

    def __init__(self, conversation_id: str, token: str) -> None:
        self.id = conversation_id
        self.token = token
        self.seen = 0  # the counter of the last result received
        self.in_flight = False
        self.blob_hash: str | None = None

    def accept(self, stdout: str) -> int:
        count, blob_hash = parse(stdout, self.token)
        if self.blob_hash is not None and count > 1:
            assert blob_hash == self.blob_hash, f"{self.token}: blob changed: {stdout!r}"
        self.blob_hash = blob_hash
        return count


def hammer(
    server, conversations: list[Hammered], errors: list, stop: threading.Event, kill_on_result: threading.Event
) -> None:
    """Alternate calls over `conversations` until the server dies (or `stop`). A result counts as
    seen the moment its `tool_result` event arrives: the image write starts then. With
    `kill_on_result` set, the first worker to see a result sends SIGKILL at once."""
    process = server.process
    index = 0
    while not stop.is_set():
        conversation = conversations[index % len(conversations)]
        index += 1
        conversation.in_flight = True
        kinds = set()
        try:
            for _, event in stream_events(
                server, ALICE, conversation.id, micropython_message(snippet(conversation.token, BLOB))
            ):
                kinds.add(event["event"])
                if event["event"] != "tool_result":
                    continue
                result = json.loads(event["data"]["output"])
                assert result["ok"] and result["state"] in ("live", "restored"), result
                count = conversation.accept(result["stdout"])
                assert count == conversation.seen + 1, f"{conversation.token}: {count} after {conversation.seen}"
                conversation.seen = count
                conversation.in_flight = False
                if kill_on_result.is_set():
                    process.send_signal(signal.SIGKILL)
        except (httpx.HTTPError, ServerError):
            return  # killed
        except AssertionError as error:
            errors.append(error)
            return
        if conversation.in_flight and not ("error" in kinds and "tool_call" not in kinds):
            errors.append(AssertionError(f"{conversation.token}: a turn ended without a result: {kinds}"))
            return
        # A turn that failed before the tool ran changed nothing: the next one tries again.
        conversation.in_flight = False


def check_after_restart(server, conversations: list[Hammered]) -> tuple[list[str], dict]:
    """Each conversation holds the state after a whole call: the last one whose result was seen,
    the one before it (its image was being written), or the one in flight; the model is told
    when a call it saw was lost. Returns a summary per conversation, and the call each was restored to."""
    stored = decoded(server.internal)  # integrity_check ok, every image decodes
    summary, restored = [], {}
    for conversation in conversations:
        reported = reported_calls(server.internal, conversation.id) or 0
        result = run(server, conversation.id, snippet(conversation.token, BLOB))
        assert result["ok"], result
        count = conversation.accept(result["stdout"])
        restored_to = count - 1
        allowed = {conversation.seen - 1, conversation.seen} | (
            {conversation.seen + 1} if conversation.in_flight else set()
        )
        assert restored_to in allowed, (
            f"{conversation.token}: restored to call {restored_to}; results seen up to {conversation.seen}, "
            f"in flight: {conversation.in_flight}; row: {stored.get(conversation.id, {}).get('calls')}"
        )
        if restored_to == 0:
            assert result["state"] == "new", result
        else:
            assert result["state"] == "restored", result
            if restored_to < reported:
                assert (
                    f"the last {reported - restored_to} call(s) ran but their effects were lost" in result["state_note"]
                ), result
            else:
                assert "state_note" not in result, result
        restored[conversation.id] = restored_to
        summary.append(f"{conversation.seen}{'+1' if conversation.in_flight else ''}->{restored_to}")
        conversation.seen = count
        conversation.in_flight = False
    return summary, restored


@pytest.mark.long
def test_kill9_during_snapshot_writes_keeps_a_whole_image(tmp_path, capsys):
    """Rounds of calls over six conversations (two live slots, so images are written and restored
    all the time), each ended by `kill -9` at a random moment or the instant a result arrives (its
    image is then being taken and written), then a restart and the checks of
    `check_after_restart`.

    The image write itself is one SQLite transaction; in WAL mode it is a burst of page writes
    that a signal almost never lands inside, so the last round makes that case deterministic:
    after a `kill -9`, the WAL is cut between two frames of the last image's transaction - the
    bytes a kill between two of its `write()` calls leaves - and the restart must keep the
    previous image.
    """
    rng = random.Random(sizes().fault_seed)
    wal = tmp_path / "internal.db-wal"
    plugin_config = {"max_sessions": 2, "fuel": 10**10, "wall_clock_timeout_seconds": 30.0}
    report = []
    with DatasetteServer(tmp_path, plugin_config=plugin_config) as server:
        conversations = [Hammered(start_conversation(server), f"k{i}-{rng.getrandbits(32):08x}") for i in range(6)]
        for conversation in conversations:
            first = run(server, conversation.id, snippet(conversation.token, BLOB))
            assert first["state"] == "new", first
            conversation.seen = conversation.accept(first["stdout"])
        for round_number in range(ROUNDS):
            errors: list = []
            stop, kill_on_result = threading.Event(), threading.Event()
            workers = [
                threading.Thread(
                    target=hammer, args=(server, conversations[i::3], errors, stop, kill_on_result), daemon=True
                )
                for i in range(3)
            ]
            for worker in workers:
                worker.start()
            time.sleep(rng.uniform(0.5, 2.0))
            if round_number % 2:
                how = "as a result arrived"
                kill_on_result.set()
                server.process.wait(10)
            else:
                how = "at a random moment"
            server.kill9()
            stop.set()
            for worker in workers:
                worker.join(timeout=60)
            assert not errors, errors
            _, torn, _ = wal_transactions(wal)
            server.start()
            summary, _ = check_after_restart(server, conversations)
            report.append(
                f"round {round_number + 1}: killed {how}; uncommitted WAL frames {torn}; "
                f"last seen->restored to: {' '.join(summary)}"
            )

        # The torn transaction, made deterministic. Nothing else runs: every image of the calls
        # above is written, the WAL is checkpointed away, one call stores its image (the eviction it
        # causes writes none: the evicted interpreter ran nothing since its image), and the process
        # is killed.
        victim = conversations[0]
        for conversation in conversations:
            wait_for_row(server.internal, conversation.id, conversation.seen)
        with contextlib.closing(sqlite3.connect(server.internal, timeout=10)) as conn:
            journal_mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            if journal_mode == "wal":
                checkpoint(conn)
        if journal_mode != "wal":
            # A rollback journal is written over the whole transaction: the random kills above land
            # inside one often enough (the journal is then hot, and the restart rolls it back).
            graceful_stop(server)
            decoded(server.internal)
            with capsys.disabled():
                print(
                    "\n[faults] "
                    + "\n[faults] ".join(report)
                    + f"\n[faults] no torn WAL round: journal_mode {journal_mode}"
                )
            return
        result = run(server, victim.id, snippet(victim.token, BLOB))
        victim.seen = victim.accept(result["stdout"])
        wait_for_row(server.internal, victim.id, victim.seen)
        wait_until_quiet(wal)  # datasette-agent's last writes of the turn
        server.kill9()
        transactions, _, page_size = wal_transactions(wal)
        # Whatever followed the image (even a write the kill tore) is dropped by the cut below. An
        # unchanged image is never written again, so the victim's is the only one.
        images = [(first, count) for first, count in transactions if holds_an_image(wal, first, count, page_size)]
        assert len(images) == 1, f"expected one image transaction in the WAL, got {transactions}"
        first, count = images[0]
        cut = first + count // 2
        with open(wal, "r+b") as out:
            out.truncate(32 + cut * (24 + page_size))
        server.start()
        # The cut also dropped whatever followed the image (datasette-agent's last writes).
        last_call = victim.seen
        summary, restored = check_after_restart(server, conversations)
        assert restored[victim.id] == last_call - 1, summary
        report.append(
            f"torn image transaction ({count} frames, cut after {count // 2}): last seen->restored to: {' '.join(summary)}"
        )
        graceful_stop(server)
        decoded(server.internal)
    with capsys.disabled():
        print("\n[faults] " + "\n[faults] ".join(report))


# A full or read-only sessions database --------------------------------------------------------


def mount(*arguments: str) -> None:
    subprocess.run(["mount", *arguments], check=True, capture_output=True, text=True)


def unmount(path: Path) -> None:
    if subprocess.run(["umount", str(path)], capture_output=True).returncode:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def require_mount(tmp_path: Path) -> None:
    """Skip unless this process may mount file systems (root with CAP_SYS_ADMIN)."""
    probe = tmp_path / "mount-probe"
    probe.mkdir()
    try:
        mount("-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe))
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f"cannot mount a file system here: {getattr(error, 'stderr', error)}")
    unmount(probe)


def fill(directory: Path) -> Path:
    """Fill the file system of `directory` to the last byte; the filler file, to delete for room."""
    filler = directory / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        for chunk in (64 * 1024, 4096, 512, 1):
            try:
                while os.write(descriptor, b"\xff" * chunk):
                    pass
            except OSError:
                pass
    finally:
        os.close(descriptor)
    return filler


@contextlib.contextmanager
def mounted(tmp_path: Path, name: str, *arguments: str) -> Iterator[Path]:
    """A folder of tmp_path with a file system mounted on it (skips where mounting is not allowed)."""
    require_mount(tmp_path)
    folder = tmp_path / name
    folder.mkdir()
    mount(*arguments, str(folder))
    try:
        yield folder
    finally:
        unmount(folder)


def bind_mounted(tmp_path: Path) -> contextlib.AbstractContextManager[Path]:
    """A folder that can be remounted read-only, which stops even root from writing."""
    source = tmp_path / "source"
    source.mkdir()
    return mounted(tmp_path, "sessions", "--bind", str(source))


def first_stored_call(server: DatasetteServer, sessions_db: Path) -> str:
    """Start a conversation that runs `x = 'a1'`, and wait for its image."""
    conversation = start_conversation(server)
    assert run(server, conversation, "x = 'a1'")["state"] == "new"
    wait_for_row(sessions_db, conversation, 1)
    return conversation


def sessions_server(tmp_path: Path, sessions_db: Path) -> DatasetteServer:
    """A server that stores sessions in `sessions_db` (created if missing), served as `sessions`."""
    sqlite3.connect(sessions_db).close()
    return DatasetteServer(
        tmp_path / "server",
        databases=[sessions_db],
        plugin_config={"sessions_database": "sessions", "max_sessions": 16, "fuel": 10**9},
    )


def warnings(server, conversation_id) -> int:
    return server.log_text().count(f"Could not store the session of conversation {conversation_id}")


def test_a_full_disk_keeps_the_state_live_and_warns(tmp_path):
    with (
        mounted(tmp_path, "disk", "-t", "tmpfs", "-o", "size=1m", "tmpfs") as disk,
        sessions_server(tmp_path, disk / "sessions.db") as server,
    ):
        sessions_db = disk / "sessions.db"
        a = first_stored_call(server, sessions_db)
        filler = fill(disk)
        for python, state in (("x = 'a2'", "live"), ("x += '!'", "live")):
            result = run(server, a, python)
            assert result["ok"] and result["state"] == state and "state_note" not in result, result
        b = start_conversation(server)
        assert run(server, b, "y = 'b1'")["state"] == "new"
        result = run(server, b, "print(y)")
        assert result["state"] == "live" and result["stdout"] == "b1\n", result
        assert run(server, a, "print(x)")["stdout"] == "a2!\n"
        # Each failed write is logged, clearly, and the previous image is intact.
        assert warnings(server, a) >= 2 and warnings(server, b) >= 1, server.log_text()[-2000:]
        assert "database or disk is full" in server.log_text()
        assert decoded(sessions_db)[a]["calls"] == 1
        assert b not in rows(sessions_db)

        # Room again: the next call of each conversation stores its image.
        filler.unlink()
        assert run(server, a, "x += '?'")["state"] == "live"
        assert run(server, b, "y += '?'")["state"] == "live"
        wait_for_row(sessions_db, a, 5)
        wait_for_row(sessions_db, b, 3)
        graceful_stop(server)
        server.start()
        result = run(server, a, "print(x)")
        assert result["state"] == "restored" and result["stdout"] == "a2!?\n" and "state_note" not in result, result
        result = run(server, b, "print(y)")
        assert result["state"] == "restored" and result["stdout"] == "b1?\n", result
        wait_for_row(sessions_db, a, 6)

        # Full again, and a graceful stop: the shutdown hook tries, fails and says so; only the
        # call that was never stored is lost.
        filler = fill(disk)
        assert run(server, a, "x = 'never stored'")["state"] == "live"
        before = warnings(server, a)
        graceful_stop(server)
        assert warnings(server, a) > before, server.log_text()[-2000:]
        filler.unlink()
        server.start()
        result = run(server, a, "print(x)")
        assert result["state"] == "restored" and result["stdout"] == "a2!?\n", result
        decoded(sessions_db)


def test_a_read_only_sessions_database_keeps_the_state_live_and_warns(tmp_path):
    with bind_mounted(tmp_path) as sessions, sessions_server(tmp_path, sessions / "sessions.db") as server:
        sessions_db = sessions / "sessions.db"
        a = first_stored_call(server, sessions_db)
        # kill -9, not a graceful stop: the next test covers a read-only database after a clean stop.
        server.kill9()

        # Read-only, even for root: the server starts, restores, answers and warns.
        mount("-o", "remount,bind,ro", str(sessions))
        server.start()
        result = run(server, a, "x += '+'\nprint(x)")
        assert result["ok"] and result["state"] == "restored" and result["stdout"] == "a1+\n", result
        result = run(server, a, "x += '+'\nprint(x)")
        assert result["state"] == "live" and result["stdout"] == "a1++\n", result
        b = start_conversation(server)
        assert run(server, b, "y = 'b1'")["state"] == "new"
        assert run(server, b, "print(y)")["stdout"] == "b1\n"
        assert warnings(server, a) >= 2 and warnings(server, b) >= 1, server.log_text()[-2000:]
        assert "readonly database" in server.log_text()
        graceful_stop(server)

        # Writable again: the image of call 1 is intact; what ran read-only is lost.
        mount("-o", "remount,bind,rw", str(sessions))
        assert decoded(sessions_db)[a]["calls"] == 1
        server.start()
        restored = run(server, a, "print(x)")
        assert restored["state"] == "restored" and restored["stdout"] == "a1\n", restored
        result = run(server, b, "print('y' in globals())")
        assert result["state"] == "new" and result["stdout"] == "False\n", result
        assert "lost" in restored["state_note"], restored
        wait_for_row(sessions_db, a, 2)


def test_a_read_only_sessions_database_after_a_clean_shutdown_still_serves(tmp_path):
    with bind_mounted(tmp_path) as sessions, sessions_server(tmp_path, sessions / "sessions.db") as server:
        sessions_db = sessions / "sessions.db"
        a = first_stored_call(server, sessions_db)
        graceful_stop(server)
        # The state of a database whose last connection closed cleanly (or a copy of the
        # file alone): no -wal or -shm file.
        with contextlib.closing(sqlite3.connect(sessions_db)) as conn:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        assert sorted(path.name for path in sessions.iterdir()) == ["sessions.db"]
        mount("-o", "remount,bind,ro", str(sessions))
        server.start()
        result = run(server, a, "x += '+'\nprint(x)")
        assert result["state"] == "restored" and result["stdout"] == "a1+\n", result


def test_a_restore_missing_calls_says_so_with_sessions_database(tmp_path):
    """What a kill -9 between a result and its image write leaves (or a stop on a full or
    read-only disk), made on purpose: the image of call 1 while the model saw call 2."""
    sessions_db = tmp_path / "sessions.db"
    with sessions_server(tmp_path, sessions_db) as server:
        a = start_conversation(server)
        assert run(server, a, "x = 1")["state"] == "new"
        older = wait_for_row(sessions_db, a, 1)
        assert run(server, a, "x = 2")["calls"] == 2
        graceful_stop(server)
        with contextlib.closing(sqlite3.connect(sessions_db)) as conn, conn:
            conn.execute(f"UPDATE {TABLE} SET image = ?, calls = 1 WHERE conversation_id = ?", [older["image"], a])
        assert reported_calls(server.internal, a) == 2
        server.start()
        result = run(server, a, "print(x)")
        assert result["state"] == "restored" and result["stdout"] == "1\n", result
        assert "the last 1 call(s) ran but their effects were lost" in result.get("state_note", ""), result


# Damaged rows and an upgraded artifact -------------------------------------------------------


def flip_body_bit(image: bytes) -> bytes:
    """Flip one bit three quarters of the way in: inside the zstd-compressed pages."""
    position = len(image) * 3 // 4
    return image[:position] + bytes([image[position] ^ 0x10]) + image[position + 1 :]


def with_fingerprint(image: bytes, fingerprint: str) -> bytes:
    snapshot = Snapshot.decode(image)
    snapshot.fingerprint = fingerprint
    return snapshot.encode()


def flip_page_list_bit(image: bytes) -> bytes:
    """Flip one bit in a digit of the header's page list, leaving the checksum as it was."""
    (length,) = struct.unpack_from("<I", image, len(MAGIC) + 4)
    start = len(MAGIC) + 8
    header = image[start : start + length]
    position = header.index(b'"pages":[[') + len(b'"pages":[[')
    damaged = bytearray(image)
    damaged[start + position] ^= 1
    return bytes(damaged)


def store_state(server, token):
    conversation_id = start_conversation(server)
    first = run(server, conversation_id, snippet(token))
    assert first["state"] == "new", first
    return conversation_id, parse(first["stdout"], token)[1]


def damage_rows(db_path, damages: dict) -> None:
    """Apply `damages` (conversation id -> function of the image, or of the row) with sqlite3."""
    with contextlib.closing(sqlite3.connect(db_path)) as conn, conn:
        for conversation_id, damage in damages.items():
            [image] = conn.execute(f"SELECT image FROM {TABLE} WHERE conversation_id = ?", [conversation_id]).fetchone()
            damaged = damage(image)
            conn.execute(
                f"UPDATE {TABLE} SET image = ?, stored_bytes = ? WHERE conversation_id = ?",
                [damaged, len(damaged), conversation_id],
            )


def assert_refused(server, conversation_id, token, reason):
    result = run(server, conversation_id, snippet(token))
    assert result["ok"] and result["state"] == "new", result
    assert parse(result["stdout"], token)[0] == 1
    note = result.get("state_note", "")
    assert "could not be restored" in note and reason in note and "fresh interpreter" in note, result
    assert f"Discarding the stored session of conversation {conversation_id}" in server.log_text()
    return result


def assert_continues(server, conversation_id, token, blob_hash, count):
    result = run(server, conversation_id, snippet(token))
    assert result["ok"] and result["state"] == "restored" and "state_note" not in result, result
    assert parse(result["stdout"], token) == (count, blob_hash)


def test_damaged_rows_are_refused_with_a_note_and_the_others_restore(tmp_path):
    with DatasetteServer(tmp_path, plugin_config={"fuel": 10**9}) as server:
        damages = {
            "truncated": (lambda image: image[: len(image) // 2], "truncated"),
            "header only": (lambda image: image[: len(MAGIC) + 4 + 40], "truncated"),
            "bit flipped": (flip_body_bit, "damaged"),
            "other build": (lambda image: with_fingerprint(image, "0" * 32), "different build or configuration"),
        }
        victims = {name: store_state(server, f"victim-{i}") for i, name in enumerate(damages)}
        bystanders = [store_state(server, f"bystander-{i}") for i in range(2)]
        graceful_stop(server)
        damage_rows(server.internal, {victims[name][0]: damage for name, (damage, _) in damages.items()})

        server.start()
        for i, (name, (_, reason)) in enumerate(damages.items()):
            assert_refused(server, victims[name][0], f"victim-{i}", reason)
        for i, (conversation_id, blob_hash) in enumerate(bystanders):
            assert_continues(server, conversation_id, f"bystander-{i}", blob_hash, 2)
        # The damaged images are gone; each victim now has the image of its fresh interpreter.
        for conversation_id, _ in victims.values():
            wait_for_row(server.internal, conversation_id, 1)
        decoded(server.internal)


def test_a_bit_flip_in_the_image_header_is_refused_with_a_note(tmp_path):
    with DatasetteServer(tmp_path, plugin_config={"fuel": 10**9}) as server:
        victim, _ = store_state(server, "victim")
        bystander, blob_hash = store_state(server, "bystander")
        graceful_stop(server)
        damage_rows(server.internal, {victim: flip_page_list_bit})
        server.start()
        assert_continues(server, bystander, "bystander", blob_hash, 2)
        assert_refused(server, victim, "victim", "")


def test_images_of_an_upgraded_build_are_refused_cleanly(tmp_path):
    with DatasetteServer(tmp_path, plugin_config={"fuel": 10**9}) as server:
        tokens = [f"before-upgrade-{i}" for i in range(3)]
        conversations = [store_state(server, token)[0] for token in tokens]
        graceful_stop(server)
        current = {row["fingerprint"] for row in decoded(server.internal).values()}
        assert len(current) == 1
        # What the previous build would have written: its own fingerprint, in the image and the row.
        old = "0123456789abcdef" * 2
        with contextlib.closing(sqlite3.connect(server.internal)) as conn, conn:
            for conversation_id, image in conn.execute(f"SELECT conversation_id, image FROM {TABLE}").fetchall():
                conn.execute(
                    f"UPDATE {TABLE} SET image = ?, fingerprint = ? WHERE conversation_id = ?",
                    [with_fingerprint(image, old), old, conversation_id],
                )

        server.start()
        for conversation_id, token in zip(conversations, tokens):
            assert_refused(server, conversation_id, token, "different build or configuration")
            assert parse(run(server, conversation_id, snippet(token))["stdout"], token)[0] == 2  # live again
        for conversation_id in conversations:
            wait_for_row(server.internal, conversation_id, 2)
        assert {row["fingerprint"] for row in decoded(server.internal).values()} == current

        # A real change of what the image depends on: the heap size.
        config = json.loads(server.config_path.read_text())
        config["plugins"]["datasette-agent-micropython"]["memory_bytes"] = 24 * 1024 * 1024
        server.config_path.write_text(json.dumps(config))
        server.restart()
        for conversation_id, token in zip(conversations, tokens):
            assert_refused(server, conversation_id, token, "different build or configuration")
        for conversation_id in conversations:
            wait_for_row(server.internal, conversation_id, 1)
        assert not {row["fingerprint"] for row in decoded(server.internal).values()} & current


# Calls racing on one conversation while it is evicted ------------------------------------------


def test_calls_racing_on_one_conversation_during_eviction_through_the_server(tmp_path):
    """The through-the-server version of test_hostile's: one live slot, three conversations, two
    concurrent calls on each, every round; then a graceful restart."""
    with DatasetteServer(tmp_path, plugin_config={"max_sessions": 1, "fuel": 10**9}) as server:
        conversations = [start_conversation(server) for _ in range(3)]
        for conversation_id in conversations:
            assert run(server, conversation_id, "n = 0")["state"] == "new"
        with ThreadPoolExecutor(6) as pool:
            for round_number in range(3):
                calls = [c for c in conversations for _ in range(2)]
                results = list(pool.map(lambda c: run(server, c, "n += 1\nprint(n)"), calls))
                for conversation_id in conversations:
                    mine = [r for c, r in zip(calls, results) if c == conversation_id]
                    assert all(r["ok"] and r["state"] in ("live", "restored") for r in mine), mine
                    # One at a time, nothing lost: the two calls saw consecutive values.
                    assert sorted(int(r["stdout"]) for r in mine) == [2 * round_number + 1, 2 * round_number + 2], mine
        graceful_stop(server)
        assert {row["calls"] for row in decoded(server.internal).values()} == {7}
        server.start()
        for conversation_id in conversations:
            result = run(server, conversation_id, "print(n)")
            assert result["state"] == "restored" and result["stdout"] == "6\n", result
