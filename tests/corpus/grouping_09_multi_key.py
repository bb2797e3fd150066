# category: grouping
# Revenue by (year, channel) with tuple keys.
rows = read_only_sql_query("shop", "SELECT substr(ordered_at, 1, 4) AS year, channel, total FROM orders WHERE status = 'paid'")["rows"]

totals = {}
for r in rows:
    key = (r["year"], r["channel"] or "n/a")
    totals[key] = totals.get(key, 0.0) + r["total"]

for (year, channel), amount in sorted(totals.items()):
    print(year, channel.ljust(7), f"{amount:10.2f}")
