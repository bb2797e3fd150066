# category: text
# Normalise review text: strip HTML breaks, collapse whitespace, count words.
import re

rows = read_only_sql_query("shop", "SELECT id, body FROM reviews ORDER BY id LIMIT 15")["rows"]
for r in rows:
    text = r["body"].replace("<br>", " ")
    text = re.sub(r"\s+", " ", text).strip()
    words = len(text.split()) if text else 0
    print(f"{r['id']:>3} [{words:2d} words] {text[:60]}")
