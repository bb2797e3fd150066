# category: misc
# Handle query errors and missing tables gracefully.
def safe_query(sql, params=None):
    res = read_only_sql_query("shop", sql, params)
    if "error" in res:
        print("query failed:", res["error"].split(":")[0])
        return []
    return res["rows"]

print(len(safe_query("SELECT * FROM customers")))
print(safe_query("SELECT * FROM no_such_table"))
print(safe_query("SELECT name FROM products WHERE price > ? ORDER BY price DESC", [300]))
try:
    value = safe_query("SELECT total FROM orders WHERE id = -1")[0]["total"]
except IndexError:
    value = None
print("value:", value)
