# category: dates
# Signups per calendar month name across all years.
import datetime

rows = read_only_sql_query("shop", "SELECT signup_date FROM customers")["rows"]
counts = {m: 0 for m in range(1, 13)}
for r in rows:
    d = datetime.date.fromisoformat(r["signup_date"])
    counts[d.month] += 1

for m in range(1, 13):
    name = datetime.date(2000, m, 1).strftime("%B")
    print(f"{name:<10}{counts[m]:>3}")
