# category: dates
# Days between consecutive orders for repeat customers, with itertools.pairwise.
from datetime import datetime
from itertools import pairwise
from statistics import median

rows = read_only_sql_query("shop", "SELECT customer_id, ordered_at FROM orders ORDER BY customer_id, ordered_at")["rows"]
by_customer = {}
for r in rows:
    by_customer.setdefault(r["customer_id"], []).append(datetime.fromisoformat(r["ordered_at"]))
gaps = []
for times in by_customer.values():
    gaps.extend((b - a).days for a, b in pairwise(times))
print("repeat purchases:", len(gaps))
print("median gap (days):", median(gaps))
print("within a week:", sum(g <= 7 for g in gaps), "| over a year:", sum(g > 365 for g in gaps))
