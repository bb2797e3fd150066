# category: statistics
# Histogram of order totals in $50 bins with a text bar chart.
import math

totals = [r["total"] for r in read_only_sql_query("shop", "SELECT total FROM orders")["rows"]]
width = 50
bins = {}
for t in totals:
    b = int(math.floor(t / width))
    bins[b] = bins.get(b, 0) + 1

biggest = max(bins.values())
for b in range(min(bins), max(bins) + 1):
    n = bins.get(b, 0)
    label = f"${b * width:>4}-{(b + 1) * width - 1:<4}"
    print(f"{label} {'█' * round(n / biggest * 40)} {n}")
