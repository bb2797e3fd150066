"""An analyst's program using the guest library through the real tool: rows from
read_only_sql_query become dataclasses, namedtuples, Counters and enums, the conversation is
evicted and restored between calls, and every output matches CPython's on the same rows."""

import sqlite3

import pytest
from agent_harness import ALICE, call_tool, make_datasette, start_conversation
from guest_oracle import cpython_output

from datasette_agent_micropython.wiring import session_manager

pytestmark = pytest.mark.asyncio

TOOL = "execute_micropython"
ROWS = [
    ("north", "widget", 12.5, "2024-01-03"),
    ("south", "gadget", 7.0, "2024-01-03"),
    ("north", "gadget", 3.25, "2024-01-04"),
    ("east", "widget", 9.0, "2024-01-05"),
    ("south", "widget", 4.75, "2024-01-05"),
    ("north", "widget", 1.0, "2024-01-06"),
]

FIRST_CALL = """
from dataclasses import dataclass, field, asdict
from collections import Counter, defaultdict, namedtuple
from enum import Enum
from itertools import groupby
from operator import attrgetter
from functools import reduce

class Tier(Enum):
    SMALL = 'small'
    LARGE = 'large'

@dataclass(order=True)
class Sale:
    region: str
    product: str
    amount: float
    day: str
    tier: Tier = field(init=False, compare=False)
    def __post_init__(self):
        self.tier = Tier.LARGE if self.amount >= 5 else Tier.SMALL

rows = read_only_sql_query('sales', 'select region, product, amount, day from sales order by day, region')['rows']
sales = [Sale(**row) for row in rows]
by_region = defaultdict(float)
for sale in sales:
    by_region[sale.region] += sale.amount
products = Counter(sale.product for sale in sales)
Total = namedtuple('Total', 'region amount')
totals = sorted((Total(r, a) for r, a in by_region.items()), key=attrgetter('amount'), reverse=True)
print(totals)
print(products.most_common(), list(by_region.items()))
for day, group in groupby(sales, key=attrgetter('day')):
    print(day, [s.region for s in group])
print(Counter(s.tier for s in sales), asdict(sales[0]))
"""

SECOND_CALL = """
sales.sort()
print(sales[0], reduce(lambda a, s: a + s.amount, sales, 0.0), totals[0]._asdict())
print([t.value for t in Tier], products['widget'], by_region['nowhere'], len(by_region))
"""


def emulated_query(database, sql):
    """What read_only_sql_query returns, for CPython: rows as dicts in column order."""
    with sqlite3.connect(DB_PATH[0]) as conn:
        conn.row_factory = sqlite3.Row
        return {"rows": [dict(row) for row in conn.execute(sql)]}


DB_PATH = []


async def test_an_analysis_across_an_eviction_matches_cpython(tmp_path):
    path = tmp_path / "sales.db"
    with sqlite3.connect(path) as conn:
        conn.execute("create table sales (region text, product text, amount real, day text)")
        conn.executemany("insert into sales values (?, ?, ?, ?)", ROWS)
    DB_PATH[:] = [path]
    ds = await make_datasette(
        tmp_path, databases=[path], plugin_config={"max_sessions": 1, "fuel": 10**10}
    )  # imports compile: see README
    conversation, other = await start_conversation(ds, ALICE), await start_conversation(ds, ALICE)
    [first] = await call_tool(ds, ALICE, conversation, TOOL, {"python": FIRST_CALL})
    await call_tool(ds, ALICE, other, TOOL, {"python": "x = 1"})  # evicts the conversation
    [second] = await call_tool(ds, ALICE, conversation, TOOL, {"python": SECOND_CALL})
    await session_manager(ds).wait_for_writes()
    prelude = "from test_guest_lib_tool import emulated_query as read_only_sql_query\n"
    expected_first = cpython_output(prelude + FIRST_CALL)
    expected_both = cpython_output(prelude + FIRST_CALL + SECOND_CALL)
    assert first["model"]["stdout"] == expected_first, first["model"].get("error")
    assert second["model"]["state"] == "restored"
    assert first["model"]["stdout"] + second["model"]["stdout"] == expected_both, second["model"]
