# category: formatting
# Each category's share of revenue, formatted as percentages.
rows = read_only_sql_query("shop", """
    SELECT p.category, SUM(oi.quantity * oi.unit_price) AS revenue
    FROM order_items oi JOIN products p ON p.id = oi.product_id GROUP BY p.category
""")["rows"]
total = sum(r["revenue"] for r in rows)
for r in sorted(rows, key=lambda r: r["revenue"], reverse=True):
    share = r["revenue"] / total
    print(f"{r['category']:<12} {share:>7.2%}  {share:.0%}")
print(f"{'Total':<12} {total:,.0f}")
