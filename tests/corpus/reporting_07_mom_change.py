# category: reporting
# Month-over-month change in orders and revenue with arrows.
rows = read_only_sql_query("shop", """
    SELECT substr(ordered_at, 1, 7) AS month, COUNT(*) AS orders, SUM(total) AS revenue
    FROM orders GROUP BY month ORDER BY month
""")["rows"]
for prev, cur in zip(rows, rows[1:]):
    change = (cur["revenue"] - prev["revenue"]) / prev["revenue"]
    arrow = "▲" if change > 0 else "▼" if change < 0 else "="
    print(f"{cur['month']}: {cur['orders']:>3} orders ({cur['orders'] - prev['orders']:+d}), revenue {arrow} {abs(change):.1%}")
