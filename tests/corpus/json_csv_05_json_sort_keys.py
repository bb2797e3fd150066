# category: json_csv
# Compact and sorted JSON for one customer with their orders.
import json

customer = read_only_sql_query("shop", "SELECT * FROM customers WHERE id = 7")["rows"][0]
orders = read_only_sql_query("shop", "SELECT id, ordered_at, total FROM orders WHERE customer_id = 7 ORDER BY ordered_at")["rows"]
customer["orders"] = orders
print(json.dumps(customer, sort_keys=True))
print(json.dumps(orders[:2], separators=(",", ":")))
print(json.dumps({"name": customer["name"], "city": customer["city"]}, ensure_ascii=False))
