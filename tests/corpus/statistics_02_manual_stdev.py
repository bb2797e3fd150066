# category: statistics
# Mean and standard deviation computed by hand (no statistics module).
import math

rows = read_only_sql_query("shop", "SELECT price FROM products")["rows"]
prices = [r["price"] for r in rows]
n = len(prices)
mean = sum(prices) / n
var = sum((p - mean) ** 2 for p in prices) / (n - 1)
sd = math.sqrt(var)
print("Products:", n)
print("Mean price: %.2f" % mean)
print("Std dev:    %.2f" % sd)
print("CV:         %.3f" % (sd / mean))
