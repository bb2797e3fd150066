# category: text
# Split full names into first and last, handling multi-part surnames.
rows = read_only_sql_query("shop", "SELECT id, name FROM customers")["rows"]
multi = []
last_names = {}
for r in rows:
    first, _, last = r["name"].partition(" ")
    last_names[last] = last_names.get(last, 0) + 1
    if " " in last or "-" in last or "'" in last:
        multi.append(r["name"])
print("multi-part or punctuated surnames:", len(multi))
for name in sorted(set(multi))[:6]:
    print(" -", name)
common = sorted(last_names.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
print("most common surnames:", ", ".join(f"{k} ({v})" for k, v in common))
