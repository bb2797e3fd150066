"""Per-call overhead against the data a session holds, and allocation-heavy code (issue 14).

- `x = 1` in a session holding about 2 MB of strings and 500 globals, right after a collection and
  right after a burst of allocations: at most 1 ms and 2M fuel. What used to grow with the data:
  gc_alloc's search for multi-block runs (from the first free block, past every smaller hole) and
  the bootstrap's names (built and encoded on every call).
- `[str(i) * 10 for i in range(50000)]`, again and again in one session: at most 50 ms. It was a
  cliff: the `str` helper, and the search again (the fourth run in one session took over 5 s).

Time is wall time on the default, unmetered engine; fuel comes from a second, metered session
given the same calls. The baseline cannot run these: building the data costs more than its 10M
fuel per call, and its artifact is not GC-safe under allocation load.
"""

from __future__ import annotations

import time

from harness import SETUP_FUEL, SETUP_TIMEOUT_SECONDS, Context, Line, Row, check, ms, runtime, stats, target_at_most

SECTION = "per-call overhead"
ROW_IDS = ["x_equals_1_2mb_after_collect", "x_equals_1_2mb_after_burst", "str_times_10_50k"]
MAX_MS, MAX_FUEL = 1.0, 2_000_000
# About 2 MB live (gc.mem_alloc() after a collection: 40,000 strs of 5 to 25 characters and
# their list), and 500 globals bound by code, as an analyst's session binds them.
HOLDING_2MB = (
    "native_str = str\n"
    "data = [native_str(i) * 5 for i in range(40000)]\n"
    "exec('\\n'.join('g%d = %d' % (i, i) for i in range(500)))"
)
COLLECT = "import gc\ngc.collect()"
BURST = "burst = [str(i) * 5 for i in range(20000)]"
PROBE = "x = 1"
STR_TIMES_10 = "r = [str(i) * 10 for i in range(50000)]"
NO_BASELINE = (
    "n/a: the baseline cannot build this session (more than its 10M fuel per call) and its "
    "artifact is not GC-safe under allocation load"
)


def _pair():
    """An unmetered session (for time) and a metered one (for fuel), given the same calls."""
    from datasette_agent_micropython.settings import Limits

    rt = runtime()
    timed = rt.new_session(Limits(fuel=None, timeout_seconds=SETUP_TIMEOUT_SECONDS))
    metered = rt.new_session(Limits(fuel=SETUP_FUEL, timeout_seconds=SETUP_TIMEOUT_SECONDS))
    return timed, metered


def _sample(sessions, before: str | None, code: str) -> tuple[float, int]:
    """Run `before` (unmeasured), then `code`, in both sessions: its wall time and its fuel."""
    timed, metered = sessions
    if before is not None:
        check(timed.run(before), before)
        check(metered.run(before), before)
    start = time.perf_counter()
    result = timed.run(code)
    elapsed = time.perf_counter() - start
    check(result, code)
    fueled = metered.run(code)
    check(fueled, code)
    return ms(elapsed), fueled.fuel_used


def _row(row_id: str, metric: str, samples: list[tuple[float, int]], max_ms: float, max_fuel: int | None) -> Row:
    row = Row(row_id, SECTION, metric, "ms", baseline_note=NO_BASELINE)
    times, fuel = [t for t, _ in samples], [f for _, f in samples]
    row.ours = stats(times)
    row.lines.append(Line("fuel, millions", "Mfuel", stats([f / 1e6 for f in fuel])))
    target_at_most(row, max_ms, "ms", lambda v: f"{v:.3g}")
    if max_fuel is not None:
        fuel_p50 = stats(fuel)["p50"]
        row.target = f"<= {max_ms:g} ms and <= {max_fuel / 1e6:g}M fuel"
        if row.target_met is not None:
            row.target_met = row.target_met and fuel_p50 <= max_fuel
            row.target_status = (
                "met" if row.target_met else f"missed: {stats(times)['p50']:.2f} ms, {fuel_p50 / 1e6:.2f}M fuel"
            )
    return row


async def bench_call_overhead(ctx: Context) -> list[Row]:
    samples = 3 if ctx.quick else 20
    rows = []
    sessions = _pair()
    try:
        for session in sessions:
            check(session.run(HOLDING_2MB), "building the 2 MB session")
        after_collect = [_sample(sessions, COLLECT, PROBE) for _ in range(samples)]
        after_burst = [_sample(sessions, BURST, PROBE) for _ in range(samples)]
    finally:
        for session in sessions:
            session.close()
    rows.append(
        _row(ROW_IDS[0], "x = 1 holding ~2 MB and 500 globals, after gc.collect()", after_collect, MAX_MS, MAX_FUEL)
    )
    rows.append(_row(ROW_IDS[1], "x = 1 holding ~2 MB and 500 globals, after a burst", after_burst, MAX_MS, MAX_FUEL))
    sessions = _pair()
    try:
        repeated = [_sample(sessions, None, STR_TIMES_10) for _ in range(max(samples // 2, 3))]
    finally:
        for session in sessions:
            session.close()
    row = _row(ROW_IDS[2], "[str(i) * 10 for i in range(50000)], repeated in one session", repeated, 50.0, None)
    row.notes.append("Each sample rebinds r: the previous list becomes garbage, so collections fall inside the runs.")
    rows.append(row)
    return rows
