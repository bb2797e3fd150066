# category: grouping
# Share of orders by status.
rows = read_only_sql_query("shop", "SELECT status FROM orders")["rows"]
total = len(rows)
by_status = {}
for r in rows:
    by_status[r["status"]] = by_status.get(r["status"], 0) + 1

for status, n in sorted(by_status.items(), key=lambda x: -x[1]):
    print(f"{status:10} {n:4d}  {n / total:.1%}")
