# category: formatting
# Horizontal bar chart of customers per country with unicode blocks.
rows = read_only_sql_query("shop", "SELECT country, COUNT(*) AS n FROM customers GROUP BY country ORDER BY n DESC")["rows"]
longest = max(len(r["country"]) for r in rows)
top = rows[0]["n"]
for r in rows:
    bar = "▇" * int(r["n"] / top * 30)
    print(f"{r['country']:>{longest}} │{bar:<30}│ {r['n']}")
