# category: reporting
# A short report card per product in one category.
products = read_only_sql_query("shop", "SELECT id, name, price, cost FROM products WHERE category = 'Kitchen' ORDER BY name")["rows"]
for p in products:
    sales = read_only_sql_query("shop", "SELECT COUNT(*) AS lines, COALESCE(SUM(quantity), 0) AS units FROM order_items WHERE product_id = ?", [p["id"]])["rows"][0]
    reviews = read_only_sql_query("shop", "SELECT COUNT(*) AS n, AVG(rating) AS avg FROM reviews WHERE product_id = :pid", {"pid": p["id"]})["rows"][0]
    avg = f"{reviews['avg']:.1f}" if reviews["avg"] is not None else "n/a"
    print(f"## {p['name']}")
    print(f"   price {p['price']:.2f}, margin {(p['price'] - p['cost']) / p['price']:.0%}")
    print(f"   sold {sales['units']} units in {sales['lines']} lines; rating {avg} ({reviews['n']} reviews)")
