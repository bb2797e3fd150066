# category: sorting
# Top 10 customers by lifetime value computed in Python.
orders = read_only_sql_query("shop", "SELECT customer_id, total, status FROM orders")["rows"]
names = {r["id"]: r["name"] for r in read_only_sql_query("shop", "SELECT id, name FROM customers")["rows"]}
ltv = {}
for o in orders:
    if o["status"] != "cancelled":
        ltv[o["customer_id"]] = ltv.get(o["customer_id"], 0) + o["total"]
top = sorted(ltv.items(), key=lambda kv: kv[1], reverse=True)[:10]
for rank, (cid, value) in enumerate(top, 1):
    print(f"{rank:>2}. {names[cid]:<24} {value:>9.2f}")
