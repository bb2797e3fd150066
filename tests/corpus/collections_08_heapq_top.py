# category: collections
# Largest and smallest orders with heapq.
import heapq

rows = read_only_sql_query("shop", "SELECT id, total FROM orders")["rows"]
largest = heapq.nlargest(5, rows, key=lambda r: r["total"])
smallest = heapq.nsmallest(3, rows, key=lambda r: r["total"])
print("largest:", [(r["id"], r["total"]) for r in largest])
print("smallest:", [(r["id"], r["total"]) for r in smallest])
