# category: dates
# Customer age bands at the end of 2024, skipping missing birth years.
rows = read_only_sql_query("shop", "SELECT birth_year FROM customers")["rows"]
bands = {"<25": 0, "25-34": 0, "35-49": 0, "50-64": 0, "65+": 0}
missing = 0
for r in rows:
    if r["birth_year"] is None:
        missing += 1
        continue
    age = 2024 - r["birth_year"]
    if age < 25:
        bands["<25"] += 1
    elif age < 35:
        bands["25-34"] += 1
    elif age < 50:
        bands["35-49"] += 1
    elif age < 65:
        bands["50-64"] += 1
    else:
        bands["65+"] += 1

for band, n in bands.items():
    print(f"{band:>6}: {n}")
print("unknown:", missing)
