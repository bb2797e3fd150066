"""Images: restore of an evicted conversation and the cost of a snapshot after a call, at three
sizes of live data."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from harness import (
    KIB,
    MEMORY_BYTES,
    MIB,
    NO_SNAPSHOTS,
    SETUP_FUEL,
    SETUP_TIMEOUT_SECONDS,
    SIZE_LABELS,
    SIZES,
    Context,
    Line,
    Row,
    check,
    close_and_wait,
    data_code,
    headline,
    host_functions,
    limits,
    make_store,
    manager,
    ms,
    percentile,
    runtime,
    settings,
    settle,
    stats,
    target_at_most,
    timed,
    value,
)

# 3 and 4. Images of three sizes, restore and snapshot.


@dataclass
class Image:
    size: str
    snapshot: Any
    blob: bytes
    heap_in_use: int
    steady_fuel: int
    fuel_after_gc: int


def make_image(size: str) -> Image:
    """A session holding the size's live data, warmed to a steady state, and its image.

    The heap figure comes from a twin session, because a collection changes the session: after
    one, every later snippet pays for the allocator scanning past the live data (see fuel_after_gc).
    """
    rt = runtime()
    items = SIZES[size]
    session = rt.new_session(limits(SETUP_FUEL, SETUP_TIMEOUT_SECONDS), host_functions())
    check(session.run(data_code(items)), "setup")
    steady = 0
    for _ in range(3):
        result = session.run("x += 1")
        check(result, "setup")
        steady = result.fuel_used
    snapshot = session.snapshot()
    blob = snapshot.encode()
    close_and_wait(session)

    twin = rt.new_session(limits(SETUP_FUEL, SETUP_TIMEOUT_SECONDS), host_functions())
    check(twin.run(data_code(items)), "setup")
    result = twin.run("import gc\ngc.collect()\nprint(gc.mem_alloc())")
    check(result, "setup")
    heap = int(result.stdout.strip())
    after_gc = 0
    for _ in range(4):
        result = twin.run("x += 1")
        check(result, "setup")
        after_gc = result.fuel_used
    close_and_wait(twin)
    return Image(size, snapshot, blob, heap, steady, after_gc)


async def bench_restore(ctx: Context) -> list[Row]:
    from datasette_agent_micropython.snapshot import Snapshot

    counts = ctx.counts
    rt = runtime()
    _, store = await make_store(ctx.tmp, "restore")
    m = manager(settings(max_sessions=1), store)
    rows = []
    for size, image in ctx.images.items():
        n = counts.restore_8mb if size == "8mb" else counts.restore
        row = Row(f"restore_{size}", "3. restore", f"restore, {SIZE_LABELS[size]} session", "ms")
        decode, restore, restore_call, closing, call_fuel = [], [], [], [], 0
        # CPU of the whole process (every thread: the restore, the pool's replacement boots, closes),
        # per restore: unlike wall time, it does not depend on the machine's load.
        cpu_start = time.process_time()
        for _ in range(n):
            start = time.perf_counter()
            decoded = Snapshot.decode(image.blob, MEMORY_BYTES)
            decoded_at = time.perf_counter()
            session = rt.new_session(limits(), host_functions(), decoded)
            ready = time.perf_counter()
            result = session.run("x += 1")
            done = time.perf_counter()
            if session.restore_error or not session.restored:
                raise RuntimeError(f"restore failed: {session.restore_error}")
            check(result, "first call after restore")
            call_fuel = result.fuel_used
            closing.append(ms(close_and_wait(session)))
            decode.append(ms(decoded_at - start))
            restore.append(ms(ready - start))
            restore_call.append(ms(done - start))
        cpu_per_restore = ms((time.process_time() - cpu_start) / n)

        # Through the manager: max_sessions 1, so calling another conversation evicts this one.
        conversation = f"restore-{size}"
        await store.save(conversation, None, image.snapshot, image.blob)
        via_manager = []
        for _ in range(n):
            outcome, seconds = await timed(m.run(conversation, "x += 1"))
            check(outcome.result, "restored call")
            if outcome.state != "restored":
                raise RuntimeError(f"expected a restore, got {outcome.state}: {outcome.reasons}")
            via_manager.append(ms(seconds))
            await settle(m)
            await m.run("restore-other", "pass")
            await settle(m)

        row.ours = stats(restore)
        row.baseline_note = NO_SNAPSHOTS
        # Issue 14: 3 ms fresh, 5 ms ~1 MB (the ~8 MB figure is the first benchmark's 50 ms).
        limit = {"fresh": 3.0, "1mb": 5.0, "8mb": 50.0}[size]
        target_at_most(row, limit, "ms", lambda v: f"{v:.1f}")
        row.lines += [
            Line("of which Snapshot.decode()", "ms", stats(decode)),
            Line("restore + first call (x += 1)", "ms", stats(restore_call)),
            Line("via SessionManager: evicted conversation's next call", "ms", stats(via_manager)),
            Line("Session.close() until its thread ends (between samples)", "ms", stats(closing)),
            Line("process CPU per restore + call + close, pool refill included", "ms", value(cpu_per_restore)),
        ]
        row.notes.append(
            f"{SIZE_LABELS[size]}: gc.mem_alloc() {image.heap_in_use / MIB:.2f} MiB after a collection; "
            f"image {len(image.snapshot.pages) * 4096 / KIB:,.0f} KiB of non-zero pages, "
            f"{len(image.blob) / KIB:,.0f} KiB stored. Restore = Snapshot.decode() + "
            f"Runtime.new_session(snapshot=...) until the session is ready. x += 1 costs {call_fuel:,} fuel "
            f"after restore; in a twin session that ran one gc.collect() it costs {image.fuel_after_gc:,}."
        )
        rows.append(row)
    await m.shutdown()
    return rows


async def bench_snapshot(ctx: Context) -> list[Row]:
    from datasette_agent_micropython.snapshot import Snapshot

    counts = ctx.counts
    rt = runtime()
    _, store = await make_store(ctx.tmp, "snapshot")
    with_store = manager(settings(fuel=SETUP_FUEL, timeout=SETUP_TIMEOUT_SECONDS), store)
    no_store = manager(settings(fuel=SETUP_FUEL, timeout=SETUP_TIMEOUT_SECONDS), None)
    added_rows, byte_rows = [], []
    for size, image in ctx.images.items():
        n = counts.snapshot_8mb if size == "8mb" else counts.snapshot
        # Runtime API: what the manager does on its executor after each call.
        session = rt.new_session(limits(), host_functions(), Snapshot.decode(image.blob, MEMORY_BYTES))
        capture, encode, total, stored, raw = [], [], [], [], []
        for _ in range(n):
            check(session.run("x += 1"), "x += 1")
            start = time.perf_counter()
            snapshot = session.snapshot()
            captured = time.perf_counter()
            blob = snapshot.encode()
            encoded = time.perf_counter()
            capture.append(ms(captured - start))
            encode.append(ms(encoded - captured))
            total.append(ms(encoded - start))
            stored.append(len(blob))
            raw.append(len(snapshot.pages) * 4096)
        close_and_wait(session)
        saves = []
        for _ in range(n):
            _, seconds = await timed(store.save(f"save-{size}", None, snapshot, blob))
            saves.append(ms(seconds))

        # Through managers, with the store and without: the same data, built by a call.
        conversation = f"snapshot-{size}"
        for m in (with_store, no_store):
            check((await m.run(conversation, data_code(SIZES[size]))).result, "setup")
            for _ in range(3):
                check((await m.run(conversation, "x += 1")).result, "setup")
            await settle(m)
        to_free, call_store, next_store, next_plain = [], [], [], []
        for _ in range(n):
            # Result to image written: the longest the next call would wait if it came at once.
            outcome, seconds = await timed(with_store.run(conversation, "x += 1"))
            check(outcome.result, "x += 1")
            call_store.append(ms(seconds))
            _, waited = await timed(settle(with_store))
            to_free.append(ms(waited))
            # The next call, back to back, with the store and without.
            for m, samples in ((with_store, next_store), (no_store, next_plain)):
                check((await m.run(conversation, "x += 1")).result, "x += 1")
                outcome, seconds = await timed(m.run(conversation, "x += 1"))
                check(outcome.result, "x += 1")
                samples.append(ms(seconds))
                await settle(m)

        row = Row(
            f"snapshot_added_{size}", "4. snapshot", f"snapshot after a call, {SIZE_LABELS[size]}: time added", "ms"
        )
        row.ours = stats(to_free)
        row.baseline_note = NO_SNAPSHOTS
        # Issue 14: ~1 MB at most 3 ms, ~8 MB at most 15 ms (fresh keeps the first benchmark's 5 ms).
        target_at_most(row, {"fresh": 5.0, "1mb": 3.0, "8mb": 15.0}[size], "ms", lambda v: f"{v:.1f}")
        delta = headline(stats(next_store)) - headline(stats(next_plain))
        row.lines += [
            Line("Runtime API: Session.snapshot()", "ms", stats(capture)),
            Line("Runtime API: Snapshot.encode() (zstd)", "ms", stats(encode)),
            Line("Runtime API: snapshot + encode", "ms", stats(total)),
            Line("SnapshotStore.save() of that image alone (SQLite write)", "ms", stats(saves)),
            Line("next call back to back, with store", "ms", stats(next_store)),
            Line("next call back to back, no store", "ms", stats(next_plain)),
            Line("difference of those p50s", "ms", value(delta)),
        ]
        row.notes.append(
            "Time added = from SessionManager.run() returning until its image is written (the image "
            "writer's snapshot, encode and SQLite write on an internal DB file, under the conversation's "
            "lock): a next call in the conversation that arrives meanwhile waits at most this long."
        )
        added_rows.append(row)

        row = Row(f"stored_bytes_{size}", "4. snapshot", f"stored bytes, {SIZE_LABELS[size]}", "KiB")
        row.ours = value(percentile(stored, 0.5) / KIB)
        row.baseline_note = NO_SNAPSHOTS
        limit = {"fresh": 64.0, "1mb": 512.0}.get(size)
        if limit is not None:
            target_at_most(row, limit, "KiB", lambda v: f"{v:,.0f}")
        row.lines.append(Line("non-zero pages before compression", "KiB", value(percentile(raw, 0.5) / KIB)))
        byte_rows.append(row)
    for m in (with_store, no_store):
        await m.shutdown()
    return added_rows + byte_rows
