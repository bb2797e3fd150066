# category: formatting
# Formatting negative and positive money amounts like an accountant.
def money(x):
    s = f"${abs(x):,.2f}"
    return f"({s})" if x < 0 else s

rows = read_only_sql_query("shop", """
    SELECT substr(ordered_at, 1, 7) AS month,
           SUM(CASE WHEN status = 'refunded' THEN -total ELSE total END) AS net
    FROM orders WHERE ordered_at LIKE '2024%' GROUP BY month ORDER BY month
""")["rows"]
running = 0
for r in rows:
    running += r["net"]
    print(f"{r['month']}  {money(r['net']):>14}  {money(running):>14}")
