# category: json_csv
# JSON with dates serialised through a default= hook.
import json
from datetime import date

rows = read_only_sql_query("shop", "SELECT id, signup_date FROM customers ORDER BY id LIMIT 5")["rows"]
records = [{"id": r["id"], "signup": date.fromisoformat(r["signup_date"])} for r in rows]

def encode(o):
    if isinstance(o, date):
        return o.isoformat()
    raise TypeError(type(o).__name__)

print(json.dumps(records, default=encode, indent=1))
