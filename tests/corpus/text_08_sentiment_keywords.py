# category: text
# Crude keyword sentiment score per review compared to the rating.
POSITIVE = ["great", "excellent", "perfect", "helpful", "recommande", "gut", "love"]
NEGATIVE = ["terrible", "broke", "disappointed", "late", "returned", "meh"]

rows = read_only_sql_query("shop", "SELECT rating, body, title FROM reviews")["rows"]
agree = disagree = neutral = 0
for r in rows:
    text = (r["body"] + " " + (r["title"] or "")).lower()
    score = sum(text.count(w) for w in POSITIVE) - sum(text.count(w) for w in NEGATIVE)
    if score == 0:
        neutral += 1
    elif (score > 0) == (r["rating"] >= 4):
        agree += 1
    else:
        disagree += 1
print(f"agree={agree} disagree={disagree} neutral={neutral}")
print(f"agreement rate: {agree / (agree + disagree):.1%}")
