# category: sorting
# Sorting with operator.itemgetter on several fields.
from operator import itemgetter

rows = read_only_sql_query("shop", "SELECT category, name, price FROM products")["rows"]
for r in sorted(rows, key=itemgetter("category", "price"))[:10]:
    print(r["category"], r["price"], r["name"])
