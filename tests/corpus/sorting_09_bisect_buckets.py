# category: sorting
# Assign order totals to price bands with bisect.
import bisect

edges = [10, 25, 50, 100, 250]
labels = ["<10", "10-25", "25-50", "50-100", "100-250", "250+"]
counts = [0] * len(labels)
for r in read_only_sql_query("shop", "SELECT total FROM orders")["rows"]:
    counts[bisect.bisect_right(edges, r["total"])] += 1
for label, n in zip(labels, counts):
    print(f"{label:>8}: {n}")
