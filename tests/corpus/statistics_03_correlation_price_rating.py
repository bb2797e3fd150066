# category: statistics
# Correlation between product price and its average rating.
import statistics

rows = read_only_sql_query("shop", """
    SELECT p.price, AVG(r.rating) AS avg_rating, COUNT(*) AS n
    FROM products p JOIN reviews r ON r.product_id = p.id
    GROUP BY p.id HAVING n >= 5
""")["rows"]
prices = [r["price"] for r in rows]
ratings = [r["avg_rating"] for r in rows]
r = statistics.correlation(prices, ratings)
print(f"{len(rows)} products with >= 5 reviews")
print(f"Pearson r = {r:.3f}")
print("Interpretation:", "weak" if abs(r) < 0.3 else "moderate" if abs(r) < 0.6 else "strong")
