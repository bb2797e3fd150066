#!/usr/bin/env python3
"""What importing guest-library modules costs a fresh session: wall ms, fuel, and compressed image bytes.

Usage: python scripts/measure_guest_imports.py "import statistics" "import csv" ...
Each snippet runs in 5 fresh sessions (after a first `x = 1`); the image growth is the difference
between the encoded snapshots before and after the snippet.
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from datasette_agent_micropython.runtime import Runtime  # noqa: E402
from datasette_agent_micropython.settings import Limits  # noqa: E402

ROUNDS = 5


def measure(runtime: Runtime, limits: Limits, code: str) -> str:
    wall, fuel, growth = [], [], []
    for _ in range(ROUNDS):
        session = runtime.new_session(limits)
        try:
            session.run("x = 1")
            before = len(session.snapshot().encode())
            started = time.perf_counter()
            result = session.run(code)
            wall.append((time.perf_counter() - started) * 1000)
            if not result.ok:
                return f"{code!r}: failed: {result.error}"
            fuel.append(result.fuel_used)
            growth.append(len(session.snapshot().encode()) - before)
        finally:
            session.close()
    return (
        f"{code!r}: {statistics.median(wall):.1f} ms (min {min(wall):.1f}), "
        f"fuel {statistics.median(fuel):,.0f}, image +{statistics.median(growth):,.0f} bytes"
    )


def main() -> None:
    limits = Limits(fuel=10**11, timeout_seconds=60)
    with tempfile.TemporaryDirectory() as cache:
        runtime = Runtime(cache_dir=Path(cache))
        for code in sys.argv[1:] or ["import statistics"]:
            print(measure(runtime, limits, code), flush=True)


if __name__ == "__main__":
    main()
