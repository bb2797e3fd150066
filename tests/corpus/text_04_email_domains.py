# category: text
# Customer email domains, case-insensitive, with missing emails counted.
rows = read_only_sql_query("shop", "SELECT email FROM customers")["rows"]
domains = {}
missing = 0
for r in rows:
    email = r["email"]
    if not email:
        missing += 1
        continue
    domain = email.rsplit("@", 1)[-1].lower()
    domains[domain] = domains.get(domain, 0) + 1
for d, n in sorted(domains.items(), key=lambda x: (-x[1], x[0])):
    print(f"{d:<22} {n}")
print("no email:", missing)
