# category: statistics
# Orders whose total is more than 3 standard deviations from the mean.
from statistics import mean, pstdev

rows = read_only_sql_query("shop", "SELECT id, customer_id, total FROM orders")["rows"]
totals = [r["total"] for r in rows]
mu, sigma = mean(totals), pstdev(totals)
outliers = [(r["id"], r["total"], (r["total"] - mu) / sigma) for r in rows if abs(r["total"] - mu) > 3 * sigma]
print(f"mean={mu:.2f} sd={sigma:.2f}; {len(outliers)} outliers")
for oid, total, z in sorted(outliers, key=lambda t: -t[2])[:10]:
    print(f"  order {oid}: {total:.2f} (z={z:.2f})")
