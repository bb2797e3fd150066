"""Fuel of each CPython-anchor workload, with the CPython-semantics layer on and off, on metered
sessions: where the layer's cost is, measured in instructions that other load cannot move.
Run from benchmarks/: python anchor_fuel.py [--only ID ...] [--show-rewrite]

"off" runs the same source on a runtime without the rewrite or its helpers: its output can differ
from CPython's (dict order, float repr), so it is a floor for the layer's cost, not a target.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from cpython_anchor import WORKLOADS, fuel_of, make_database


async def main() -> None:
    from datasette.app import Datasette

    from datasette_agent_micropython.runtime import Runtime
    from datasette_agent_micropython.sql import CallContext
    from datasette_agent_micropython.transform import transform

    parser = argparse.ArgumentParser()
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--show-rewrite", action="store_true")
    parser.add_argument("--no-off", action="store_true", help="skip the runtime without the layer")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="anchor-fuel-") as directory:
        database = Path(directory) / "data.db"
        make_database(database)
        ds = Datasette([str(database)])
        await ds.invoke_startup()
        loop = asyncio.get_running_loop()
        host_context = CallContext(datasette=ds, actor={"id": "root"}, loop=loop)
        on = Runtime(pool_per_kind=0)
        off = None if args.no_off else Runtime(cpython_semantics=False, pool_per_kind=0)
        for workload in WORKLOADS:
            if args.only and not any(o in workload.id for o in args.only):
                continue
            if args.show_rewrite:
                print(transform(workload.code) or workload.code)
            with_layer = await loop.run_in_executor(None, fuel_of, workload, host_context, on)
            without = None if off is None else await loop.run_in_executor(None, fuel_of, workload, host_context, off)
            extra = "" if without is None else f"  off {without / 1e6:9.2f}M  layer x{with_layer / without:.2f}"
            print(f"{workload.id:28s} on {with_layer / 1e6:9.2f}M{extra}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
