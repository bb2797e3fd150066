# category: collections
# Products most often bought together, with itertools.combinations and Counter.
from collections import Counter, defaultdict
from itertools import combinations

rows = read_only_sql_query("shop", "SELECT oi.order_id, p.name FROM order_items oi JOIN products p ON p.id = oi.product_id ORDER BY oi.order_id, oi.id")
baskets = defaultdict(set)
for r in rows["rows"]:
    baskets[r["order_id"]].add(r["name"])
pairs = Counter()
for items in baskets.values():
    for a, b in combinations(sorted(items), 2):
        pairs[(a, b)] += 1
print(f"{len(baskets)} baskets (truncated={rows['truncated']})")
for (a, b), n in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[:5]:
    print(f"{n}x  {a} + {b}")
