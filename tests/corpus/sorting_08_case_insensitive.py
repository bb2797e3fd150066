# category: sorting
# Case-insensitive sort of review titles, and distinct titles.
rows = read_only_sql_query("shop", "SELECT DISTINCT title FROM reviews WHERE title IS NOT NULL")["rows"]
titles = [r["title"] for r in rows]
print(sorted(titles))
print(sorted(titles, key=str.lower))
print(sorted(titles, key=lambda t: (len(t), t.lower()), reverse=True))
