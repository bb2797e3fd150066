# category: grouping
# First and last order date per customer, for the 8 customers with most orders.
rows = read_only_sql_query("shop", "SELECT customer_id, ordered_at FROM orders ORDER BY ordered_at")["rows"]
first, last, count = {}, {}, {}
for r in rows:
    cid = r["customer_id"]
    first.setdefault(cid, r["ordered_at"])
    last[cid] = r["ordered_at"]
    count[cid] = count.get(cid, 0) + 1

top = sorted(count, key=lambda c: (-count[c], c))[:8]
for cid in top:
    print(f"#{cid}: {count[cid]} orders, first {first[cid][:10]}, last {last[cid][:10]}")
