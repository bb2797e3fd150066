# category: reporting
# Produce a markdown table of revenue by channel and status.
rows = read_only_sql_query("shop", """
    SELECT COALESCE(channel, 'unknown') AS channel, status, COUNT(*) AS n, ROUND(SUM(total), 2) AS revenue
    FROM orders GROUP BY 1, 2 ORDER BY 1, 2
""")["rows"]
cols = ["channel", "status", "n", "revenue"]
print("| " + " | ".join(cols) + " |")
print("|" + "|".join("---" for _ in cols) + "|")
for r in rows:
    print("| " + " | ".join(str(r[c]) for c in cols) + " |")
