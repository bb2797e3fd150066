# category: collections
# Stock check: units ordered vs a notional stock of 40 per product.
from collections import Counter

rows = read_only_sql_query("shop", "SELECT p.name, oi.quantity FROM order_items oi JOIN products p ON p.id = oi.product_id JOIN orders o ON o.id = oi.order_id WHERE o.ordered_at >= '2024-10-01'")["rows"]
stock = Counter({name: 40 for name in {r["name"] for r in rows}})
for r in rows:
    stock.subtract({r["name"]: r["quantity"]})
low = sorted((n, name) for name, n in stock.items() if n < 25)
for n, name in low:
    print(f"{name:<30} {n:>3} left")
print("products tracked:", len(stock))
