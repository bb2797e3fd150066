# category: reporting
# Refund report by product category, worst first.
rows = read_only_sql_query("shop", """
    SELECT p.category, o.status, oi.quantity * oi.unit_price AS amount
    FROM orders o JOIN order_items oi ON oi.order_id = o.id JOIN products p ON p.id = oi.product_id
""")
data = rows["rows"]
report = {}
for r in data:
    c = report.setdefault(r["category"], {"sold": 0.0, "refunded": 0.0})
    c["sold"] += r["amount"]
    if r["status"] == "refunded":
        c["refunded"] += r["amount"]
ranked = sorted(report.items(), key=lambda kv: kv[1]["refunded"] / kv[1]["sold"], reverse=True)
print("Refunds by category (truncated: %s)" % rows["truncated"])
for cat, c in ranked:
    print(f"  {cat:<12} {c['refunded']:>9.2f} of {c['sold']:>9.2f}  = {c['refunded'] / c['sold']:.1%}")
