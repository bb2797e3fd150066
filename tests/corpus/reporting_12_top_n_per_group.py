# category: reporting
# Top 3 products by units in each category.
rows = read_only_sql_query("shop", """
    SELECT p.category, p.name, SUM(oi.quantity) AS units
    FROM order_items oi JOIN products p ON p.id = oi.product_id GROUP BY p.id
""")["rows"]
by_cat = {}
for r in rows:
    by_cat.setdefault(r["category"], []).append(r)
for cat in sorted(by_cat):
    print(cat)
    top = sorted(by_cat[cat], key=lambda r: (-r["units"], r["name"]))[:3]
    for rank, r in enumerate(top, start=1):
        print(f"  {rank}. {r['name']} - {r['units']} units")
