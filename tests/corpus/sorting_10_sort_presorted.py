# category: sorting
# Re-sort already ordered query results by several keys (typical of analysis code).
rows = read_only_sql_query("shop", "SELECT id, customer_id, ordered_at, total FROM orders ORDER BY ordered_at")["rows"]
by_time = sorted(rows, key=lambda r: r["ordered_at"])
by_customer = sorted(by_time, key=lambda r: r["customer_id"])
by_total = sorted(rows, key=lambda r: r["total"], reverse=True)
print([r["id"] for r in by_time[:5]])
print([(r["customer_id"], r["id"]) for r in by_customer[:6]])
print([r["id"] for r in by_total[:5]])
print(sorted(r["id"] for r in rows)[-3:])
