# category: statistics
# Weighted average unit price per category (weighted by quantity) vs simple average.
rows = read_only_sql_query("shop", """
    SELECT p.category, oi.unit_price, oi.quantity FROM order_items oi JOIN products p ON p.id = oi.product_id
""")["rows"]

acc = {}
for r in rows:
    a = acc.setdefault(r["category"], {"wsum": 0.0, "w": 0, "sum": 0.0, "n": 0})
    a["wsum"] += r["unit_price"] * r["quantity"]
    a["w"] += r["quantity"]
    a["sum"] += r["unit_price"]
    a["n"] += 1

for cat in sorted(acc):
    a = acc[cat]
    print(f"{cat:<12} weighted {a['wsum'] / a['w']:8.2f}   simple {a['sum'] / a['n']:8.2f}")
