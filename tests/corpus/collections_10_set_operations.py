# category: collections
# Customers who reviewed but never ordered, and vice versa.
ordered = {r["customer_id"] for r in read_only_sql_query("shop", "SELECT DISTINCT customer_id FROM orders")["rows"]}
reviewed = {r["customer_id"] for r in read_only_sql_query("shop", "SELECT DISTINCT customer_id FROM reviews")["rows"]}
print("ordered:", len(ordered), "reviewed:", len(reviewed))
print("both:", len(ordered & reviewed))
print("reviewed without ordering:", sorted(reviewed - ordered)[:10])
print("ordered without reviewing:", len(ordered - reviewed))
print("jaccard: %.3f" % (len(ordered & reviewed) / len(ordered | reviewed)))
