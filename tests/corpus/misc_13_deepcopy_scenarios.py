# category: misc
# What-if pricing scenarios on a deep copy of the product catalogue.
import copy

catalogue = {r["category"]: [] for r in read_only_sql_query("shop", "SELECT DISTINCT category FROM products ORDER BY category")["rows"]}
for r in read_only_sql_query("shop", "SELECT name, category, price FROM products ORDER BY id")["rows"]:
    catalogue[r["category"]].append({"name": r["name"], "price": r["price"]})

scenario = copy.deepcopy(catalogue)
for item in scenario["Electronics"]:
    item["price"] = round(item["price"] * 1.1, 2)
before = sum(i["price"] for i in catalogue["Electronics"])
after = sum(i["price"] for i in scenario["Electronics"])
print(f"Electronics list price: {before:.2f} -> {after:.2f}")
print(catalogue["Electronics"][0], scenario["Electronics"][0])
shallow = copy.copy(catalogue)
print(shallow["Books"] is catalogue["Books"], scenario["Books"] is catalogue["Books"])
