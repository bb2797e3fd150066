# category: json_csv
# Write CSV, read it back with DictReader, and check the totals match.
import csv
import io

rows = read_only_sql_query("shop", "SELECT id, customer_id, total, channel FROM orders ORDER BY id LIMIT 50")["rows"]
buf = io.StringIO()
writer = csv.DictWriter(buf, fieldnames=["id", "customer_id", "total", "channel"])
writer.writeheader()
for r in rows:
    writer.writerow(r)
buf.seek(0)
back = list(csv.DictReader(buf))
print(len(back), "rows read back")
print(back[0])
print(round(sum(float(r["total"]) for r in back), 2) == round(sum(r["total"] for r in rows), 2))
print(sum(1 for r in back if r["channel"] == ""), "empty channels")
