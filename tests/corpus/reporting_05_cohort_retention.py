# category: reporting
# Quarterly signup cohorts and the share that ordered in each later quarter.
from collections import defaultdict

rows = read_only_sql_query("shop", """
    SELECT c.id, c.signup_date, o.ordered_at FROM customers c JOIN orders o ON o.customer_id = c.id
""")["rows"]

def quarter(s):
    y, m = int(s[:4]), int(s[5:7])
    return y * 4 + (m - 1) // 3

cohort_of = {}
active = defaultdict(set)
for r in rows:
    cq = quarter(r["signup_date"])
    cohort_of[r["id"]] = cq
    offset = quarter(r["ordered_at"]) - cq
    active[(cq, offset)].add(r["id"])

sizes = defaultdict(int)
for cid, cq in cohort_of.items():
    sizes[cq] += 1
print("cohort   size  " + " ".join(f"Q+{i}" .rjust(5) for i in range(5)))
for cq in sorted(sizes):
    label = f"{cq // 4}-Q{cq % 4 + 1}"
    cells = []
    for i in range(5):
        n = len(active.get((cq, i), ()))
        cells.append(f"{n / sizes[cq]:5.0%}")
    print(f"{label:<8} {sizes[cq]:>4}  " + " ".join(cells))
