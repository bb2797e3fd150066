# category: text
# Normalise search queries from event JSON properties and count them.
import json

rows = read_only_sql_query("shop", "SELECT properties FROM events WHERE event_type = 'search'")["rows"]
queries = {}
for r in rows:
    q = json.loads(r["properties"]).get("query", "")
    q = " ".join(q.lower().replace("-", " ").split())
    queries[q] = queries.get(q, 0) + 1
for q, n in sorted(queries.items(), key=lambda kv: (-kv[1], kv[0])):
    print(f"{q!r:>16} {n}")
