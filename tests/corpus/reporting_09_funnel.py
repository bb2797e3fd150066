# category: reporting
# Conversion funnel from events: view -> cart -> checkout, by session.
rows = read_only_sql_query("shop", "SELECT session_id, event_type FROM events")["rows"]
stages = {"page_view": set(), "add_to_cart": set(), "checkout": set()}
for r in rows:
    if r["event_type"] in stages:
        stages[r["event_type"]].add(r["session_id"])
viewed = stages["page_view"]
carted = stages["add_to_cart"] & viewed
bought = stages["checkout"] & carted
steps = [("Viewed", len(viewed)), ("Added to cart", len(carted)), ("Checked out", len(bought))]
for i, (label, n) in enumerate(steps):
    conv = "" if i == 0 else f" ({n / steps[i - 1][1]:.1%} of previous)"
    print(f"{label:<14}{n:>5}{conv}")
