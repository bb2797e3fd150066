# category: json_csv
# Parse JSON properties on events and aggregate add-to-cart value by device.
import json

rows = read_only_sql_query("shop", "SELECT properties FROM events WHERE event_type = 'add_to_cart'")["rows"]
value = {}
count = {}
for r in rows:
    props = json.loads(r["properties"])
    d = props["device"]
    value[d] = value.get(d, 0) + props.get("price", 0)
    count[d] = count.get(d, 0) + 1
for d in sorted(value):
    print(f"{d}: {count[d]} adds, {value[d]:.2f} total, {value[d] / count[d]:.2f} avg")
