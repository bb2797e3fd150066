# category: sorting
# Sort reviews by date (parsed), newest first, then by helpful votes.
from datetime import date

rows = read_only_sql_query("shop", "SELECT id, created_at, helpful_votes FROM reviews")["rows"]
rows = sorted(rows, key=lambda r: (date.fromisoformat(r["created_at"]), r["helpful_votes"] or 0), reverse=True)
for r in rows[:8]:
    print(r["created_at"], r["helpful_votes"], r["id"])
