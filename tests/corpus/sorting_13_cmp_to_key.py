# category: sorting
# Custom comparison: sort products by category order defined by the business, then price desc.
from functools import cmp_to_key

ORDER = ["Electronics", "Kitchen", "Books", "Garden", "Clothing", "Toys"]
rows = read_only_sql_query("shop", "SELECT name, category, price FROM products")["rows"]

def compare(a, b):
    ca, cb = ORDER.index(a["category"]), ORDER.index(b["category"])
    if ca != cb:
        return ca - cb
    return (b["price"] > a["price"]) - (b["price"] < a["price"])

for r in sorted(rows, key=cmp_to_key(compare))[:9]:
    print(f"{r['category']:<12} {r['price']:>7.2f}  {r['name']}")
