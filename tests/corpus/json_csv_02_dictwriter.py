# category: json_csv
# DictWriter export of products, with quoting of names containing commas or quotes.
import csv, io

res = read_only_sql_query("shop", "SELECT id, name, category, price FROM products WHERE category IN ('Electronics', 'Clothing') ORDER BY id")
out = io.StringIO()
w = csv.DictWriter(out, fieldnames=res["columns"], quoting=csv.QUOTE_MINIMAL)
w.writeheader()
w.writerows(res["rows"])
text = out.getvalue()
print(text)
print(len(text.splitlines()), "lines")
