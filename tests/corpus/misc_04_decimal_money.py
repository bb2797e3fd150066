# category: misc
# Exact money totals with Decimal and half-up rounding.
from decimal import Decimal, ROUND_HALF_UP

rows = read_only_sql_query("shop", "SELECT quantity, unit_price FROM order_items WHERE order_id <= 40")["rows"]
total = Decimal("0")
for r in rows:
    total += Decimal(str(r["unit_price"])) * r["quantity"]
vat = (total * Decimal("0.19")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
print("net:", total)
print("VAT 19%:", vat)
print("gross:", total + vat)
print(Decimal("2.675").quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), round(2.675, 2))
