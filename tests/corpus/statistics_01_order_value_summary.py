# category: statistics
# Descriptive statistics of order totals.
import statistics

totals = [r["total"] for r in read_only_sql_query("shop", "SELECT total FROM orders")["rows"]]
print(f"n       = {len(totals)}")
print(f"mean    = {statistics.mean(totals):.2f}")
print(f"median  = {statistics.median(totals):.2f}")
print(f"stdev   = {statistics.stdev(totals):.2f}")
print(f"min/max = {min(totals):.2f} / {max(totals):.2f}")
q1, q2, q3 = statistics.quantiles(totals, n=4)
print(f"IQR     = {q3 - q1:.2f} (Q1 {q1:.2f}, Q3 {q3:.2f})")
