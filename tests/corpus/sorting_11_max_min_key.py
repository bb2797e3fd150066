# category: sorting
# max/min with key functions over rows.
rows = read_only_sql_query("shop", "SELECT id, name, price, cost, launched FROM products")["rows"]
best_margin = max(rows, key=lambda r: (r["price"] - r["cost"]) / r["price"])
newest = max(rows, key=lambda r: r["launched"])
cheapest = min(rows, key=lambda r: r["price"])
print("best margin:", best_margin["name"], round((best_margin["price"] - best_margin["cost"]) / best_margin["price"], 3))
print("newest:", newest["name"], newest["launched"])
print("cheapest:", cheapest["name"], cheapest["price"])
