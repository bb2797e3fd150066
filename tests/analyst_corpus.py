"""The analyst corpus: programs a model writes to analyse a SQLite database, run in the sandbox and
in CPython on the same data, and compared on stdout.

- `build_database(path)` makes the shop database the programs query, deterministically.
- `cpython_outputs(programs, db)` runs each program in a fresh CPython process-namespace, with a
  `read_only_sql_query` over sqlite3 that answers in the tool's shape.
- `sandbox_outputs(programs, db)` runs each in its own conversation through the real tool, in a
  real Datasette serving the database (the plugin's own `read_only_sql_query`).
- `classify(...)` names why a program's sandbox run differs, for the expected-failures file.

The programs live in tests/corpus/*.py, each with a `# category: ...` header. They are written the
way a model writes them for CPython, not tuned to the sandbox. tests/corpus/expected_failures.json
maps each program that fails today to a reason; `scripts/corpus_report.py --write-expected`
regenerates it.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import sqlite3
import subprocess
import sys
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

HERE = Path(__file__).resolve().parent
PROGRAMS_DIR = HERE / "corpus"
EXPECTED_FAILURES = PROGRAMS_DIR / "expected_failures.json"
DATABASE_NAME = "shop"
# Datasette's default max_returned_rows: the shim truncates the same way.
MAX_ROWS = 1000
CATEGORIES = (
    "grouping",
    "dates",
    "statistics",
    "text",
    "formatting",
    "reporting",
    "collections",
    "json_csv",
    "sorting",
    "misc",
)


@dataclass(frozen=True)
class Program:
    name: str
    category: str
    code: str


def load_programs(folder: Path = PROGRAMS_DIR) -> list[Program]:
    programs = []
    for path in sorted(folder.glob("*.py")):
        code = path.read_text()
        match = re.match(r"# category: (\w+)\n", code)
        if not match or match.group(1) not in CATEGORIES:
            raise ValueError(f"{path.name}: the first line must be '# category: <one of {', '.join(CATEGORIES)}>'")
        programs.append(Program(path.stem, match.group(1), code))
    return programs


def load_expected_failures() -> dict[str, str]:
    if not EXPECTED_FAILURES.exists():
        return {}
    return json.loads(EXPECTED_FAILURES.read_text())


# The database.

FIRST_NAMES = [
    "Olivia",
    "Liam",
    "José",
    "Zoë",
    "Søren",
    "Chloé",
    "Łukasz",
    "Amélie",
    "Mohammed",
    "Ana",
    "Björn",
    "Siobhán",
    "Noah",
    "Emma",
    "Hiroshi",
    "Priya",
    "Mateo",
    "Ærin",
    "François",
    "Wei",
    "Fatima",
    "Jürgen",
    "Aoife",
    "Kenji",
]
LAST_NAMES = [
    "Smith",
    "Álvarez",
    "Müller",
    "Kierkegaard",
    "Dubois",
    "Nowak",
    "O'Brien",
    "García",
    "Nguyen",
    "Østergaard",
    "Rossi",
    "Kowalczyk",
    "Tanaka",
    "Patel",
    "Johansson",
    "Côté",
    "李",
    "Ben-David",
    "van der Berg",
    "Schmidt",
]
COUNTRIES = {
    "United States": ["New York", "Austin", "Seattle", "Chicago"],
    "Germany": ["Berlin", "München", "Köln"],
    "France": ["Paris", "Lyon"],
    "Japan": ["Tokyo", "Ōsaka"],
    "Brazil": ["São Paulo", "Rio de Janeiro"],
    "Denmark": ["København", "Aarhus"],
    "Canada": ["Montréal", "Toronto"],
}
PRODUCTS = {
    "Books": [
        "Data Science Handbook",
        "The Pragmatic Analyst",
        "SQL Pocket Guide",
        "Café Stories",
        "Poetry of Numbers",
        "Atlas of Maps",
    ],
    "Electronics": [
        "USB-C Hub",
        "Noise-Cancelling Headphones",
        '4K Monitor 27"',
        "Mechanical Keyboard",
        "Wireless Mouse",
        "Webcam HD",
    ],
    "Garden": [
        "Pruning Shears",
        "Rain Barrel 200L",
        "Seed Starter Kit",
        "Garden Hose 30m",
        "Compost Bin",
        "Bird Feeder",
    ],
    "Kitchen": [
        "Chef's Knife",
        "Cast Iron Skillet",
        "Espresso Maker",
        "Crème Brûlée Torch",
        "Cutting Board",
        "Tea Kettle",
    ],
    "Toys": ["Puzzle 1000pc", "Wooden Train Set", "Kite", "Building Blocks", "Board Game: Züge", "Plush Bear"],
    "Clothing": ["Rain Jacket", "Wool Socks (3-pack)", "Linen Shirt", "Denim Jeans", "Beanie", "Running Shoes"],
}
REVIEW_PHRASES = [
    "Great product!!",
    "Would buy again.",
    "  Arrived late   but works fine. ",
    "Terrible quality :(",
    "Five stars ★★★★★",
    "Not as described.<br>Returned it.",
    "Excellent value for money",
    "meh",
    "Works as expected; nothing special.",
    "Customer service was very helpful - thanks Ana!",
    "Broke after 2 weeks... disappointed",
    "Perfect gift 🎁",
    "Contact me at buyer{n}@example.com for details",
    "See https://example.com/review/{n} for photos",
    "Très bien, je recommande",
    "Sehr gut!",
    "Price went up from $19.99 to $24.99, still OK",
    "",
]
EVENT_TYPES = ["page_view", "page_view", "page_view", "search", "add_to_cart", "checkout", "login"]
PAGES = ["/", "/products", "/products/{id}", "/cart", "/checkout", "/search", "/account"]


def _iso_date(day: date) -> str:
    return day.isoformat()


def build_database(path: Path) -> None:
    """The shop: customers, products, orders and their items, web events, reviews. Deterministic."""
    rng = random.Random(20240601)
    start = date(2023, 1, 1)
    with sqlite3.connect(path) as conn:
        conn.executescript(
            """
            CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, country TEXT, city TEXT,
                segment TEXT, signup_date TEXT, birth_year INTEGER, referred_by INTEGER);
            CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, category TEXT, price REAL, cost REAL,
                launched TEXT, active INTEGER);
            CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), ordered_at TEXT,
                status TEXT, channel TEXT, discount REAL, shipping REAL, total REAL);
            CREATE TABLE order_items (id INTEGER PRIMARY KEY, order_id INTEGER REFERENCES orders(id),
                product_id INTEGER REFERENCES products(id), quantity INTEGER, unit_price REAL);
            CREATE TABLE events (id INTEGER PRIMARY KEY, customer_id INTEGER, event_type TEXT, occurred_at TEXT,
                session_id TEXT, page TEXT, duration_ms INTEGER, properties TEXT);
            CREATE TABLE reviews (id INTEGER PRIMARY KEY, product_id INTEGER, customer_id INTEGER, rating INTEGER,
                title TEXT, body TEXT, created_at TEXT, helpful_votes INTEGER);
            """
        )
        customers = []
        for cid in range(1, 151):
            country = rng.choice(list(COUNTRIES))
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            email = (
                None
                if rng.random() < 0.05
                else (
                    name.lower().replace(" ", ".").replace("'", "")
                    + f"{cid}@"
                    + rng.choice(["example.com", "mail.example.org", "Example.COM"])
                )
            )
            signup = start + timedelta(days=rng.randrange(0, 700))
            customers.append(
                (
                    cid,
                    name,
                    email,
                    country,
                    rng.choice(COUNTRIES[country]),
                    rng.choice(["consumer", "consumer", "small business", "enterprise"]),
                    _iso_date(signup),
                    None if rng.random() < 0.1 else rng.randrange(1950, 2005),
                    None if rng.random() < 0.7 or cid < 5 else rng.randrange(1, cid),
                )
            )
        conn.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", customers)

        products = []
        pid = 0
        for category, names in PRODUCTS.items():
            for name in names:
                pid += 1
                price = round(rng.uniform(4, 400) if category == "Electronics" else rng.uniform(3, 90), 2)
                products.append(
                    (
                        pid,
                        name,
                        category,
                        price,
                        round(price * rng.uniform(0.35, 0.8), 2),
                        _iso_date(date(2022, 1, 1) + timedelta(days=rng.randrange(0, 900))),
                        int(rng.random() > 0.1),
                    )
                )
        conn.executemany("INSERT INTO products VALUES (?, ?, ?, ?, ?, ?, ?)", products)

        orders, items = [], []
        item_id = 0
        for oid in range(1, 801):
            customer = rng.choice(customers)
            signup = date.fromisoformat(customer[6])
            day = signup + timedelta(days=rng.randrange(0, max(1, (date(2024, 12, 31) - signup).days)))
            moment = datetime(
                day.year, day.month, day.day, rng.randrange(0, 24), rng.randrange(0, 60), rng.randrange(0, 60)
            )
            subtotal = 0.0
            for _ in range(rng.choice([1, 1, 2, 2, 3, 4])):
                product = rng.choice(products)
                quantity = rng.choice([1, 1, 1, 2, 3, 5])
                unit_price = product[3] if rng.random() > 0.2 else round(product[3] * 0.9, 2)
                item_id += 1
                items.append((item_id, oid, product[0], quantity, unit_price))
                subtotal += quantity * unit_price
            discount = None if rng.random() < 0.6 else round(subtotal * rng.choice([0.05, 0.1, 0.15]), 2)
            shipping = 0.0 if subtotal > 100 else 4.99
            total = round(subtotal - (discount or 0) + shipping, 2)
            orders.append(
                (
                    oid,
                    customer[0],
                    moment.strftime("%Y-%m-%d %H:%M:%S"),
                    rng.choice(["paid", "paid", "paid", "shipped", "shipped", "refunded", "cancelled"]),
                    None if rng.random() < 0.08 else rng.choice(["web", "web", "mobile", "store"]),
                    discount,
                    shipping,
                    total,
                )
            )
        conn.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, ?)", orders)
        conn.executemany("INSERT INTO order_items VALUES (?, ?, ?, ?, ?)", items)

        events = []
        moment = datetime(2024, 9, 1, 0, 0, 0)
        for eid in range(1, 2501):
            moment += timedelta(seconds=rng.randrange(5, 2400))
            event_type = rng.choice(EVENT_TYPES)
            page = rng.choice(PAGES).replace("{id}", str(rng.randrange(1, 37)))
            properties = {"device": rng.choice(["desktop", "mobile", "tablet"])}
            if event_type == "search":
                properties["query"] = rng.choice(
                    ["headphones", "knife", "Kite", "rain jacket", "crème", "usb c", "socks"]
                )
            if event_type == "add_to_cart":
                properties["product_id"] = rng.randrange(1, 37)
                properties["price"] = products[properties["product_id"] - 1][3]
            events.append(
                (
                    eid,
                    None if rng.random() < 0.15 else rng.randrange(1, 151),
                    event_type,
                    moment.isoformat(),
                    f"s{rng.randrange(1, 400):04d}",
                    page,
                    None if rng.random() < 0.2 else rng.randrange(50, 90_000),
                    json.dumps(properties),
                )
            )
        conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)", events)

        reviews = []
        for rid in range(1, 401):
            rating = rng.choices([1, 2, 3, 4, 5], weights=[1, 1, 2, 4, 5])[0]
            body = " ".join(rng.choice(REVIEW_PHRASES).format(n=rid) for _ in range(rng.randrange(1, 4)))
            title = rng.choice(["Great", "OK", "Bad", "LOVE IT", "not bad", "Disappointed", "Works", None])
            reviews.append(
                (
                    rid,
                    rng.randrange(1, 37),
                    rng.randrange(1, 151),
                    rating,
                    title,
                    body,
                    _iso_date(date(2023, 3, 1) + timedelta(days=rng.randrange(0, 640))),
                    None if rng.random() < 0.3 else rng.randrange(0, 60),
                )
            )
        conn.executemany("INSERT INTO reviews VALUES (?, ?, ?, ?, ?, ?, ?, ?)", reviews)


# CPython: the oracle.

SHIM = '''
import sqlite3 as _sqlite3

def read_only_sql_query(name_of_database, sql, params=None):
    """The tool's read_only_sql_query, over sqlite3: the same reply shape."""
    if name_of_database != %(name)r:
        return {"error": "Database %%r not found" %% name_of_database}
    conn = _sqlite3.connect("file:" + %(path)r + "?mode=ro", uri=True)
    try:
        cursor = conn.execute(sql, params or [])
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchmany(%(max_rows)d + 1)
    except Exception as error:
        return {"error": "%%s: %%s" %% (type(error).__name__, error)}
    finally:
        conn.close()
    return {
        "columns": columns,
        "rows": [dict(zip(columns, row)) for row in rows[:%(max_rows)d]],
        "truncated": len(rows) > %(max_rows)d,
    }
'''

CPYTHON_WORKER = """
import contextlib, io, json, sys
programs = json.load(sys.stdin)
shim = sys.argv[1]
results = {}
for name, code in programs.items():
    namespace = {"__name__": "__main__"}
    exec(shim, namespace)
    buffer = io.StringIO()
    error = None
    with contextlib.redirect_stdout(buffer):
        try:
            exec(compile(code, "<string>", "exec"), namespace)
        except BaseException as exc:
            error = "%s: %s" % (type(exc).__name__, exc)
    results[name] = {"stdout": buffer.getvalue(), "error": error}
json.dump(results, sys.stdout)
"""


def cpython_outputs(programs: list[Program], database: Path) -> dict[str, dict]:
    """{name: {"stdout", "error"}} from one CPython process running each program in a fresh namespace."""
    shim = SHIM % {"name": DATABASE_NAME, "path": str(database), "max_rows": MAX_ROWS}
    process = subprocess.run(
        [sys.executable, "-c", CPYTHON_WORKER, shim],
        input=json.dumps({program.name: program.code for program in programs}),
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return json.loads(process.stdout)


# The sandbox, through the real tool.


async def start_datasette(database: Path, plugin_config: dict | None = None):
    """A real Datasette serving the database, with this plugin and its default settings."""
    from datasette.app import Datasette

    ds = Datasette([str(database)], config={"plugins": {"datasette-agent-micropython": plugin_config or {}}})
    await ds.invoke_startup()
    return ds


async def execute_micropython_tool(ds):
    from datasette_agent.tools import get_agent_tools

    [tool] = [tool for tool in await get_agent_tools(ds) if tool.name == "execute_micropython"]
    return tool


async def run_in_sandbox(ds, tool, code: str) -> dict:
    """One call of the tool in a conversation of its own; the result the model would see."""
    context = SimpleNamespace(conversation_id="corpus-" + uuid.uuid4().hex)
    return await tool.fn(datasette=ds, actor={"id": "root"}, context=context, python=code)


async def sandbox_outputs_async(
    programs: list[Program], database: Path, plugin_config: dict | None = None
) -> dict[str, dict]:
    ds = await start_datasette(database, plugin_config)
    tool = await execute_micropython_tool(ds)
    results = {}
    for program in programs:
        results[program.name] = await run_in_sandbox(ds, tool, program.code)
    from datasette_agent_micropython.wiring import session_manager

    await session_manager(ds).shutdown()
    return results


def sandbox_outputs(programs: list[Program], database: Path, plugin_config: dict | None = None) -> dict[str, dict]:
    return asyncio.run(sandbox_outputs_async(programs, database, plugin_config))


# Why a program fails.


def classify(sandbox: dict, cpython: dict, code: str = "") -> str | None:
    """None when the sandbox printed what CPython printed and ran clean; otherwise a reason category."""
    if sandbox.get("ok") and sandbox.get("stdout") == cpython["stdout"]:
        return None
    if not sandbox.get("ok"):
        error_type = sandbox.get("error_type")
        if error_type in ("timeout", "fuel", "memory", "trap"):
            return error_type
        last = (sandbox.get("error") or "").strip().splitlines()[-1:] or [""]
        return _exception_reason(last[0], code)
    return _difference_reason(sandbox["stdout"], cpython["stdout"])


def _exception_reason(line: str, code: str) -> str:
    if match := re.match(r"ImportError: no module named '([\w.]+)'", line):
        return f"missing module {match.group(1).split('.')[0]}"
    if match := re.match(r"ImportError: can't import name (\w+)", line):
        name = match.group(1)
        module = re.search(rf"from ([\w.]+) import [^\n]*\b{name}\b", code)
        return f"missing API ({module.group(1) + '.' if module else ''}{name})"
    if match := re.match(r"AttributeError: (?:type object )?'(\w+)' (?:object )?has no attribute '(\w+)'", line):
        return f"missing API ({match.group(1)}.{match.group(2)})"
    if match := re.match(r"AttributeError: module '(\w+)' has no attribute '(\w+)'", line):
        return f"missing API ({match.group(1)}.{match.group(2)})"
    if match := re.match(r"NameError: name '(\w+)' isn't defined", line):
        return f"missing builtin {match.group(1)}"
    if line.startswith(
        ("TypeError: function doesn't take keyword arguments", "TypeError: extra keyword arguments given")
    ):
        return "missing API (keyword arguments)"
    if line.startswith("SyntaxError"):
        return "syntax error"
    if line.startswith("NotImplementedError"):
        return "not implemented: " + line.split(":", 1)[-1].strip()[:60]
    if line.startswith("RuntimeError: maximum recursion depth"):
        return "recursion depth"
    return f"exception ({line.split(':', 1)[0] or 'error'})"


ESCAPE = re.compile(r"\\x[0-9a-f]{2}|\\u[0-9a-f]{4}|\\U[0-9a-f]{8}")
DIGIT_COMMA = re.compile(r"(?<=\d),(?=\d{3})")
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?")
LONG_FLOAT = re.compile(r"\d+\.\d{12,}")


def _unescape(text: str) -> str:
    return ESCAPE.sub(lambda m: chr(int(m.group(0)[2:], 16)), text)


def _short_float(match: re.Match) -> str:
    return repr(float("%.12g" % float(match.group(0))))


def _no_space(text: str) -> str:
    return "\n".join("".join(line.split()) for line in text.splitlines())


def _sorted_lines(text: str) -> str:
    return "\n".join(sorted(text.splitlines()))


def _sorted_chars(text: str) -> str:
    return "\n".join(sorted("".join(sorted(line)) for line in text.splitlines()))


# Each step undoes one known way MicroPython prints differently, on (sandbox, cpython) text. A
# step that brings the two closer names a cause. Widths are compared apart (padding is its own
# cause), and the coarsest steps (order, numbers) come last.
STEPS = [
    ("str repr escapes non-ASCII", lambda got, want: (_unescape(got), want)),
    ("no , grouping in format specs", lambda got, want: (DIGIT_COMMA.sub("", got), DIGIT_COMMA.sub("", want))),
    ("float repr", lambda got, want: (LONG_FLOAT.sub(_short_float, got), LONG_FLOAT.sub(_short_float, want))),
    ("padding counts bytes, not characters", lambda got, want: (_no_space(got), _no_space(want))),
    ("line order (dicts or unstable sort)", lambda got, want: (_sorted_lines(got), _sorted_lines(want))),
    ("dict order", lambda got, want: (_sorted_chars(got), _sorted_chars(want))),
    ("numbers", lambda got, want: (NUMBER.sub("#", got), NUMBER.sub("#", want))),
]


def _distance(a: str, b: str) -> int:
    left, right = _no_space(a).splitlines(), _no_space(b).splitlines()
    return sum(x != y for x, y in zip(left, right)) + abs(len(left) - len(right))


def _differing_lines(got: str, want: str) -> list[tuple[str, str]]:
    return [(x, y) for x, y in zip(got.splitlines(), want.splitlines()) if x != y]


def _difference_reason(got: str, want: str) -> str:
    causes = []
    original = _differing_lines(got, want)
    for cause, undo in STEPS:
        differing = _differing_lines(got, want)
        before = _distance(got, want)
        new_got, new_want = undo(got, want)
        if cause.startswith("padding"):
            # Padding by bytes only shows on lines with non-ASCII text.
            if any(not (x + y).isascii() and _no_space(x) == _no_space(y) for x, y in differing):
                causes.append(cause)
        elif cause == "numbers":
            if _distance(new_got, new_want) < before:
                floats = any("." in number for x, y in original for number in NUMBER.findall(x + " " + y))
                causes.append("float rounding" if floats else "different numbers (sort order?)")
        elif _distance(new_got, new_want) < before:
            causes.append(cause)
        got, want = new_got, new_want
        if got == want:
            return "; ".join(causes) or "whitespace"
    return "output differs" + (f" (also {'; '.join(causes)})" if causes else "")
