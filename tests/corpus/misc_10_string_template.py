# category: misc
# Email drafts with string.Template.
from string import Template

tmpl = Template("Hi $first, thanks for your $count orders totalling $$${amount}!")
rows = read_only_sql_query("shop", """
    SELECT c.name, COUNT(o.id) AS n, ROUND(SUM(o.total), 2) AS amount
    FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.id ORDER BY amount DESC LIMIT 4
""")["rows"]
for r in rows:
    print(tmpl.substitute(first=r["name"].split()[0], count=r["n"], amount=f"{r['amount']:,.2f}"))
