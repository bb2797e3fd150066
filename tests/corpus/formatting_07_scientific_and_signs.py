# category: formatting
# Signed deltas vs the average price, with explicit + signs.
rows = read_only_sql_query("shop", "SELECT name, price FROM products ORDER BY price DESC")["rows"]
avg = sum(r["price"] for r in rows) / len(rows)
print(f"average price: {avg:.3f}")
for r in rows[:5] + rows[-5:]:
    delta = r["price"] - avg
    print(f"{r['name'][:22]:<22} {r['price']:>8.2f} {delta:>+9.2f} {delta / avg:>+8.1%}")
print(f"{avg:e} {avg:.2e} {avg:g}")
