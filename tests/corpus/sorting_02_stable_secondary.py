# category: sorting
# Two-pass stable sort: by total descending, ties by order id ascending.
rows = read_only_sql_query("shop", "SELECT id, shipping, total FROM orders ORDER BY id")["rows"]
rows.sort(key=lambda r: r["shipping"], reverse=True)
for r in rows[:8]:
    print(r["id"], r["shipping"], r["total"])
print("...")
for r in rows[-4:]:
    print(r["id"], r["shipping"], r["total"])
