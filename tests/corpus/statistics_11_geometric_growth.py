# category: statistics
# Compound monthly growth rate of revenue with geometric mean.
import statistics

rows = read_only_sql_query("shop", """
    SELECT substr(ordered_at, 1, 7) AS month, SUM(total) AS revenue FROM orders
    WHERE ordered_at >= '2024-01-01' GROUP BY month ORDER BY month
""")["rows"]
ratios = [b["revenue"] / a["revenue"] for a, b in zip(rows, rows[1:])]
cmgr = statistics.geometric_mean(ratios) - 1
print(f"months: {len(rows)}")
print(f"compound monthly growth: {cmgr:.2%}")
print(f"best month-over-month: {max(ratios) - 1:+.1%}, worst: {min(ratios) - 1:+.1%}")
