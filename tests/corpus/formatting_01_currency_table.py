# category: formatting
# Top products by revenue with currency formatting and thousands separators.
rows = read_only_sql_query("shop", """
    SELECT p.name, SUM(oi.quantity * oi.unit_price) AS revenue, SUM(oi.quantity) AS units
    FROM order_items oi JOIN products p ON p.id = oi.product_id
    GROUP BY p.id ORDER BY revenue DESC LIMIT 10
""")["rows"]
print(f"{'#':>2}  {'Product':<30} {'Units':>6} {'Revenue':>12}")
for i, r in enumerate(rows, 1):
    print(f"{i:>2}. {r['name']:<30} {r['units']:>6,} {'$' + format(r['revenue'], ',.2f'):>12}")
