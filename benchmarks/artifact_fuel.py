"""Fuel of a warm run of a few workloads, for each artifact given: a load-independent way to compare
builds of the artifact (scripts/build_artifact.py) before and after a change.
Run: python benchmarks/artifact_fuel.py OLD.wasm NEW.wasm
"""

from __future__ import annotations

import argparse
from pathlib import Path

from harness import CPU_SNIPPET

from datasette_agent_micropython.runtime import Runtime
from datasette_agent_micropython.settings import Limits

WORKLOADS = {
    "cpu_loop": CPU_SNIPPET,
    "string_building": (
        "parts = []\nfor i in range(3000):\n    parts.append('row ' + str(i) + ': ' + 'x' * (i % 7))\n"
        "print(len(','.join(parts)))"
    ),
    "group_by": (
        "groups = {}\nfor i in range(5000):\n    groups.setdefault('k' + str(i % 37), []).append(i)\n"
        "print(len(groups), sum(len(v) for v in groups.values()))"
    ),
    "sort": (
        "import random\nrandom.seed(1)\nxs = sorted([random.random() for _ in range(3000)])\n"
        "zs = sorted([str(i) for i in range(2000)])\nprint(xs[0] <= xs[-1], zs[0])"
    ),
    "fstrings": "out = []\nfor i in range(2000):\n    out.append(f'{i:5d} {i/7:.3f} {str(i)!r}')\nprint(len(out))",
    "factorial": "import math\nprint(len(str(math.factorial(400))))",
}


def warm_fuel(artifact: Path) -> dict[str, int]:
    """Fuel of the second run of each workload in a fresh session (the first compiles and warms)."""
    runtime = Runtime(artifact=artifact, pool_per_kind=0)
    fuel = {}
    for name, code in WORKLOADS.items():
        session = runtime.new_session(Limits(fuel=10**11, timeout_seconds=120))
        try:
            for _ in range(2):
                result = session.run(code)
                if not result.ok:
                    raise SystemExit(f"{artifact} {name}: {result.error}")
            fuel[name] = result.fuel_used
        finally:
            session.close()
    return fuel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("artifacts", type=Path, nargs="+")
    for artifact in parser.parse_args().artifacts:
        row = warm_fuel(artifact)
        print(artifact, " ".join(f"{name}={fuel / 1e6:.2f}M" for name, fuel in row.items()), flush=True)


if __name__ == "__main__":
    main()
