# category: misc
# A reproducible random sample of customers for a survey.
import random

rows = read_only_sql_query("shop", "SELECT id, name FROM customers ORDER BY id")["rows"]
random.seed(42)
sample = random.sample(rows, 5)
for r in sample:
    print(r["id"], r["name"])
print(random.randint(1, 100), round(random.random(), 6))
