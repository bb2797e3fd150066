# category: grouping
# Distribution of basket sizes (items per order).
from collections import Counter

items = read_only_sql_query("shop", "SELECT order_id, COUNT(*) AS lines, SUM(quantity) AS units FROM order_items GROUP BY order_id")["rows"]
lines_hist = Counter(r["lines"] for r in items)
units_hist = Counter(r["units"] for r in items)

print("Lines per order:")
for k in sorted(lines_hist):
    print(f"  {k}: {lines_hist[k]}")
print("Most common unit counts:", units_hist.most_common(3))
