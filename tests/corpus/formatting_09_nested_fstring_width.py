# category: formatting
# Dynamic column widths computed from the data.
rows = read_only_sql_query("shop", "SELECT name, category, price FROM products WHERE active = 1 ORDER BY category, name")["rows"]
w_name = max(len(r["name"]) for r in rows)
w_cat = max(len(r["category"]) for r in rows)
for r in rows[:12]:
    print(f"{r['name']:<{w_name}}  {r['category']:^{w_cat + 2}}  {r['price']:>{8}.{2}f}")
