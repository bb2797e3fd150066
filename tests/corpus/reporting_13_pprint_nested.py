# category: reporting
# Pretty-print a nested summary structure.
from pprint import pprint

rows = read_only_sql_query("shop", "SELECT country, segment, COUNT(*) AS n FROM customers GROUP BY country, segment ORDER BY country, segment")["rows"]
summary = {}
for r in rows:
    summary.setdefault(r["country"], {})[r["segment"]] = r["n"]
pprint(summary)
pprint(rows[:3], width=60)
