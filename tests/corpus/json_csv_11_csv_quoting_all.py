# category: json_csv
# CSV with QUOTE_NONNUMERIC for review excerpts containing commas and quotes.
import csv, io

rows = read_only_sql_query("shop", "SELECT id, rating, title, body FROM reviews WHERE body LIKE '%,%' OR body LIKE '%\"%' ORDER BY id LIMIT 6")["rows"]
buf = io.StringIO()
w = csv.writer(buf, quoting=csv.QUOTE_NONNUMERIC)
w.writerow(["id", "rating", "title", "excerpt"])
for r in rows:
    w.writerow([r["id"], r["rating"], r["title"] or "", r["body"][:40]])
print(buf.getvalue())
