#!/usr/bin/env python3
"""Whole against chunked image encoding, on real ~1 MB and ~8 MB sessions (issue 14, snapshots).

    .venv/bin/python benchmarks/snapshot_chunks.py            # about a minute
    .venv/bin/python benchmarks/snapshot_chunks.py --quick    # a few samples each
    .venv/bin/python benchmarks/snapshot_chunks.py --json
    .venv/bin/python benchmarks/snapshot_chunks.py --manager-only --package-root /work/main

The last form measures only the end-to-end row below, with the package of another checkout
(for a before/after comparison against code that has no chunked images).

Each session holds the same live data as benchmarks/run.py's restore and snapshot rows. After every
`x += 1` it takes a Snapshot and measures, on that same Snapshot:
- whole: one zstd frame over all non-zero pages (the format-2 image body);
- chunked, cold: `Snapshot.encode()`, every chunk compressed (a session's first image);
- chunked, warm: `Snapshot.encode_reusing(previous)`, the chunks unchanged since the session's
  previous image reused; at 16, 64 and 256 pages per chunk;
- the SQLite write of the warm image (`SnapshotStore.save`, internal database file, WAL);
- `Snapshot.decode` of the whole and of the chunked image.
And, end to end through a SessionManager with a SnapshotStore on an internal database file (WAL,
as the plugin sets it): the time from `SessionManager.run()` returning until the conversation's
image is written, i.e. the longest a next call arriving at once would wait for it.
It reports p50 and p95 (nearest rank) in ms, image sizes, and how many chunks were recompressed.
A measurement, never a gate.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import zstandard

REPO = Path(__file__).resolve().parent.parent
# The same live data as benchmarks/run.py: gc.mem_alloc() about 1 MB and 8 MB after a collection.
SIZES = {"1mb": 25_000, "8mb": 178_000}
CHUNK_SIZES = (16, 64, 256)


def setup_limits():
    """Limits for building and calling the big sessions: 16 MiB, no fuel limit, a long timeout."""
    try:
        from datasette_agent_micropython.settings import Limits
    except ImportError:
        from datasette_agent_micropython.settings import Limits
    return Limits(memory_bytes=16 * 1024 * 1024, fuel=None, timeout_seconds=120.0)


def data_code(items: int) -> str:
    return f"x = 0\nnative_str = str\ndata = [native_str(i) * 3 for i in range({items})]"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def stats(values: list[float]) -> dict:
    return {"p50": round(percentile(values, 0.5), 3), "p95": round(percentile(values, 0.95), 3), "n": len(values)}


def ms(start: float, end: float) -> float:
    return (end - start) * 1000


async def make_store(directory: Path):
    from datasette.app import Datasette

    from datasette_agent_micropython.store import SnapshotStore

    ds = Datasette(memory=False, internal=str(directory / "internal.db"))
    await ds.invoke_startup()
    store = SnapshotStore(ds.get_internal_database(), write_ahead_log=True)
    await store.prepare()
    return store


async def measure(size: str, samples: int, store) -> dict:
    from datasette_agent_micropython.sessions import shared_runtime
    from datasette_agent_micropython.snapshot import ZSTD_LEVEL, Snapshot, chunk_spans

    session = shared_runtime().new_session(setup_limits())
    try:
        assert session.run(data_code(SIZES[size])).ok
        for _ in range(3):
            assert session.run("x += 1").ok
        whole_compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL, write_checksum=True)
        previous = {
            chunk_pages: Snapshot.encode_reusing(session.snapshot(), None, chunk_pages)[1]
            for chunk_pages in CHUNK_SIZES
        }
        times: dict[str, list[float]] = {}
        sizes: dict[str, int] = {}
        recompressed: dict[int, list[int]] = {chunk_pages: [] for chunk_pages in CHUNK_SIZES}
        for _ in range(samples):
            assert session.run("x += 1").ok
            start = time.perf_counter()
            snapshot = session.snapshot()
            captured = time.perf_counter()
            whole = whole_compressor.compress(snapshot.data)
            whole_done = time.perf_counter()
            cold = snapshot.encode()
            cold_done = time.perf_counter()
            times.setdefault("Session.snapshot() (capture)", []).append(ms(start, captured))
            times.setdefault("whole: one zstd frame", []).append(ms(captured, whole_done))
            times.setdefault("chunked 16, cold: Snapshot.encode()", []).append(ms(whole_done, cold_done))
            sizes["non-zero pages"] = len(snapshot.data)
            sizes["whole"] = len(whole)
            sizes["chunked 16"] = len(cold)
            for chunk_pages in CHUNK_SIZES:
                before = time.perf_counter()
                image, encoded = snapshot.encode_reusing(previous[chunk_pages], chunk_pages)
                after = time.perf_counter()
                times.setdefault(f"chunked {chunk_pages}, warm: encode_reusing(previous)", []).append(ms(before, after))
                sizes[f"chunked {chunk_pages}, warm"] = len(image)
                changed = sum(
                    1 for chunk, frame in encoded.frames.items() if previous[chunk_pages].frames.get(chunk) is not frame
                )
                recompressed[chunk_pages].append(changed)
                previous[chunk_pages] = encoded
                if chunk_pages == 16:
                    warm_image = image
            before = time.perf_counter()
            await store.save(f"bench-{size}", None, snapshot, warm_image)
            times.setdefault("SnapshotStore.save() of the warm image (SQLite)", []).append(
                ms(before, time.perf_counter())
            )
            before = time.perf_counter()
            Snapshot.decode(warm_image)
            decoded = time.perf_counter()
            Snapshot.decode(format2_image(snapshot, whole))
            times.setdefault("Snapshot.decode(), chunked 16", []).append(ms(before, decoded))
            times.setdefault("Snapshot.decode(), format-2 whole", []).append(ms(decoded, time.perf_counter()))
        chunks = {chunk_pages: len(chunk_spans(snapshot.pages, chunk_pages)) for chunk_pages in CHUNK_SIZES}
        return {
            "size": size,
            "ms": {name: stats(values) for name, values in times.items()},
            "bytes": sizes,
            "chunks_recompressed": {
                f"{chunk_pages} pages": {"p50": percentile(values, 0.5), "max": max(values), "of": chunks[chunk_pages]}
                for chunk_pages, values in recompressed.items()
            },
        }
    finally:
        session.close()


async def manager_added(size: str, samples: int, store) -> dict:
    """From SessionManager.run() returning to the image written: the image write after a call."""
    from datasette_agent_micropython.sessions import SessionManager
    from datasette_agent_micropython.settings import Settings
    from datasette_agent_micropython.sql import read_only_sql_query

    manager = SessionManager(Settings(limits=setup_limits()), {"read_only_sql_query": read_only_sql_query}, store)
    conversation = f"manager-{size}"
    assert (await manager.run(conversation, data_code(SIZES[size]))).result.ok
    for _ in range(3):
        assert (await manager.run(conversation, "x += 1")).result.ok
        await manager.wait_for_writes()
    added = []
    for _ in range(samples):
        assert (await manager.run(conversation, "x += 1")).result.ok
        start = time.perf_counter()
        await manager.wait_for_writes()
        added.append(ms(start, time.perf_counter()))
    await manager.shutdown()
    return {"size": size, "ms": {"SessionManager: time added before the next call": stats(added)}}


def format2_image(snapshot, body: bytes) -> bytes:
    """The format-2 image of `snapshot` around an already compressed body (as main wrote it)."""
    import struct
    import zlib

    from datasette_agent_micropython.snapshot import FORMAT_VERSION, HEADER_FIELDS, MAGIC_WHOLE, page_runs

    header = {name: getattr(snapshot, name) for name in HEADER_FIELDS}
    header.update(format=FORMAT_VERSION, pages=page_runs(snapshot.pages))
    header_bytes = json.dumps(header, separators=(",", ":")).encode()
    checked = struct.pack("<I", len(header_bytes)) + header_bytes + body
    return MAGIC_WHOLE + struct.pack("<I", zlib.crc32(checked)) + checked


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--manager-only", action="store_true", help="only the end-to-end SessionManager row")
    parser.add_argument("--package-root", default=str(REPO), help="checkout whose package is measured")
    args = parser.parse_args()
    sys.path.insert(0, args.package_root)
    import datasette_agent_micropython

    samples = {"1mb": 3, "8mb": 2} if args.quick else {"1mb": 30, "8mb": 15}
    load_before = os.getloadavg()
    results = []
    with tempfile.TemporaryDirectory() as directory:
        store = await make_store(Path(directory))
        for size in SIZES:
            result = {"size": size, "ms": {}} if args.manager_only else await measure(size, samples[size], store)
            result["ms"].update((await manager_added(size, samples[size], store))["ms"])
            results.append(result)
    meta = {
        "package": str(Path(datasette_agent_micropython.__file__).parent),
        "load_before": [round(v, 2) for v in load_before],
        "load_after": [round(v, 2) for v in os.getloadavg()],
    }
    if args.json:
        print(json.dumps({"meta": meta, "results": results}, indent=2))
        return 0
    for result in results:
        print(f"\n~{result['size'][:-2]} MB session")
        for name, figures in result["ms"].items():
            print(f"  {name:<52} p50 {figures['p50']:8.2f} ms   p95 {figures['p95']:8.2f} ms   (n={figures['n']})")
        for name, count in result.get("bytes", {}).items():
            print(f"  {name:<52} {count / 1024:10,.0f} KiB")
        for name, figures in result.get("chunks_recompressed", {}).items():
            print(f"  chunks recompressed, {name:<31} p50 {figures['p50']} max {figures['max']} of {figures['of']}")
    print(f"\npackage {meta['package']}; load average before {meta['load_before']}, after {meta['load_after']}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
