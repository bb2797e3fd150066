# category: json_csv
# Export top customers as CSV text with csv.writer and io.StringIO.
import csv
import io

rows = read_only_sql_query("shop", """
    SELECT c.name, c.country, COUNT(o.id) AS orders, ROUND(SUM(o.total), 2) AS spent
    FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.id ORDER BY spent DESC LIMIT 8
""")["rows"]
buf = io.StringIO()
writer = csv.writer(buf)
writer.writerow(["name", "country", "orders", "spent"])
for r in rows:
    writer.writerow([r["name"], r["country"], r["orders"], r["spent"]])
print(buf.getvalue())
