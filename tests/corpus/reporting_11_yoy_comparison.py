# category: reporting
# Year-over-year comparison per month, 2023 vs 2024.
rows = read_only_sql_query("shop", """
    SELECT substr(ordered_at, 1, 4) AS y, substr(ordered_at, 6, 2) AS m, SUM(total) AS revenue
    FROM orders GROUP BY y, m
""")["rows"]
table = {}
for r in rows:
    table.setdefault(r["m"], {})[r["y"]] = r["revenue"]
print("month       2023       2024     change")
for m in sorted(table):
    a, b = table[m].get("2023", 0.0), table[m].get("2024", 0.0)
    change = f"{(b - a) / a:+.1%}" if a else "n/a"
    print(f"{m:>5} {a:>10.2f} {b:>10.2f} {change:>10}")
