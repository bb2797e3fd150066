# category: collections
# Simulate an LRU cache of product lookups driven by event pages.
from collections import OrderedDict

rows = read_only_sql_query("shop", "SELECT page FROM events WHERE page LIKE '/products/%' ORDER BY id LIMIT 300")["rows"]
cache = OrderedDict()
hits = misses = 0
for r in rows:
    pid = int(r["page"].rsplit("/", 1)[1])
    if pid in cache:
        hits += 1
        cache.move_to_end(pid)
    else:
        misses += 1
        cache[pid] = True
        if len(cache) > 10:
            cache.popitem(last=False)
print(f"hits={hits} misses={misses} hit rate={hits / (hits + misses):.1%}")
print("cache now:", list(cache))
