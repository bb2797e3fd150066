"""A real browser against a real `datasette serve`: the admin page, the `show_result` widget, charts.

Headless Chromium (Debian's `chromium` package, /usr/bin/chromium) is driven by Playwright for
Python; Playwright's own browser downloads are never used. The server is the installed `datasette`
command on a free port of 127.0.0.1, started with `--root`; the browser signs in through the
one-time root login URL the server prints. The model is llm-echo's `echo`, so the test types a
JSON message that makes the model call `execute_micropython`.

Screenshots go to the test's temporary folder (the test prints where the admin page's are; see them
with `pytest -s`); with --save-screenshots they replace docs/admin-page.png,
docs/admin-reset-confirmation.png, docs/show-result.png and docs/charts.png.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from server_harness import datasette_command, free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DOCS = Path(__file__).resolve().parent.parent / "docs"


def screenshot_folder(request, tmp_path):
    return DOCS if request.config.getoption("save_screenshots") else tmp_path


PAYLOAD = "<script>window.__pwned=1</script><b>bold</b>"
# The code the model runs: it prints the payload (built from pieces, so that the payload itself
# appears only in what the code printed) after a query, so the widget has something to show.
CODE = """# What the sandbox prints is shown as text, never as HTML
rows = read_only_sql_query("data", "select name, price from items order by price")["rows"]
for row in rows:
    print(f"{row['name']:<8} {row['price']:>6.2f}")
tag = "script"
print(f"<{tag}>window.__pwned=1</{tag}><b>bold</b>")
"""
SALES = [
    ("2026-01", "north", 120),
    ("2026-01", "south", 80),
    ("2026-02", "north", 150),
    ("2026-02", "south", 90),
    ("2026-02", "east", 60),
    ("2026-03", "north", 210),
    ("2026-03", "<script>window.__pwned=1</script>", 40),
]
# Totals by month (2026-01: 200, 2026-02: 300, 2026-03: 250), drawn as a bar chart and a table.
CHART_CODE = """rows = read_only_sql_query("data", "select month, region, amount from sales")["rows"]
totals = {}
for row in rows:
    totals[row["month"]] = totals.get(row["month"], 0) + row["amount"]
months = [{"month": month, "total": totals[month]} for month in sorted(totals)]
show_chart(months, "month", "total", title="Sales by month", y_label="amount")
show_table(rows, title="The rows <script>window.__pwned=1</script>")
print(len(rows), "rows")
"""
STARTUP_TIMEOUT = 30
TURN_TIMEOUT = 60_000  # ms, Playwright's unit

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - CI installs it
    sync_playwright = None

pytestmark = pytest.mark.skipif(
    sync_playwright is None or not os.access(CHROMIUM, os.X_OK),
    reason=(
        "needs Playwright for Python (pip install playwright) and Debian's chromium at "
        f"{CHROMIUM} (apt-get install -y chromium); Playwright's own browser download is not used"
    ),
)


@pytest.fixture
def server(tmp_path):
    """A `datasette serve --root` subprocess; yields (base URL, one-time root login URL)."""
    data = tmp_path / "data.db"
    with sqlite3.connect(data) as conn:
        conn.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, price REAL)")
        conn.executemany(
            "INSERT INTO items (name, price) VALUES (?, ?)", [("apple", 1.25), ("melon", 3.5), ("fig", 0.4)]
        )
        conn.execute("CREATE TABLE sales (month TEXT, region TEXT, amount INTEGER)")
        conn.executemany("INSERT INTO sales VALUES (?, ?, ?)", SALES)
    config = tmp_path / "datasette.yaml"
    config.write_text(
        json.dumps(
            {
                "plugins": {"datasette-llm": {"default_model": "echo"}},
                "permissions": {"datasette-agent": {"id": ["root"]}},
            }
        )
    )
    port = free_port()
    log_path = tmp_path / "datasette.log"
    log = open(log_path, "w")
    process = subprocess.Popen(
        [
            datasette_command(),
            "serve",
            str(data),
            "--root",
            "--secret",
            "browser-test-secret",
            "--internal",
            str(tmp_path / "internal.db"),
            "-c",
            str(config),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        cwd=tmp_path,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + STARTUP_TIMEOUT
        login = None
        while True:
            text = log_path.read_text(errors="replace")
            login = login or re.search(r"http://127\.0\.0\.1:\d+/-/auth-token\?token=\w+", text)
            if login and "Uvicorn running" in text:
                break
            assert process.poll() is None, f"datasette exited with {process.returncode}:\n{text}"
            assert time.monotonic() < deadline, f"datasette did not start within {STARTUP_TIMEOUT} s:\n{text}"
            time.sleep(0.05)
        yield base, login.group(0)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


@pytest.fixture
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def table_rows(page, heading: str) -> list[list[str]]:
    """Cell texts of the rows of the table that follows `<h2>heading</h2>` on the admin page."""
    return page.evaluate(
        """heading => {
            const h2 = [...document.querySelectorAll("section.content h2")].find(e => e.textContent === heading);
            const next = h2.nextElementSibling;
            if (!next || !next.querySelector("table")) return [];
            return [...next.querySelectorAll("tbody tr")].map(tr => [...tr.querySelectorAll("td")].map(td => td.innerText.trim()));
        }""",
        heading,
    )


def echo_message(arguments: dict) -> str:
    """The echo model's syntax for "call this tool with these arguments"."""
    return json.dumps({"prompt": "show me", "tool_calls": [{"name": "execute_micropython", "arguments": arguments}]})


def test_show_result_widget_and_admin_page(server, browser, request, tmp_path):
    base, login = server
    folder = screenshot_folder(request, tmp_path)
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(login)
    assert any(cookie["name"] == "ds_actor" for cookie in context.cookies()), "the root login did not sign in"

    # --- (b) a real conversation page: type the message, press Send, see the widget -----------
    conversation_id = page.evaluate(
        """async () => {
            const response = await fetch("/-/agent/api/conversations", {
                method: "POST", headers: {"Content-Type": "application/json"}, body: "{}"});
            return (await response.json()).conversation_id;
        }"""
    )
    page.goto(f"{base}/-/agent/{conversation_id}")
    page.fill("#message-input", echo_message({"python": CODE, "show_result": True}))
    page.click("#send-btn")

    widget = page.locator(".micropython-result")
    widget.wait_for(timeout=TURN_TIMEOUT)
    # The turn is over when the echo model's reply, which quotes the tool result, has arrived.
    page.wait_for_function("() => !document.getElementById('send-btn').disabled", timeout=TURN_TIMEOUT)

    assert widget.count() == 1
    code_text = widget.locator(".highlight").inner_text()
    assert 'read_only_sql_query("data", "select name, price from items order by price")' in code_text
    assert "# What the sandbox prints is shown as text, never as HTML" in code_text
    # Highlighted: Pygments wrapped the tokens in spans with its classes, styled in the widget.
    assert widget.locator(".highlight span.k").count() >= 1  # keywords: for, in
    assert widget.locator(".highlight span.c1").count() == 1  # the comment
    keyword_color = widget.locator(".highlight span.k").first.evaluate("e => getComputedStyle(e).color")
    assert keyword_color != "rgb(0, 0, 0)"

    output = widget.locator(".micropython-stdout pre")
    assert output.count() == 1
    text = output.text_content()
    assert text == "fig        0.40\napple      1.25\nmelon      3.50\n" + PAYLOAD + "\n"
    assert widget.locator(".micropython-stdout .micropython-label").inner_text() == "Output"

    def assert_inert():
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.locator(".micropython-result b").count() == 0
        assert page.locator(".micropython-result script").count() == 0
        assert page.locator(".micropython-stdout pre *").count() == 0  # the output is one text node

    assert_inert()
    widget.evaluate("e => e.scrollIntoView({block: 'center'})")
    page.screenshot(path=str(folder / "show-result.png"), full_page=True)

    # Reloading renders the stored conversation from history: still inert.
    page.reload()
    page.locator(".micropython-result").wait_for(timeout=TURN_TIMEOUT)
    assert page.locator(".micropython-stdout pre").text_content() == text
    assert_inert()

    assert errors == []
    cookies = context.cookies()  # the login URL works once: the admin context signs in with its cookie
    context.close()

    # --- (a) the admin page, in a browser with JavaScript off: it needs none --------------------
    context = browser.new_context(viewport={"width": 1100, "height": 900}, java_script_enabled=False)
    context.add_cookies(cookies)
    page = context.new_page()
    page.goto(f"{base}/-/micropython")
    assert page.title() == "MicroPython sessions"
    assert page.locator("h1").inner_text() == "MicroPython sessions"
    assert page.evaluate("() => [...document.querySelectorAll('section.content h2')].map(e => e.textContent)") == [
        "Live",
        "Stored",
    ]
    # The image is written just after the call returns: reload until it is listed.
    deadline = time.monotonic() + 20
    while not table_rows(page, "Stored") and time.monotonic() < deadline:
        time.sleep(0.2)
        page.reload()
    [live] = table_rows(page, "Live")
    assert live[:2] == [conversation_id, "root"]
    # Memory touched: what the interpreter wrote, a few hundred KiB, not its 15.7 MiB of linear memory.
    assert re.fullmatch(r"\d+\.\d KiB", live[2]) and float(live[2].split()[0]) < 2048, live[2]
    assert live[3] == "1" and re.fullmatch(r"\d+s ago", live[4])
    assert re.fullmatch(r"\d+\.\d KiB", live[5]) and live[6] == "Reset…"
    [stored] = table_rows(page, "Stored")
    assert stored[:3] == [conversation_id, "root", "1"]
    assert stored[3] == live[5]
    assert set(stored[6].split(", ")) == {"rows", "row", "tag"}
    summary = page.evaluate("() => document.querySelector('section.content p').textContent")
    assert "1 of 16 live interpreters." in summary
    assert re.search(r"1 stored session using \d+\.\d KiB of 1\.0 GiB;", summary)
    assert "Memory touched: the non-zero 4 KiB pages" in page.content()

    # Rows are one line high: no cell wraps or grows past a line of text and its padding.
    heights = page.evaluate(
        """() => [...document.querySelectorAll("section.content tbody tr")].map(tr => [
            tr.getBoundingClientRect().height, parseFloat(getComputedStyle(tr.querySelector("td")).fontSize)])"""
    )
    assert len(heights) == 2
    for height, font_size in heights:
        assert height < 2.5 * font_size, heights
    admin_screenshot = folder / "admin-page.png"
    page.screenshot(path=str(admin_screenshot), full_page=True)
    print(f"admin page screenshot: {admin_screenshot}")

    # The conversation id links to the conversation.
    link = page.locator("section.content tbody tr td a", has_text=conversation_id).first
    assert link.get_attribute("href") == f"/-/agent/{conversation_id}"

    # Reset asks first: the row's link opens a confirmation page, whose form resets.
    page.locator("section.content h2 + div tbody tr a", has_text="Reset…").first.click()
    page.wait_for_load_state()
    assert page.title() == "Reset a MicroPython session"
    assert "This cannot be undone." in page.content()
    confirmation_screenshot = folder / "admin-reset-confirmation.png"
    page.screenshot(path=str(confirmation_screenshot), full_page=True)
    print(f"reset confirmation screenshot: {confirmation_screenshot}")
    page.click("input[type=submit][value='Reset this session']")
    page.wait_for_load_state()
    assert page.title() == "MicroPython sessions"
    assert f"Reset the session of conversation {conversation_id}" in page.content()
    assert "No live interpreters." in page.content()
    assert "No stored sessions." in page.content()
    context.close()


def test_chart_and_table_from_python_render_statically_and_survive_a_reload(server, browser, request, tmp_path):
    base, login = server
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(login)
    conversation_id = page.evaluate(
        """async () => {
            const response = await fetch("/-/agent/api/conversations", {
                method: "POST", headers: {"Content-Type": "application/json"}, body: "{}"});
            return (await response.json()).conversation_id;
        }"""
    )
    page.goto(f"{base}/-/agent/{conversation_id}")
    page.fill("#message-input", echo_message({"python": CHART_CODE}))
    page.click("#send-btn")
    page.locator(".micropython-display-chart svg").wait_for(timeout=TURN_TIMEOUT)
    page.wait_for_function("() => !document.getElementById('send-btn').disabled", timeout=TURN_TIMEOUT)

    def displayed():
        """What is on screen: the bars (hover text, height) and the table's cells."""
        bars = page.evaluate(
            """() => [...document.querySelectorAll(".micropython-display-chart rect.mark")].map(
                bar => [bar.querySelector("title").textContent, bar.getBBox().height])"""
        )
        cells = page.evaluate(
            """() => [...document.querySelectorAll(".micropython-display-table tbody tr")].map(
                tr => [...tr.querySelectorAll("td")].map(td => td.textContent))"""
        )
        markup = page.evaluate("() => [...document.querySelectorAll('.micropython-display')].map(e => e.outerHTML)")
        return bars, cells, markup

    bars, cells, markup = displayed()
    assert [title for title, _ in bars] == ["2026-01: 200", "2026-02: 300", "2026-03: 250"]
    heights = [height for _, height in bars]
    assert heights[1] == pytest.approx(1.5 * heights[0], rel=0.02) and heights[2] == pytest.approx(
        1.25 * heights[0], rel=0.02
    )
    assert sorted(cells) == sorted([[month, region, str(amount)] for month, region, amount in SALES])
    assert page.locator(".micropython-display-table th").all_text_contents() == ["month", "region", "amount"]
    assert page.locator(".micropython-display-table table.agent-sql-result").count() == 1
    # The same look as datasette-agent's own SQL results: its stylesheet styles the header.
    header_background = page.locator(".micropython-display-table th").first.evaluate(
        "e => getComputedStyle(e).backgroundColor"
    )
    assert header_background == "rgb(243, 244, 246)"
    assert page.locator(".micropython-display-title").all_text_contents() == [
        "Sales by month",
        "The rows <script>window.__pwned=1</script>",
    ]

    def assert_inert():
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.locator(".agent-rich-result script").count() == 0

    assert_inert()
    page.locator(".micropython-display-chart").evaluate("e => e.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(screenshot_folder(request, tmp_path) / "charts.png"))

    page.reload()
    page.locator(".micropython-display-chart svg").wait_for(timeout=TURN_TIMEOUT)
    assert displayed() == (bars, cells, markup)
    assert_inert()

    assert errors == []
    assert requests and all(url.startswith("http://127.0.0.1:") for url in requests), [
        url for url in requests if not url.startswith("http://127.0.0.1:")
    ]
    context.close()
