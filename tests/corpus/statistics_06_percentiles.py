# category: statistics
# Percentiles of event durations (ignoring NULLs).
durations = sorted(r["duration_ms"] for r in read_only_sql_query("shop", "SELECT duration_ms FROM events")["rows"] if r["duration_ms"] is not None)

def percentile(data, p):
    k = (len(data) - 1) * p / 100
    f = int(k)
    c = min(f + 1, len(data) - 1)
    return data[f] + (data[c] - data[f]) * (k - f)

for p in (50, 75, 90, 95, 99):
    print(f"p{p}: {percentile(durations, p) / 1000:.1f} s")
print("events with duration:", len(durations))
