# category: dates
# Monthly revenue for 2024 using datetime parsing.
from datetime import datetime
from collections import defaultdict

rows = read_only_sql_query("shop", "SELECT ordered_at, total FROM orders WHERE status != 'cancelled'")["rows"]
monthly = defaultdict(float)
for r in rows:
    dt = datetime.strptime(r["ordered_at"], "%Y-%m-%d %H:%M:%S")
    if dt.year == 2024:
        monthly[dt.strftime("%Y-%m")] += r["total"]

for month in sorted(monthly):
    print(f"{month}  {monthly[month]:>10,.2f}")
