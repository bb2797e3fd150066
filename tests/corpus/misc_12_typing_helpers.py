# category: misc
# Typed helper functions with annotations, tuple unpacking and a summary dict.
from typing import Dict, List, Tuple

def load(sql: str) -> List[Dict]:
    return read_only_sql_query("shop", sql)["rows"]

def split_by(rows: List[Dict], key: str) -> Dict[str, List[Dict]]:
    out: Dict[str, List[Dict]] = {}
    for r in rows:
        out.setdefault(r[key], []).append(r)
    return out

def minmax(values: List[float]) -> Tuple[float, float]:
    return min(values), max(values)

groups = split_by(load("SELECT segment, total FROM orders o JOIN customers c ON c.id = o.customer_id"), "segment")
for segment in sorted(groups):
    lo, hi = minmax([r["total"] for r in groups[segment]])
    print(f"{segment:<15} {len(groups[segment]):>4} orders, range {lo:.2f}..{hi:.2f}")
