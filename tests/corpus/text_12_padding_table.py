# category: text
# Fixed-width table of cities with ljust/rjust/center.
rows = read_only_sql_query("shop", "SELECT city, country, COUNT(*) AS n FROM customers GROUP BY city, country ORDER BY n DESC, city")["rows"]
print("City".ljust(16) + "Country".ljust(16) + "Customers".rjust(10))
print("-" * 42)
for r in rows:
    print(r["city"].ljust(16) + r["country"].ljust(16) + str(r["n"]).rjust(10))
print("=" * 42)
print("end of report".center(42, "*"))
