# category: collections
# Layered report settings with ChainMap.
from collections import ChainMap

defaults = {"currency": "USD", "decimals": 2, "top_n": 5, "status": "paid"}
user = {"top_n": 3}
settings = ChainMap(user, defaults)
rows = read_only_sql_query("shop", "SELECT customer_id, SUM(total) AS spent FROM orders WHERE status = ? GROUP BY customer_id ORDER BY spent DESC LIMIT ?", [settings["status"], settings["top_n"]])["rows"]
for r in rows:
    print(f"{r['customer_id']}: {r['spent']:.{settings['decimals']}f} {settings['currency']}")
print(dict(settings))
print(settings.maps[0], len(settings))
