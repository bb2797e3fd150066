# category: text
# Most frequent words in reviews, ignoring stopwords and punctuation.
import re
from collections import Counter

STOP = {"the", "a", "an", "and", "but", "for", "it", "as", "at", "to", "of", "me", "is", "was", "from", "after", "see", "still"}
bodies = [r["body"] for r in read_only_sql_query("shop", "SELECT body FROM reviews")["rows"]]
words = Counter()
for body in bodies:
    for w in re.findall(r"[a-zà-ÿ']+", body.lower()):
        if w not in STOP and len(w) > 2:
            words[w] += 1

for word, n in words.most_common(15):
    print(f"{word:<15}{n}")
