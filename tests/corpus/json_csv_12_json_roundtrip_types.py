# category: json_csv
# Round-trip rows through JSON and check types survive.
import json

rows = read_only_sql_query("shop", "SELECT id, discount, channel, total FROM orders ORDER BY id LIMIT 6")["rows"]
text = json.dumps(rows)
back = json.loads(text)
print(back == rows)
for r in back:
    print({k: type(v).__name__ for k, v in r.items()})
print(len(text))
