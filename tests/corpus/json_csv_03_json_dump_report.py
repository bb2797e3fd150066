# category: json_csv
# Build a JSON report with json.dumps(indent=2).
import json

rows = read_only_sql_query("shop", "SELECT category, COUNT(*) AS products, ROUND(AVG(price), 2) AS avg_price FROM products GROUP BY category ORDER BY category")["rows"]
report = {
    "generated_for": "shop",
    "categories": rows,
    "totals": {"products": sum(r["products"] for r in rows)},
}
print(json.dumps(report, indent=2))
