# category: dates
# Text heatmap of events by weekday and 4-hour block.
from datetime import datetime

rows = read_only_sql_query("shop", "SELECT occurred_at FROM events")["rows"]
grid = [[0] * 6 for _ in range(7)]
for r in rows:
    t = datetime.fromisoformat(r["occurred_at"])
    grid[t.weekday()][t.hour // 4] += 1

print("     " + " ".join(f"{h:02d}h" for h in range(0, 24, 4)))
for i, name in enumerate(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]):
    print(f"{name}  " + " ".join(f"{v:>3}" for v in grid[i]))
