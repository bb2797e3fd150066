# category: statistics
# Most common rating overall and per product (multimode for ties).
import statistics
from collections import defaultdict

rows = read_only_sql_query("shop", "SELECT product_id, rating FROM reviews")["rows"]
ratings = [r["rating"] for r in rows]
print("overall mode:", statistics.mode(ratings))
by_product = defaultdict(list)
for r in rows:
    by_product[r["product_id"]].append(r["rating"])
ties = 0
for pid in sorted(by_product)[:10]:
    modes = statistics.multimode(by_product[pid])
    ties += len(modes) > 1
    print(f"product {pid}: modes {modes}, median {statistics.median(by_product[pid])}")
print("products with tied modes among first 10:", ties)
