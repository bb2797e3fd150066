# category: statistics
# IQR-based outlier detection on item quantities times price.
import statistics

rows = read_only_sql_query("shop", "SELECT id, quantity * unit_price AS line_total FROM order_items")["rows"]
values = sorted(r["line_total"] for r in rows)
q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
iqr = q3 - q1
low, high = q1 - 1.5 * iqr, q3 + 1.5 * iqr
flagged = [v for v in values if v < low or v > high]
print(f"Q1={q1:.2f} Q3={q3:.2f} IQR={iqr:.2f}")
print(f"fences: [{low:.2f}, {high:.2f}]")
print(f"{len(flagged)} of {len(values)} line totals are outliers; largest: {flagged[-3:]}")
