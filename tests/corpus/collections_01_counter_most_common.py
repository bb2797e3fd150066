# category: collections
# Counter over event types and pages.
from collections import Counter

rows = read_only_sql_query("shop", "SELECT event_type, page FROM events")["rows"]
types = Counter(r["event_type"] for r in rows)
pages = Counter(r["page"] for r in rows if not r["page"].startswith("/products/"))
print(types.most_common())
print(pages.most_common(3))
print("total events:", sum(types.values()))
print("checkout share:", round(types["checkout"] / sum(types.values()), 4))
