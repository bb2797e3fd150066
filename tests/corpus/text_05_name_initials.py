# category: text
# Initials and name lengths for customers, including non-ASCII names.
rows = read_only_sql_query("shop", "SELECT name FROM customers ORDER BY id LIMIT 12")["rows"]
for r in rows:
    parts = r["name"].split()
    initials = "".join(p[0].upper() for p in parts)
    print(f"{r['name']:<24} {initials:<4} {len(r['name'])}")
