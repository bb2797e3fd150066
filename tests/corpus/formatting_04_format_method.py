# category: formatting
# str.format with named fields, alignment and fill characters.
rows = read_only_sql_query("shop", "SELECT category, COUNT(*) AS n, AVG(price) AS avg_price, MAX(price) AS max_price FROM products GROUP BY category")["rows"]
header = "{:^12}|{:^5}|{:^10}|{:^10}".format("Category", "N", "Avg", "Max")
print(header)
print("-" * len(header))
for r in rows:
    print("{category:<12}|{n:^5}|{avg_price:>10.2f}|{max_price:>10.2f}".format(**r))
print("{:*^40}".format(" done "))
