# category: formatting
# Printing floats the default way: averages, sums and ratios.
r = read_only_sql_query("shop", "SELECT AVG(price) AS avg_price, SUM(cost) AS cost, AVG(rating) AS avg_rating FROM products, (SELECT AVG(rating) AS rating FROM reviews)")["rows"][0]
print("avg price:", r["avg_price"])
print("total cost:", r["cost"])
print("avg rating:", r["avg_rating"])
print("ratio:", r["cost"] / r["avg_price"])
print(0.1 + 0.2, 1 / 3, 2 / 3, 10 / 4, 1e16, 1.5e-7)
