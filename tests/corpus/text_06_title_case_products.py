# category: text
# Product names in title case, slugified for URLs.
import re

rows = read_only_sql_query("shop", "SELECT id, name FROM products ORDER BY id")["rows"]
for r in rows[:14]:
    slug = re.sub(r"[^a-z0-9]+", "-", r["name"].lower()).strip("-")
    print(f"{r['id']:>2} {r['name'].title():<30} /p/{slug}")
