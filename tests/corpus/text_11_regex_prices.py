# category: text
# Find dollar amounts mentioned in review text and the price changes they describe.
import re

rows = read_only_sql_query("shop", "SELECT id, body FROM reviews WHERE body LIKE '%$%'")["rows"]
pattern = re.compile(r"\$(\d+(?:\.\d{2})?)")
changes = []
for r in rows:
    amounts = [float(a) for a in pattern.findall(r["body"])]
    if len(amounts) >= 2:
        changes.append((r["id"], amounts[0], amounts[1]))
print(f"{len(rows)} reviews mention prices; {len(changes)} mention a change")
for rid, old, new in changes[:5]:
    print(f"  review {rid}: {old:.2f} -> {new:.2f} ({(new - old) / old:+.0%})")
