# category: sorting
# Dense and competition ranking of products by review count.
rows = read_only_sql_query("shop", "SELECT product_id, COUNT(*) AS n FROM reviews GROUP BY product_id")["rows"]
ordered = sorted(rows, key=lambda r: -r["n"])
dense = comp = 0
prev = None
for i, r in enumerate(ordered, 1):
    if r["n"] != prev:
        dense += 1
        comp = i
        prev = r["n"]
    r["dense"], r["comp"] = dense, comp
for r in ordered[:12]:
    print(f"product {r['product_id']:>2}: {r['n']:>2} reviews, dense rank {r['dense']}, rank {r['comp']}")
