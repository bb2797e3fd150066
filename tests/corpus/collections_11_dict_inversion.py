# category: collections
# Invert a product -> category mapping, and merge dicts.
rows = read_only_sql_query("shop", "SELECT name, category FROM products ORDER BY id")["rows"]
product_cat = {r["name"]: r["category"] for r in rows}
by_cat = {}
for name, cat in product_cat.items():
    by_cat.setdefault(cat, []).append(name)
print(by_cat["Toys"])
extra = {"Gift Card": "Other"}
merged = {**product_cat, **extra}
print(len(merged), merged["Gift Card"], list(merged)[:3])
print(list(product_cat.items())[-2:])
