# category: grouping
# First three orders per status combined with itertools.chain and islice.
from itertools import chain, islice, zip_longest

def orders_with(status):
    return read_only_sql_query("shop", "SELECT id, total FROM orders WHERE status = ? ORDER BY id", [status])["rows"]

firsts = {s: list(islice(orders_with(s), 3)) for s in ("paid", "shipped", "refunded", "cancelled")}
combined = list(chain.from_iterable(firsts.values()))
print(len(combined), "orders:", [o["id"] for o in combined])
print("status      1st      2nd      3rd")
for status, orders in firsts.items():
    print(f"{status:<9}" + "".join(f"{o['total']:>9.2f}" for o in orders))
for a, b in zip_longest(firsts["paid"], firsts["cancelled"][:2]):
    print(a["id"], b["id"] if b else "-")
