# category: grouping
# Cross-check a SQL GROUP BY against a Python aggregation.
sql_totals = read_only_sql_query("shop", """
    SELECT customer_id, COUNT(*) AS n, ROUND(SUM(total), 2) AS spent
    FROM orders GROUP BY customer_id ORDER BY spent DESC LIMIT 10
""")["rows"]

all_orders = read_only_sql_query("shop", "SELECT customer_id, total FROM orders")["rows"]
py_totals = {}
for o in all_orders:
    py_totals[o["customer_id"]] = py_totals.get(o["customer_id"], 0) + o["total"]

mismatches = 0
for row in sql_totals:
    mine = round(py_totals[row["customer_id"]], 2)
    flag = "" if abs(mine - row["spent"]) < 0.01 else "  <-- mismatch"
    if flag:
        mismatches += 1
    print(f"customer {row['customer_id']:>3}: {row['n']} orders, SQL {row['spent']:.2f} vs Python {mine:.2f}{flag}")
print("mismatches:", mismatches)
