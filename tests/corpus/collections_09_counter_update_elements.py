# category: collections
# Build a Counter incrementally with update() and inspect it.
from collections import Counter

devices = Counter()
import json
for r in read_only_sql_query("shop", "SELECT properties FROM events ORDER BY id")["rows"]:
    devices.update([json.loads(r["properties"])["device"]])
print(devices)
print(sorted(devices.elements())[:3], devices.total())
print({k: v for k, v in sorted(devices.items())})
