# category: grouping
# Average order value per customer segment using itertools.groupby.
from itertools import groupby
from operator import itemgetter

rows = read_only_sql_query("shop", """
    SELECT c.segment, o.total FROM orders o JOIN customers c ON c.id = o.customer_id
    WHERE o.status IN ('paid', 'shipped')
    ORDER BY c.segment
""")["rows"]

for segment, group in groupby(rows, key=itemgetter("segment")):
    totals = [g["total"] for g in group]
    print(f"{segment}: n={len(totals)}, avg={sum(totals) / len(totals):.2f}, max={max(totals):.2f}")
