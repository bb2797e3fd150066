# category: dates
# Quarterly revenue and quarter-over-quarter growth.
from datetime import datetime

rows = read_only_sql_query("shop", "SELECT ordered_at, total FROM orders WHERE status IN ('paid','shipped')")["rows"]
quarters = {}
for r in rows:
    dt = datetime.strptime(r["ordered_at"], "%Y-%m-%d %H:%M:%S")
    q = f"{dt.year}-Q{(dt.month - 1) // 3 + 1}"
    quarters[q] = quarters.get(q, 0) + r["total"]

prev = None
for q in sorted(quarters):
    amount = quarters[q]
    growth = "" if prev is None else f"{(amount - prev) / prev:+.1%}"
    print(f"{q}: {amount:>10,.2f} {growth}")
    prev = amount
