"""Calls: the first call of a new conversation, and warm calls, ours against the baseline."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from harness import (
    CPU_ITERATIONS,
    CPU_SNIPPET,
    FUEL,
    RAISED_FUEL,
    Context,
    Line,
    Row,
    baseline_fuel_used,
    baseline_session,
    check,
    close_and_wait,
    headline,
    host_functions,
    latency_gain,
    limits,
    make_store,
    manager,
    ms,
    runtime,
    settings,
    settle,
    stats,
    timed,
)

# 1. First call of a new conversation.


async def bench_first_call(ctx: Context) -> list[Row]:
    counts = ctx.counts
    row = Row("first_call", "1. first call", "first call of a new conversation (warm process)", "ms")
    _, store = await make_store(ctx.tmp, "first-call")
    # Room for every sample: an eviction's background work would land in the next sample.
    m = manager(settings(max_sessions=counts.first_call_ours + 1), store)
    rt = runtime()
    # Warm the process: one call each before measuring.
    await m.run("first-warmup", "x = 1")
    await settle(m)
    with baseline_session() as warm:
        warm.run("x = 1")

    via_manager, via_runtime, base, closing = [], [], [], []
    for i in range(max(counts.first_call_ours, counts.first_call_base)):
        if i < counts.first_call_ours:
            outcome, seconds = await timed(m.run(f"first-{i}", "x = 1"))
            check(outcome.result, "first call")
            assert outcome.state == "new", outcome.state
            via_manager.append(ms(seconds))
            await settle(m)
            start = time.perf_counter()
            session = rt.new_session(limits(), host_functions())
            result = session.run("x = 1")
            via_runtime.append(ms(time.perf_counter() - start))
            check(result, "first call")
            closing.append(ms(close_and_wait(session)))
        if i < counts.first_call_base:
            try:
                start = time.perf_counter()
                session = baseline_session()
                session.run("x = 1")
                base.append(ms(time.perf_counter() - start))
                session.close()
            except Exception as error:  # the baseline is a third party: report, carry on
                row.baseline_note = f"baseline failed: {error}"
    await m.shutdown()

    row.ours = stats(via_manager)
    row.baseline = stats(base) if base else None
    latency_gain(row)
    row.target = ">= 50x faster"
    if row.gain is not None:
        row.target_met = row.gain >= 50
        row.target_status = "met" if row.target_met else f"missed: {row.gain:.1f}x (needs 50x)"
    row.lines.append(Line("ours via Runtime.new_session() + run(), no store", "ms", stats(via_runtime)))
    row.lines.append(Line("ours: Session.close() until its thread ends (not in the above)", "ms", stats(closing)))
    row.notes.append(
        "ours: SessionManager.run() for a new conversation id, with a SnapshotStore on an internal "
        "DB file (includes the store lookup; the image write after the call is not included; "
        "max_sessions is raised so that no eviction runs during the row). "
        "Baseline: MicroPythonSession() + run('x = 1'), which builds an engine and compiles the "
        "module for every session; ours loads the compiled module once per process."
    )
    return [row]


# 2. Warm calls.


def _interleaved(ours_call: Callable[[], Any], base_call: Callable[[], Any], n: int) -> tuple[list, list]:
    ours, base = [], []
    for _ in range(n):
        start = time.perf_counter()
        ours_call()
        ours.append(ms(time.perf_counter() - start))
        start = time.perf_counter()
        base_call()
        base.append(ms(time.perf_counter() - start))
    return ours, base


async def bench_warm(ctx: Context) -> list[Row]:
    from datasette_agent_micropython.settings import Limits

    counts = ctx.counts
    rt = runtime()
    rows = []

    # Sessions with the baseline's settings, and with raised fuel in case the CPU loop needs it.
    ours_session = rt.new_session(limits(), host_functions())
    ours_roomy = rt.new_session(limits(RAISED_FUEL), host_functions())
    base_session = baseline_session()
    base_roomy = baseline_session(RAISED_FUEL)
    try:
        for session in (ours_session, ours_roomy):
            check(session.run("x = 0"), "setup")
        for session in (base_session, base_roomy):
            session.run("x = 0")

        # x += 1.
        row = Row("warm_call_x_plus_1", "2. warm call", "warm call: x += 1", "ms")
        for _ in range(5):
            ours_session.run("x += 1")
            base_session.run("x += 1")
        fuel = {}

        def ours_call():
            result = ours_session.run("x += 1")
            check(result, "x += 1")
            fuel["ours"] = result.fuel_used

        def base_call():
            result = base_session.run("x += 1")
            fuel["base"] = baseline_fuel_used(base_session, result)

        ours, base = _interleaved(ours_call, base_call, counts.warm)
        row.ours, row.baseline = stats(ours), stats(base)
        row.ours["fuel"], row.baseline["fuel"] = fuel["ours"], fuel["base"]
        _warm_target(row)
        row.notes.append(
            f"Runtime API: Session.run() vs MicroPythonSession.run(), calls interleaved. Fuel per call: "
            f"ours {fuel['ours']:,}, baseline {fuel['base']:,} (the baseline counts its whole loop turn)."
        )
        rows.append(row)

        # The ~10 ms CPU loop. Find what it costs first; raise the fuel equally if it needs more.
        row = Row(
            "warm_call_cpu_10ms", "2. warm call", f"warm call: ~10 ms CPU loop ({CPU_ITERATIONS:,} iterations)", "ms"
        )
        base_cost = baseline_fuel_used(base_roomy, base_roomy.run(CPU_SNIPPET))
        ours_cost = ours_roomy.run(CPU_SNIPPET).fuel_used
        raised = max(base_cost, ours_cost) > FUEL
        ours_cpu, base_cpu = (ours_roomy, base_roomy) if raised else (ours_session, base_session)
        for _ in range(2):
            check(ours_cpu.run(CPU_SNIPPET), "cpu loop")
            base_cpu.run(CPU_SNIPPET)
        ours, base = _interleaved(
            lambda: check(ours_cpu.run(CPU_SNIPPET), "cpu loop"),
            lambda: base_cpu.run(CPU_SNIPPET),
            counts.warm_cpu,
        )
        row.ours, row.baseline = stats(ours), stats(base)
        row.ours["fuel"], row.baseline["fuel"] = ours_cost, base_cost
        _warm_target(row)
        if raised:
            row.notes.append(
                f"The loop costs {base_cost:,} fuel in the baseline and {ours_cost:,} in ours, more than "
                f"the {FUEL:,} limit, so both ran this row with fuel = {RAISED_FUEL:,}."
            )
        else:
            row.notes.append(f"The loop costs {base_cost:,} fuel in the baseline and {ours_cost:,} in ours.")
        rows.append(row)

        # The same loop at each one's default settings: ours does not meter fuel unless a limit is
        # set; the baseline always meters, and its default 10M fuel cannot finish the loop.
        row = Row(
            "warm_call_cpu_10ms_defaults",
            "2. warm call",
            f"warm call: ~10 ms CPU loop, each at its defaults ({CPU_ITERATIONS:,} iterations)",
            "ms",
        )
        ours_defaults = rt.new_session(Limits(), host_functions())
        try:
            check(ours_defaults.run("x = 0"), "setup")
            for _ in range(2):
                check(ours_defaults.run(CPU_SNIPPET), "cpu loop")
            ours, base = _interleaved(
                lambda: check(ours_defaults.run(CPU_SNIPPET), "cpu loop"),
                lambda: base_cpu.run(CPU_SNIPPET),
                counts.warm_cpu,
            )
        finally:
            close_and_wait(ours_defaults)
        row.ours, row.baseline = stats(ours), stats(base)
        latency_gain(row)
        row.target = "faster than the baseline"
        row.target_met = row.ours["p50"] < row.baseline["p50"]
        row.target_status = "met" if row.target_met else f"missed: {row.ours['p50'] / row.baseline['p50'] - 1:+.0%}"
        row.notes.append(
            "Ours with Limits() (no fuel limit, so no fuel metering); the baseline always meters fuel, "
            f"and ran with fuel = {RAISED_FUEL:,} because its default {FUEL:,} cannot finish the loop."
            if raised
            else "Ours with Limits() (no fuel limit, so no fuel metering); the baseline always meters fuel."
        )
        rows.append(row)
    finally:
        for session in (ours_session, ours_roomy):
            close_and_wait(session)
        for session in (base_session, base_roomy):
            session.close()
    return rows


def _warm_target(row: Row) -> None:
    latency_gain(row)
    row.target = "<= baseline +10%"
    ours, base = headline(row.ours), headline(row.baseline)
    if ours is None or base is None:
        return
    change = ours / base - 1
    row.target_met = change <= 0.10
    row.target_status = "met" if row.target_met else f"missed: {change:+.0%} vs baseline (limit +10%)"
