# category: reporting
# Executive summary of the shop.
def q(sql):
    return read_only_sql_query("shop", sql)["rows"]

customers = q("SELECT COUNT(*) AS n FROM customers")[0]["n"]
orders = q("SELECT COUNT(*) AS n, SUM(total) AS revenue FROM orders WHERE status IN ('paid','shipped')")[0]
refunds = q("SELECT COUNT(*) AS n, SUM(total) AS amount FROM orders WHERE status = 'refunded'")[0]
best = q("SELECT p.name, SUM(oi.quantity) AS units FROM order_items oi JOIN products p ON p.id = oi.product_id GROUP BY p.id ORDER BY units DESC LIMIT 1")[0]

print("=== Shop summary ===")
print(f"Customers:          {customers:>10,}")
print(f"Completed orders:   {orders['n']:>10,}")
print(f"Revenue:            {orders['revenue']:>10,.2f}")
print(f"Average order:      {orders['revenue'] / orders['n']:>10,.2f}")
print(f"Refunds:            {refunds['n']:>10,} ({refunds['amount']:,.2f})")
print(f"Best seller:        {best['name']} ({best['units']} units)")
