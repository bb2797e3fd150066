# category: sorting
# Sort customers by birth year with missing values last.
rows = read_only_sql_query("shop", "SELECT id, name, birth_year FROM customers ORDER BY id")["rows"]
rows.sort(key=lambda r: (r["birth_year"] is None, r["birth_year"] or 0))
for r in rows[:5]:
    print(r["birth_year"], r["name"])
print("...")
for r in rows[-5:]:
    print(r["birth_year"], r["name"])
