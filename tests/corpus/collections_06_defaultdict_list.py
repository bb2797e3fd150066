# category: collections
# Group review ratings per product with defaultdict(list).
from collections import defaultdict

rows = read_only_sql_query("shop", "SELECT product_id, rating FROM reviews ORDER BY id")["rows"]
ratings = defaultdict(list)
for r in rows:
    ratings[r["product_id"]].append(r["rating"])
worst = sorted(ratings.items(), key=lambda kv: (sum(kv[1]) / len(kv[1]), kv[0]))[:5]
for pid, rs in worst:
    print(f"product {pid}: avg {sum(rs) / len(rs):.2f} from {rs}")
print(len(ratings), "products reviewed")
