# category: formatting
# Human-readable big numbers: K/M suffixes and underscores.
def human(n):
    for unit in ["", "K", "M", "B"]:
        if abs(n) < 1000:
            return f"{n:.1f}{unit}"
        n /= 1000
    return f"{n:.1f}T"

r = read_only_sql_query("shop", "SELECT SUM(duration_ms) AS ms, COUNT(*) AS n, SUM(total) AS t FROM events, (SELECT SUM(total) AS total FROM orders)")["rows"][0]
print("total duration ms:", human(r["ms"]))
print("rows in cross join:", f"{r['n']:_}")
print("cumulative revenue:", human(r["t"]))
print(f"{r['ms']:,} ms = {r['ms'] / 3_600_000:,.1f} hours")
