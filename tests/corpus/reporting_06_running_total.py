# category: reporting
# Running total of 2024 revenue by month with percent of the year reached.
from itertools import accumulate

rows = read_only_sql_query("shop", """
    SELECT substr(ordered_at, 1, 7) AS month, SUM(total) AS revenue
    FROM orders WHERE ordered_at LIKE '2024-%' AND status != 'cancelled'
    GROUP BY month ORDER BY month
""")["rows"]
revenues = [r["revenue"] for r in rows]
year = sum(revenues)
for r, cum in zip(rows, accumulate(revenues)):
    print(f"{r['month']}  {r['revenue']:>9.2f}  {cum:>10.2f}  {cum / year:>6.1%}")
