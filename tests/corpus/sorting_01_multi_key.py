# category: sorting
# Sort customers by country, then by name.
rows = read_only_sql_query("shop", "SELECT name, country, city FROM customers")["rows"]
rows.sort(key=lambda r: (r["country"], r["name"]))
for r in rows[:15]:
    print(f"{r['country']:<15} {r['name']:<24} {r['city']}")
