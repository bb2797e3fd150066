# category: collections
# Moving average of daily order counts with a bounded deque.
from collections import deque

rows = read_only_sql_query("shop", "SELECT date(ordered_at) AS d, COUNT(*) AS n FROM orders WHERE d >= '2024-11-01' GROUP BY d ORDER BY d")["rows"]
window = deque(maxlen=7)
for r in rows:
    window.append(r["n"])
    print(r["d"], r["n"], round(sum(window) / len(window), 2))
