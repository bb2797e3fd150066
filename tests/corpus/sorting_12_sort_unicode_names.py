# category: sorting
# Sort cities (with accents) alphabetically and by length.
rows = read_only_sql_query("shop", "SELECT DISTINCT city FROM customers")["rows"]
cities = [r["city"] for r in rows]
print(sorted(cities))
print(sorted(cities, key=len))
print(sorted(cities, reverse=True)[:3])
