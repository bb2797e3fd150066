# category: misc
# A generator pipeline over event rows.
def events():
    offset = 0
    while True:
        page = read_only_sql_query("shop", "SELECT id, event_type, duration_ms FROM events ORDER BY id LIMIT 500 OFFSET ?", [offset])["rows"]
        if not page:
            return
        yield from page
        offset += len(page)

def with_duration(rows):
    return (r for r in rows if r["duration_ms"] is not None)

def seconds(rows):
    for r in rows:
        yield r["event_type"], r["duration_ms"] / 1000

total = {}
for kind, s in seconds(with_duration(events())):
    total[kind] = total.get(kind, 0) + s
for kind in sorted(total):
    print(f"{kind:<12}{total[kind]:>12.1f} s")
