# category: statistics
# Linear trend of monthly order counts.
from statistics import linear_regression

rows = read_only_sql_query("shop", """
    SELECT substr(ordered_at, 1, 7) AS month, COUNT(*) AS n FROM orders GROUP BY month ORDER BY month
""")["rows"]
x = list(range(len(rows)))
y = [r["n"] for r in rows]
slope, intercept = linear_regression(x, y)
print(f"{len(rows)} months, slope {slope:.3f} orders/month, intercept {intercept:.2f}")
next_month = slope * len(rows) + intercept
print(f"Forecast for next month: {next_month:.0f} orders")
