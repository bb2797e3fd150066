# category: dates
# Orders by day of week.
from datetime import datetime

rows = read_only_sql_query("shop", "SELECT ordered_at FROM orders")["rows"]
days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
counts = [0] * 7
for r in rows:
    counts[datetime.fromisoformat(r["ordered_at"]).weekday()] += 1

peak = max(range(7), key=lambda i: counts[i])
for i, day in enumerate(days):
    bar = "#" * (counts[i] // 5)
    print(f"{day:<10} {counts[i]:>4} {bar}")
print(f"Busiest day: {days[peak]}")
