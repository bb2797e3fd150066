# category: formatting
# Printing rows directly: dicts, lists, tuples and None values.
res = read_only_sql_query("shop", "SELECT id, name, email, birth_year FROM customers WHERE email IS NULL OR birth_year IS NULL ORDER BY id LIMIT 4")
print(res["columns"])
for row in res["rows"]:
    print(row)
print(tuple(res["rows"][0].values()))
print([r["id"] for r in res["rows"]], res["truncated"])
