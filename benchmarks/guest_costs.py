"""Where a snippet's instructions go: fuel per phase of a call, and wall time, for the guest's own
costs (issue 14: per-call overhead against the data a session holds, allocation cliffs, the
CPU-bound loop). Run: python benchmarks/guest_costs.py [--json]

The session arms fuel per phase (runtime.Session._resume); this script wraps that one method to
read what each phase used before the next is armed. Nothing here changes how a session runs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict

from datasette_agent_micropython import runtime as rt

FUEL = 10**13


def install_phase_meter() -> None:
    """Record, per session, the fuel each phase used (armed minus left when the next is armed)."""
    original = rt.Session._resume

    def metered_resume(self: rt.Session) -> None:
        armed = getattr(self, "_meter_armed", None)
        phases = getattr(self, "_meter_phases", None)
        if armed is not None and phases is not None and self._wasm_store is not None and self.metered:
            phases[armed[0]] += armed[1] - self._wasm_store.get_fuel()
        original(self)
        if self.metered and self._wasm_store is not None:
            self._meter_armed = (self._phase, self._wasm_store.get_fuel())

    rt.Session._resume = metered_resume


def phase_fuel(session: rt.Session, code: str) -> tuple[dict[str, int], float, rt.RunResult]:
    """Run `code`; return fuel by phase (fetched, running, returning), its wall time and result."""
    session._meter_phases = defaultdict(int)
    start = time.perf_counter()
    result = session.run(code)
    elapsed = time.perf_counter() - start
    return dict(session._meter_phases), elapsed, result


def new_session(runtime: rt.Runtime, metered: bool = True, **limits) -> rt.Session:
    session = runtime.new_session(rt.Limits(fuel=FUEL if metered else None, **limits), {})
    session.run("pass")
    return session


def measure(runtime: rt.Runtime, setup: list[str], code: str, repeat: int = 3, metered: bool = True, **limits) -> dict:
    """Fuel per phase and wall time of `code` after `setup`, in a fresh session."""
    session = new_session(runtime, metered, **limits)
    try:
        for snippet in setup:
            result = session.run(snippet)
            assert result.ok, (snippet, result.error)
        runs = []
        for _ in range(repeat):
            phases, elapsed, result = phase_fuel(session, code)
            assert result.ok, (code, result.error)
            runs.append((phases, elapsed))
        # The first run after the setup is what the issue measured; later ones show whether it lasts.
        return {
            "phases": runs[0][0],
            "total_fuel": [sum(p.values()) for p, _ in runs],
            "ms": [round(e * 1000, 2) for _, e in runs],
        }
    finally:
        session.close()


CASES = [
    ("x = 1, fresh session", [], "x = 1"),
    ("gc.collect(), fresh session", ["import gc"], "gc.collect()"),
    ("x = 1, holding 50k strings", ["data = [str(i) * 5 for i in range(50000)]"], "x = 1"),
    ("gc.collect(), holding 50k strings", ["data = [str(i) * 5 for i in range(50000)]", "import gc"], "gc.collect()"),
    (
        "x = 1 after gc.collect(), holding 50k strings",
        ["data = [str(i) * 5 for i in range(50000)]", "import gc; gc.collect()"],
        "x = 1",
    ),
    ("[str(i) * 10 for i in range(50000)]", [], "r = [str(i) * 10 for i in range(50000)]"),
    ("~10 ms CPU loop", [], "s = 0\nfor i in range(20000):\n    s += i * i % 7"),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--unmetered", action="store_true", help="wall time on the default, unmetered engine")
    parser.add_argument("--memory-mib", type=int, default=16)
    args = parser.parse_args(argv)
    install_phase_meter()
    runtime = rt.Runtime()
    out = {}
    for label, setup, code in CASES:
        out[label] = measure(
            runtime, setup, code, args.repeat, not args.unmetered, memory_bytes=args.memory_mib * rt.MIB
        )
        if not args.json:
            row = out[label]
            phases = ", ".join(f"{k} {v / 1e6:.2f}M" for k, v in row["phases"].items())
            fuel = "/".join(f"{f / 1e6:.2f}M" for f in row["total_fuel"])
            print(f"{label:48} fuel {fuel:30} ms {row['ms']}  [{phases}]", flush=True)
    if args.json:
        json.dump(out, sys.stdout, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
