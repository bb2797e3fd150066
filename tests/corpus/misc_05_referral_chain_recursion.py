# category: misc
# Depth of each customer's referral chain, recursively.
rows = read_only_sql_query("shop", "SELECT id, referred_by FROM customers")["rows"]
parent = {r["id"]: r["referred_by"] for r in rows}

def depth(cid):
    p = parent.get(cid)
    return 0 if p is None else 1 + depth(p)

depths = {cid: depth(cid) for cid in parent}
deepest = max(depths.values())
print("max referral depth:", deepest)
print("customers at each depth:", [sum(1 for d in depths.values() if d == k) for k in range(deepest + 1)])
children = {}
for cid, p in parent.items():
    if p is not None:
        children.setdefault(p, []).append(cid)
top = max(children, key=lambda c: (len(children[c]), -c))
print("top referrer:", top, "referred", sorted(children[top]))
