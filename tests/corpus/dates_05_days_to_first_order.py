# category: dates
# How many days from signup to first order.
from datetime import date
import statistics

rows = read_only_sql_query("shop", """
    SELECT c.id, c.signup_date, MIN(o.ordered_at) AS first_order
    FROM customers c JOIN orders o ON o.customer_id = c.id
    GROUP BY c.id
""")["rows"]

gaps = []
for r in rows:
    signup = date.fromisoformat(r["signup_date"])
    first = date.fromisoformat(r["first_order"][:10])
    gaps.append((first - signup).days)

print("customers with orders:", len(gaps))
print("median days to first order:", statistics.median(gaps))
print("mean days:", round(statistics.mean(gaps), 1))
print("within 30 days:", sum(1 for g in gaps if g <= 30))
