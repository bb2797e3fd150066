# category: misc
# Model orders as dataclasses and compute per-customer stats.
from dataclasses import dataclass, field
from typing import List, Optional

@dataclass
class Order:
    id: int
    customer_id: int
    total: float
    channel: Optional[str] = None

@dataclass
class CustomerStats:
    customer_id: int
    orders: List[Order] = field(default_factory=list)

    @property
    def spent(self) -> float:
        return round(sum(o.total for o in self.orders), 2)

rows = read_only_sql_query("shop", "SELECT id, customer_id, total, channel FROM orders WHERE customer_id <= 5 ORDER BY id")["rows"]
stats = {}
for r in rows:
    stats.setdefault(r["customer_id"], CustomerStats(r["customer_id"])).orders.append(Order(**r))
for cid in sorted(stats):
    s = stats[cid]
    print(cid, len(s.orders), s.spent)
print(stats[min(stats)].orders[0])
