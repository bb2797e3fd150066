# category: text
# Print the longest reviews wrapped to 50 columns.
import textwrap

rows = read_only_sql_query("shop", "SELECT id, rating, body FROM reviews ORDER BY length(body) DESC, id LIMIT 3")["rows"]
for r in rows:
    print(f"Review #{r['id']} ({r['rating']}/5)")
    print(textwrap.fill(" ".join(r["body"].split()), width=50, initial_indent="  ", subsequent_indent="  "))
    print()
