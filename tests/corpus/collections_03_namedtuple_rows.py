# category: collections
# Convert rows to namedtuples for attribute access.
from collections import namedtuple

res = read_only_sql_query("shop", "SELECT id, name, category, price FROM products ORDER BY price DESC LIMIT 5")
Product = namedtuple("Product", res["columns"])
products = [Product(**r) for r in res["rows"]]
for p in products:
    print(p.id, p.name, p.price)
print(products[0])
print(products[0]._asdict())
cheaper = products[0]._replace(price=round(products[0].price * 0.9, 2))
print(cheaper.price, Product._fields)
