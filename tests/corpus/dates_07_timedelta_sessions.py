# category: dates
# Split each customer's events into sessions with a 30-minute inactivity gap.
from datetime import datetime, timedelta

rows = read_only_sql_query("shop", """
    SELECT customer_id, occurred_at FROM events
    WHERE customer_id IS NOT NULL AND customer_id <= 20
    ORDER BY customer_id, occurred_at
""")["rows"]

gap = timedelta(minutes=30)
sessions = {}
last_seen = {}
for r in rows:
    cid = r["customer_id"]
    t = datetime.fromisoformat(r["occurred_at"])
    if cid not in last_seen or t - last_seen[cid] > gap:
        sessions[cid] = sessions.get(cid, 0) + 1
    last_seen[cid] = t

for cid in sorted(sessions):
    print(f"customer {cid:2d}: {sessions[cid]} sessions")
