# category: misc
# functools: reduce for a product, lru_cache for repeated lookups, partial for queries.
from functools import reduce, lru_cache, partial

query = partial(read_only_sql_query, "shop")

@lru_cache(maxsize=None)
def product_name(pid):
    return query("SELECT name FROM products WHERE id = ?", [pid])["rows"][0]["name"]

items = query("SELECT product_id FROM order_items ORDER BY id LIMIT 40")["rows"]
names = [product_name(r["product_id"]) for r in items]
print(names[:4])
print(product_name.cache_info())
growth = [1.02, 0.97, 1.05, 1.01]
print(round(reduce(lambda a, b: a * b, growth), 6))
