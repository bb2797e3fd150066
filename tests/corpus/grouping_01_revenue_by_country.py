# category: grouping
# Revenue and order count per country, from a join, grouped in Python.
result = read_only_sql_query("shop", """
    SELECT c.country, o.total, o.status
    FROM orders o JOIN customers c ON c.id = o.customer_id
""")
rows = result["rows"]

revenue = {}
counts = {}
for row in rows:
    if row["status"] in ("refunded", "cancelled"):
        continue
    country = row["country"]
    revenue[country] = revenue.get(country, 0) + row["total"]
    counts[country] = counts.get(country, 0) + 1

print(f"{'Country':<15}{'Orders':>8}{'Revenue':>14}")
for country, total in sorted(revenue.items(), key=lambda kv: kv[1], reverse=True):
    print(f"{country:<15}{counts[country]:>8}{total:>14,.2f}")
print(f"{'Total':<15}{sum(counts.values()):>8}{sum(revenue.values()):>14,.2f}")
