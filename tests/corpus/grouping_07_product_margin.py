# category: grouping
# Gross margin per category from order items and product cost.
items = read_only_sql_query("shop", """
    SELECT p.category, oi.quantity, oi.unit_price, p.cost
    FROM order_items oi JOIN products p ON p.id = oi.product_id
    JOIN orders o ON o.id = oi.order_id
    WHERE o.status != 'cancelled'
""")
if items["truncated"]:
    print("warning: results truncated")
stats = {}
for it in items["rows"]:
    s = stats.setdefault(it["category"], [0.0, 0.0])
    s[0] += it["quantity"] * it["unit_price"]
    s[1] += it["quantity"] * it["cost"]

print("category     revenue      cost    margin")
for cat, (rev, cost) in sorted(stats.items()):
    margin = (rev - cost) / rev * 100
    print(f"{cat:<10} {rev:>9.2f} {cost:>9.2f} {margin:>8.1f}%")
