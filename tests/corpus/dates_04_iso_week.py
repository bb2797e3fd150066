# category: dates
# Weekly order counts for the last 8 ISO weeks of data.
from datetime import date
from collections import Counter

rows = read_only_sql_query("shop", "SELECT date(ordered_at) AS d FROM orders")["rows"]
weeks = Counter()
for r in rows:
    y, w, _ = date.fromisoformat(r["d"]).isocalendar()
    weeks[(y, w)] += 1

for (year, week) in sorted(weeks)[-8:]:
    print(f"{year}-W{week:02d}: {weeks[(year, week)]}")
