# category: reporting
# Pivot table: revenue by month (rows) and category (columns) for 2024 H2.
rows = read_only_sql_query("shop", """
    SELECT substr(o.ordered_at, 1, 7) AS month, p.category, SUM(oi.quantity * oi.unit_price) AS revenue
    FROM orders o JOIN order_items oi ON oi.order_id = o.id JOIN products p ON p.id = oi.product_id
    WHERE o.ordered_at >= '2024-07-01'
    GROUP BY month, p.category
""")["rows"]
categories = sorted({r["category"] for r in rows})
months = sorted({r["month"] for r in rows})
pivot = {(r["month"], r["category"]): r["revenue"] for r in rows}
print("month   " + "".join(f"{c[:9]:>10}" for c in categories) + f"{'total':>10}")
for m in months:
    vals = [pivot.get((m, c), 0) for c in categories]
    print(f"{m} " + "".join(f"{v:>10.0f}" for v in vals) + f"{sum(vals):>10.0f}")
col_totals = [sum(pivot.get((m, c), 0) for m in months) for c in categories]
print("total   " + "".join(f"{v:>10.0f}" for v in col_totals) + f"{sum(col_totals):>10.0f}")
