# category: misc
# A comparable Product class with total_ordering, used with max and sorted.
from functools import total_ordering

@total_ordering
class Product:
    def __init__(self, name, price):
        self.name, self.price = name, price
    def __eq__(self, other):
        return self.price == other.price
    def __lt__(self, other):
        return self.price < other.price
    def __repr__(self):
        return f"Product({self.name!r}, {self.price})"

products = [Product(r["name"], r["price"]) for r in read_only_sql_query("shop", "SELECT name, price FROM products WHERE category = 'Toys'")["rows"]]
print(max(products))
print(min(products))
print(sorted(products)[:3])
print(products[0] >= products[1], products[0] <= products[1])
