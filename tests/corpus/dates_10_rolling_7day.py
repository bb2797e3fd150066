# category: dates
# 7-day rolling count of events per day in the events table.
from datetime import date, timedelta
from collections import Counter

rows = read_only_sql_query("shop", "SELECT substr(occurred_at, 1, 10) AS day FROM events")["rows"]
per_day = Counter(date.fromisoformat(r["day"]) for r in rows)
start, end = min(per_day), max(per_day)
d = start
window = []
print("day         events  7d-avg")
while d <= end:
    window.append(per_day.get(d, 0))
    if len(window) > 7:
        window.pop(0)
    if d.day % 5 == 0:
        print(f"{d.isoformat()}  {per_day.get(d, 0):>6}  {sum(window) / len(window):6.1f}")
    d += timedelta(days=1)
