# category: formatting
# Old-style % formatting for a compact summary.
r = read_only_sql_query("shop", """
    SELECT COUNT(*) AS n, SUM(total) AS revenue, AVG(total) AS aov,
           SUM(CASE WHEN status = 'refunded' THEN 1 ELSE 0 END) AS refunds
    FROM orders
""")["rows"][0]
print("Orders:       %d" % r["n"])
print("Revenue:      %.2f" % r["revenue"])
print("Avg order:    %8.3f" % r["aov"])
print("Refund rate:  %.1f%%" % (100.0 * r["refunds"] / r["n"]))
print("%-10s|%10s|" % ("left", "right"))
print("%05d %x %o %e" % (r["n"], r["n"], r["n"], r["revenue"]))
