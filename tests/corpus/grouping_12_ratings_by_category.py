# category: grouping
# Average rating and review count per product category.
reviews = read_only_sql_query("shop", """
    SELECT p.category, r.rating FROM reviews r JOIN products p ON p.id = r.product_id
""")["rows"]

agg = {}
for r in reviews:
    a = agg.setdefault(r["category"], {"n": 0, "sum": 0, "five": 0})
    a["n"] += 1
    a["sum"] += r["rating"]
    a["five"] += r["rating"] == 5

for cat, a in sorted(agg.items(), key=lambda kv: kv[1]["sum"] / kv[1]["n"], reverse=True):
    print(f"{cat:<12} {a['sum'] / a['n']:.2f} stars over {a['n']} reviews ({a['five'] / a['n']:.0%} five-star)")
