# category: formatting
# Rounding prices and discounts to cents.
rows = read_only_sql_query("shop", "SELECT id, discount, total FROM orders WHERE discount IS NOT NULL ORDER BY id LIMIT 12")["rows"]
for r in rows:
    pct = r["discount"] / (r["total"] + r["discount"]) * 100
    print(r["id"], round(r["discount"], 1), round(pct, 2), f"{pct:.0f}%", round(r["total"]))
