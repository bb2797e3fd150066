# category: json_csv
# Tab-separated output for pasting into a spreadsheet.
import csv, io

rows = read_only_sql_query("shop", "SELECT name, city, segment FROM customers ORDER BY name LIMIT 10")["rows"]
s = io.StringIO()
w = csv.writer(s, delimiter="\t", lineterminator="\n")
w.writerow(["Name", "City", "Segment"])
w.writerows([[r["name"], r["city"], r["segment"]] for r in rows])
print(s.getvalue(), end="")
