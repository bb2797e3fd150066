"""The CPython anchor: ten small analyst workloads, each run as the same code in our sandbox and in
CPython, reported as a ratio to CPython (what a user would otherwise pick).

Ours: one warm session per workload with the plugin's default settings, its setup run once, then
the workload repeated on `Session.run`, the tool's own path (the CPython-semantics rewrite
included). CPython: this process, the same setup and workload source `exec`'d in a namespace of
their own, stdout captured as the sandbox's is. The two alternate, sample by sample. Each
workload prints a small digest, and the two outputs must agree, or the row is an error: a ratio
between two programs that computed different things means nothing.

The fetch workload calls `read_only_sql_query` in both: in ours the plugin's host function against
a real Datasette serving the file; in CPython a function of the same shape running sqlite3 on the
same file.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import math
import sqlite3
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from harness import Context, Line, Row, check, close_and_wait, host_functions, ms, runtime, stats, value

SECTION = "9. CPython anchor"
# The targets (issue 14): no workload worse than this many times CPython ...
WORST_RATIO = 20.0
# ... and a geometric mean over the workloads at most this.
GEOMEAN_RATIO = 8.0
# Fuel for the metered twin that counts each workload's instructions.
METERED_FUEL = 10**13


@dataclass(frozen=True)
class Workload:
    id: str
    label: str
    setup: str
    code: str


# Deterministic data for both sides: a linear congruential generator, not `random`, whose streams
# differ between MicroPython and CPython.
_LCG = "def lcg(seed, n, m):\n    out = []\n    for _ in range(n):\n        seed = (seed * 1103515245 + 12345) % 2147483648\n        out.append(seed % m)\n    return out\n"

WORKLOADS = [
    Workload(
        "cpython_group_by",
        "dict group-by over 100,000 rows",
        "regions = ['north', 'south', 'east', 'west', 'centre']\n"
        "rows = [(regions[i % 5], i % 1000) for i in range(100000)]",
        "totals = {}\ncounts = {}\nfor region, amount in rows:\n"
        "    totals[region] = totals.get(region, 0) + amount\n"
        "    counts[region] = counts.get(region, 0) + 1\n"
        "print(sorted((k, totals[k], counts[k]) for k in totals))",
    ),
    Workload(
        "cpython_string_building",
        "string building: 20,000 formatted lines joined",
        "",
        "parts = []\nfor i in range(20000):\n    parts.append(f'row {i}: {i * 3} items, ' + str(i % 7))\n"
        "text = '\\n'.join(parts)\nprint(len(text), text[-20:])",
    ),
    Workload(
        "cpython_sort",
        "sorting 20,000 records by a key",
        _LCG + "records = list(zip(lcg(7, 20000, 1000), lcg(11, 20000, 100000)))",
        "ordered = sorted(records, key=lambda r: (r[0], -r[1]))\nprint(ordered[0], ordered[-1], ordered[10000])",
    ),
    Workload(
        "cpython_json_loads",
        "json.loads of 1,000 rows",
        "import json\npayload = json.dumps([{'id': i, 'name': 'item %d' % i, 'price': i * 0.5, "
        "'tags': ['a', 'b'], 'active': i % 2 == 0} for i in range(1000)])",
        "rows = json.loads(payload)\nprint(len(rows), sum(r['price'] for r in rows), sum(1 for r in rows if r['active']))",
    ),
    Workload(
        "cpython_sql_fetch",
        "fetch of 1,000 rows x 7 columns (read_only_sql_query; CPython: sqlite3)",
        "",
        "result = read_only_sql_query('data', 'select * from orders order by id limit 1000')\n"
        "rows = result['rows']\nprint(len(rows), sum(r['quantity'] for r in rows), rows[-1]['customer'])",
    ),
    Workload(
        "cpython_datetime",
        "datetime loop: 3,000 days, weekday counts and ISO strings",
        "from datetime import date, datetime, timedelta",
        "start = date(2024, 1, 1)\nweekdays = {}\nmonths = set()\nfor i in range(3000):\n"
        "    day = start + timedelta(days=i)\n    weekdays[day.weekday()] = weekdays.get(day.weekday(), 0) + 1\n"
        "    months.add(day.isoformat()[:7])\n"
        "stamp = datetime(2024, 3, 1, 12, 30) + timedelta(hours=5000)\n"
        "print(sorted(weekdays.items()), len(months), stamp.isoformat())",
    ),
    Workload(
        "cpython_csv",
        "csv parse of 2,000 lines",
        "import csv, io\ntext = 'id,name,city,amount\\n' + ''.join("
        '\'%d,"Name %d","City, %d",%d.25\\n\' % (i, i, i % 50, i) for i in range(2000))',
        "reader = csv.reader(io.StringIO(text))\nheader = next(reader)\ntotal = 0.0\ncities = set()\n"
        "for row in reader:\n    total += float(row[3])\n    cities.add(row[2])\nprint(header, total, len(cities))",
    ),
    Workload(
        "cpython_statistics",
        "statistics summary of 5,000 values",
        "import statistics\n" + _LCG + "values = lcg(3, 5000, 10000)",
        "print(statistics.mean(values), statistics.median(values), round(statistics.stdev(values), 6), "
        "statistics.quantiles(values, n=4))",
    ),
    Workload(
        "cpython_counter",
        "Counter.most_common over 50,000 words",
        "from collections import Counter\n" + _LCG + "vocabulary = ['w%d' % i for i in range(500)]\n"
        "words = [vocabulary[k] for k in lcg(5, 50000, 500)]",
        "counts = Counter(words)\nprint(counts.most_common(5), len(counts))",
    ),
    Workload(
        "cpython_regex",
        "regex extract from 5,000 lines",
        "import re\nlines = ['%d: contact user%d@example%d.com about order #%d' % (i, i, i % 9, i * 7) "
        "for i in range(5000)]",
        "pattern = re.compile(r'(\\w+)@(\\w+)\\.com about order #(\\d+)')\ndomains = {}\ntotal = 0\n"
        "for line in lines:\n    match = pattern.search(line)\n    if match:\n"
        "        domains[match.group(2)] = domains.get(match.group(2), 0) + 1\n        total += int(match.group(3))\n"
        "print(sorted(domains.items()), total)",
    ),
]


def make_database(path: Path) -> None:
    """The table both sides fetch from: 2,000 orders of 7 columns."""
    with sqlite3.connect(path) as conn:
        conn.execute(
            "create table orders (id integer primary key, customer text, region text, "
            "ordered_at text, status text, amount real, quantity integer)"
        )
        conn.executemany(
            "insert into orders values (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    i,
                    f"Customer {i % 97}",
                    ("North", "South", "East", "West")[i % 4],
                    f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T10:{i % 60:02d}:00",
                    ("paid", "refunded")[i % 7 == 0],
                    round(10 + (i * 37 % 1000) / 7, 2),
                    1 + i % 9,
                )
                for i in range(1, 2001)
            ],
        )


class CPythonSide:
    """The workloads run by this process's CPython, each in a namespace of its own."""

    def __init__(self, database: Path) -> None:
        self.connection = sqlite3.connect(database, check_same_thread=False)
        self.connection.execute("pragma query_only = 1")

    def read_only_sql_query(self, name_of_database: str, sql: str, params: Any = None) -> dict:
        """The shape the plugin's host function returns, from sqlite3 on the same file."""
        cursor = self.connection.execute(sql, params or [])
        columns = [column[0] for column in cursor.description]
        return {"columns": columns, "rows": [dict(zip(columns, row)) for row in cursor.fetchall()], "truncated": False}

    def namespace(self) -> dict:
        return {"__name__": "__main__", "read_only_sql_query": self.read_only_sql_query}

    @staticmethod
    def execute(code: Any, namespace: dict) -> str:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(code, namespace)
        return out.getvalue()

    def close(self) -> None:
        self.connection.close()


def measure(workload: Workload, cpython: CPythonSide, host_context: Any, samples: int) -> Row:
    """One workload, ours and CPython alternating; the row's p50s and their ratio."""
    from datasette_agent_micropython.settings import Settings

    row = Row(workload.id, SECTION, workload.label, "ms")
    session = runtime().new_session(Settings().limits, host_functions())
    try:
        if workload.setup:
            check(session.run(workload.setup, host_context), f"{workload.id} setup")
        namespace = cpython.namespace()
        cpython.execute(compile(workload.setup, workload.id, "exec"), namespace)
        code = compile(workload.code, workload.id, "exec")
        ours, base = [], []
        # One untimed round each: the first run imports, compiles and grows what it needs.
        for timed_round in range(samples + 1):
            start = time.perf_counter()
            result = session.run(workload.code, host_context)
            elapsed = time.perf_counter() - start
            check(result, workload.id)
            start = time.perf_counter()
            expected = cpython.execute(code, namespace)
            cpython_elapsed = time.perf_counter() - start
            if result.stdout != expected:
                raise RuntimeError(
                    f"{workload.id}: the sandbox printed {result.stdout[:300]!r}, CPython {expected[:300]!r}"
                )
            if timed_round:
                ours.append(ms(elapsed))
                base.append(ms(cpython_elapsed))
    finally:
        close_and_wait(session)
    row.ours, row.baseline = stats(ours), stats(base)
    ratio = row.ours["p50"] / row.baseline["p50"]
    row.ours["ratio_to_cpython"] = ratio
    # Fastest against fastest: less sensitive to other load on the machine than the p50s.
    row.ours["ratio_to_cpython_min"] = row.ours["min"] / row.baseline["min"]
    row.ours["fuel"] = fuel_of(workload, host_context)
    row.gain = 1 / ratio
    row.target = f"<= {WORST_RATIO:g}x CPython"
    row.target_met = ratio <= WORST_RATIO
    row.target_status = f"{ratio:.1f}x: " + ("met" if row.target_met else f"missed (limit {WORST_RATIO:g}x)")
    return row


def fuel_of(workload: Workload, host_context: Any, on: Any = None) -> int:
    """The workload's fuel on its second run (the first imports and grows) in a metered twin of
    the session, on the shared runtime or `on`: a figure that other load cannot move."""
    from datasette_agent_micropython.settings import Settings

    session = (on or runtime()).new_session(replace(Settings().limits, fuel=METERED_FUEL), host_functions())
    try:
        if workload.setup:
            check(session.run(workload.setup, host_context), f"{workload.id} setup")
        check(session.run(workload.code, host_context), workload.id)
        result = session.run(workload.code, host_context)
        check(result, workload.id)
        return result.fuel_used
    finally:
        close_and_wait(session)


def geomean_row(rows: list[Row]) -> Row:
    """The suite's geometric mean of the ratios, against the target."""
    row = Row("cpython_geomean", SECTION, f"geometric mean of the {len(rows)} ratios to CPython", "x")
    if not rows:
        row.error = "no workload could be measured"
        return row
    ratios = [row.ours["ratio_to_cpython"] for row in rows]
    geomean = geometric_mean(ratios)
    at_min = geometric_mean([row.ours["ratio_to_cpython_min"] for row in rows])
    row.ours, row.baseline = value(geomean, worst=max(ratios), at_min=at_min), value(1.0)
    row.gain = 1 / geomean
    row.target = f"<= {GEOMEAN_RATIO:g}x CPython"
    row.target_met = geomean <= GEOMEAN_RATIO
    row.target_status = "met" if row.target_met else f"missed: {geomean:.1f}x (limit {GEOMEAN_RATIO:g}x)"
    worst = max(rows, key=lambda r: r.ours["ratio_to_cpython"])
    row.lines.append(Line(f"worst workload: {worst.metric}", "x", value(worst.ours["ratio_to_cpython"])))
    row.lines.append(Line("geometric mean of the ratios of the fastest samples", "x", value(at_min)))
    row.notes.append(
        "Ratio = our p50 / CPython's p50 for the same source, both warm; above 1 the sandbox is slower. "
        "Ours runs with the plugin's default settings (no fuel metering, 16 MiB), through Session.run "
        "(the CPython-semantics rewrite included). CPython is this process's interpreter, in-process, "
        "so it pays no process start; the sandbox's figure includes its call round trip (~0.1 ms). "
        "ours.fuel is each workload's fuel on a metered twin session: unlike the times, other load "
        "cannot move it."
    )
    return row


def geometric_mean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


async def bench_cpython(ctx: Context) -> list[Row]:
    from datasette.app import Datasette

    from datasette_agent_micropython.sql import CallContext

    database = ctx.tmp / "data.db"
    make_database(database)
    ds = Datasette([str(database)])
    await ds.invoke_startup()
    loop = asyncio.get_running_loop()
    host_context = CallContext(datasette=ds, actor={"id": "root"}, loop=loop)
    cpython = CPythonSide(database)
    samples = ctx.counts.cpython
    # Sessions run on a worker thread; the fetches' queries run on this loop, as in a chat.
    try:
        rows = await loop.run_in_executor(
            None, lambda: [measured(w, cpython, host_context, samples) for w in WORKLOADS]
        )
    finally:
        cpython.close()
    return [*rows, geomean_row([row for row in rows if row.error is None])]


def measured(workload: Workload, cpython: CPythonSide, host_context: Any, samples: int) -> Row:
    """A workload's row, or a row carrying its error: one failing workload leaves the others measured."""
    try:
        return measure(workload, cpython, host_context, samples)
    except Exception as error:
        return Row(workload.id, SECTION, workload.label, "ms", error=f"{type(error).__name__}: {error}")


ROW_IDS = [workload.id for workload in WORKLOADS] + ["cpython_geomean"]
