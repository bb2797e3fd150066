# category: statistics
# Compare mean order value web vs mobile with Welch's t statistic.
import math
from statistics import mean, variance

rows = read_only_sql_query("shop", "SELECT channel, total FROM orders WHERE channel IN ('web', 'mobile')")["rows"]
web = [r["total"] for r in rows if r["channel"] == "web"]
mobile = [r["total"] for r in rows if r["channel"] == "mobile"]
m1, m2 = mean(web), mean(mobile)
v1, v2 = variance(web), variance(mobile)
t = (m1 - m2) / math.sqrt(v1 / len(web) + v2 / len(mobile))
print(f"web:    n={len(web)}, mean={m1:.2f}")
print(f"mobile: n={len(mobile)}, mean={m2:.2f}")
print(f"difference: {m1 - m2:.2f}, t = {t:.3f}")
print("significant at ~5%" if abs(t) > 1.96 else "not significant")
