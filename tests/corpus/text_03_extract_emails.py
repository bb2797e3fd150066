# category: text
# Pull email addresses and URLs out of review text.
import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
URL = re.compile(r"https?://\S+")
rows = read_only_sql_query("shop", "SELECT id, body FROM reviews")["rows"]
emails, urls = [], []
for r in rows:
    emails += EMAIL.findall(r["body"])
    urls += URL.findall(r["body"])
print(f"{len(emails)} emails, {len(urls)} urls")
print("first emails:", emails[:5])
print("first urls:", urls[:3])
domains = sorted({e.split("@")[1].lower() for e in emails})
print("domains:", domains)
