# category: dates
# Orders by weekday name and hour bucket using strftime.
from datetime import datetime
from collections import Counter

rows = read_only_sql_query("shop", "SELECT ordered_at FROM orders")["rows"]
by_day = Counter()
by_part = Counter()
for r in rows:
    dt = datetime.fromisoformat(r["ordered_at"])
    by_day[dt.strftime("%A")] += 1
    part = "night" if dt.hour < 6 else "morning" if dt.hour < 12 else "afternoon" if dt.hour < 18 else "evening"
    by_part[part] += 1

for day, n in by_day.most_common():
    print(day, n)
print(dict(sorted(by_part.items())))
