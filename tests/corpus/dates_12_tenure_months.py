# category: dates
# Customer tenure in whole months as of 2025-01-01, bucketed.
from datetime import date

asof = date(2025, 1, 1)
rows = read_only_sql_query("shop", "SELECT id, signup_date FROM customers")["rows"]

def months_between(a, b):
    return (b.year - a.year) * 12 + (b.month - a.month) - (1 if b.day < a.day else 0)

buckets = {}
for r in rows:
    m = months_between(date.fromisoformat(r["signup_date"]), asof)
    key = f"{(m // 6) * 6:>2}-{(m // 6) * 6 + 5:>2} months"
    buckets[key] = buckets.get(key, 0) + 1

for key in sorted(buckets):
    print(key, buckets[key])
