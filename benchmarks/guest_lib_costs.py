#!/usr/bin/env python3
"""What the guest datetime, re, string and textwrap modules cost: import, and common calls.

    .venv/bin/python benchmarks/guest_lib_costs.py

Import rows: a fresh session per repeat; fuel of `import MODULE` (exact), its wall time (median of
the repeats; noisy on a shared machine), and how much the zstd image grows over a session that only
ran `x = 1`. Call rows: fuel per call over a loop, minus the same loop doing nothing, in a fresh
session that imported the module. A measurement, never a gate.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from datasette_agent_micropython.runtime import Runtime  # noqa: E402
from datasette_agent_micropython.settings import Limits  # noqa: E402

LIMITS = Limits(fuel=10**11, timeout_seconds=60)
MODULES = ["datetime", "_datetime_parsing", "re", "string", "textwrap"]
LOOP = 2000
CALLS = [
    ("datetime", "x = datetime.datetime(2024, 5, 6, 7, 8, 9)", "x.strftime('%Y-%m-%d %H:%M:%S')"),
    ("datetime", "", "datetime.datetime.strptime('2024-05-06 10:11:12', '%Y-%m-%d %H:%M:%S')"),
    ("datetime", "", "datetime.datetime.strptime('05 Jan 2024', '%d %b %Y')"),
    ("datetime", "", "datetime.datetime.fromisoformat('2024-05-06T10:11:12')"),
    ("datetime", "", "datetime.date.fromisoformat('2024-05-06')"),
    ("datetime", "x = datetime.datetime(2024, 5, 6, 7, 8, 9)", "x.isoformat()"),
    ("datetime", "d = datetime.date(2024, 5, 6)", "d + datetime.timedelta(days=1)"),
    ("re", "p = re.compile(r'(\\d+)-(\\d+)')", "p.search('order 123-456 ok')"),
    ("re", "p = re.compile(r'(\\d+)-(\\d+)')", "p.findall('order 123-456 ok')"),
    ("re", "p = re.compile(r'\\d+')", "p.sub('#', 'order 123-456 ok')"),
]


def import_cost(runtime: Runtime, module: str, repeats: int = 3) -> tuple[int, float, int]:
    fuel, seconds, growth = 0, [], 0
    for _ in range(repeats):
        session = runtime.new_session(LIMITS)
        try:
            session.run("x = 1")
            base = len(session.snapshot().encode())
            started = time.perf_counter()
            result = session.run(f"import {module}")
            seconds.append(time.perf_counter() - started)
            if not result.ok:
                raise RuntimeError(result.error)
            fuel = result.fuel_used
            growth = len(session.snapshot().encode()) - base
        finally:
            session.close()
    return fuel, statistics.median(seconds), growth


def call_cost(runtime: Runtime, module: str, setup: str, call: str) -> int:
    session = runtime.new_session(LIMITS)
    try:
        prepared = session.run(f"import {module}\n{setup}\n{call}")
        if not prepared.ok:
            raise RuntimeError(prepared.error)
        empty = session.run(f"for _ in range({LOOP}):\n    pass").fuel_used
        result = session.run(f"for _ in range({LOOP}):\n    {call}")
        if not result.ok:
            raise RuntimeError(result.error)
        return (result.fuel_used - empty) // LOOP
    finally:
        session.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as cache:
        runtime = Runtime(cache_dir=Path(cache))
        print(f"{'import':24} {'fuel':>14} {'ms':>8} {'image bytes':>12}")
        for module in MODULES:
            fuel, seconds, growth = import_cost(runtime, module)
            print(f"{module:24} {fuel:>14,} {seconds * 1000:>8.1f} {growth:>+12,}")
        print()
        print(f"{'call':74} {'fuel per call':>14}")
        for module, setup, call in CALLS:
            print(f"{call:74} {call_cost(runtime, module, setup, call):>14,}")


if __name__ == "__main__":
    main()
