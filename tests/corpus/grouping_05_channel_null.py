# category: grouping
# Orders by sales channel, with missing channels counted as "unknown".
res = read_only_sql_query("shop", "SELECT channel, total FROM orders")
summary = {}
for row in res["rows"]:
    channel = row["channel"] or "unknown"
    entry = summary.setdefault(channel, {"orders": 0, "revenue": 0.0})
    entry["orders"] += 1
    entry["revenue"] += row["total"]

for channel in sorted(summary):
    s = summary[channel]
    print(f"{channel:>8}: {s['orders']:>4} orders, ${s['revenue']:,.2f} revenue, avg ${s['revenue'] / s['orders']:.2f}")
