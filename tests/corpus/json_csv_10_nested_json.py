# category: json_csv
# Nested JSON: categories containing their products.
import json

rows = read_only_sql_query("shop", "SELECT category, name, price FROM products ORDER BY category, price DESC")["rows"]
tree = {}
for r in rows:
    tree.setdefault(r["category"], []).append({"name": r["name"], "price": r["price"]})
summary = [{"category": c, "count": len(ps), "top": ps[0]} for c, ps in tree.items()]
print(json.dumps(summary))
