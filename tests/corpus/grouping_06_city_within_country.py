# category: grouping
# Nested grouping: customers per city within each country.
from collections import defaultdict

customers = read_only_sql_query("shop", "SELECT country, city FROM customers")["rows"]
nested = defaultdict(lambda: defaultdict(int))
for c in customers:
    nested[c["country"]][c["city"]] += 1

for country in sorted(nested):
    cities = nested[country]
    print(f"{country} ({sum(cities.values())})")
    for city, n in sorted(cities.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"    {city}: {n}")
