# category: reporting
# RFM-style scorecard for the top customers.
from datetime import datetime

asof = datetime(2025, 1, 1)
rows = read_only_sql_query("shop", """
    SELECT c.id, c.name, COUNT(o.id) AS orders, SUM(o.total) AS spent, MAX(o.ordered_at) AS last_order
    FROM customers c JOIN orders o ON o.customer_id = c.id
    WHERE o.status != 'cancelled'
    GROUP BY c.id ORDER BY spent DESC LIMIT 10
""")["rows"]
print(f"{'Customer':<22}{'Orders':>7}{'Spent':>11}{'Days since':>12}")
for r in rows:
    recency = (asof - datetime.fromisoformat(r["last_order"])).days
    print(f"{r['name']:<22}{r['orders']:>7}{r['spent']:>11,.2f}{recency:>12}")
