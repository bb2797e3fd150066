# category: misc
# Exact channel shares with Fraction.
from fractions import Fraction

rows = read_only_sql_query("shop", "SELECT channel, COUNT(*) AS n FROM orders WHERE channel IS NOT NULL GROUP BY channel ORDER BY channel")["rows"]
total = sum(r["n"] for r in rows)
shares = {r["channel"]: Fraction(r["n"], total) for r in rows}
for ch, f in shares.items():
    print(ch, f, float(f))
print(sum(shares.values()))
