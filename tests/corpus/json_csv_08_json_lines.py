# category: json_csv
# JSON Lines output of refunded orders.
import json

for row in read_only_sql_query("shop", "SELECT id, customer_id, total, ordered_at FROM orders WHERE status = 'refunded' ORDER BY id LIMIT 8")["rows"]:
    print(json.dumps(row))
