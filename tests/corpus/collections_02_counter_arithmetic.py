# category: collections
# Compare product popularity in 2023 vs 2024 with Counter arithmetic.
from collections import Counter

rows = read_only_sql_query("shop", """
    SELECT substr(o.ordered_at, 1, 4) AS year, p.name, oi.quantity
    FROM order_items oi JOIN orders o ON o.id = oi.order_id JOIN products p ON p.id = oi.product_id
""")["rows"]
c23, c24 = Counter(), Counter()
for r in rows:
    (c23 if r["year"] == "2023" else c24)[r["name"]] += r["quantity"]
grew = c24 - c23
shrank = c23 - c24
print("grew most:", grew.most_common(3))
print("shrank most:", shrank.most_common(3))
print("combined top:", (c23 + c24).most_common(2))
