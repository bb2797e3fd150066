# category: grouping
# Units sold per product category with defaultdict.
from collections import defaultdict

data = read_only_sql_query("shop", """
    SELECT p.category, oi.quantity
    FROM order_items oi JOIN products p ON p.id = oi.product_id
""")
units = defaultdict(int)
for r in data["rows"]:
    units[r["category"]] += r["quantity"]

for category in sorted(units):
    print(category, units[category])
print("truncated:", data["truncated"])
