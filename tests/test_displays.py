"""show_table() and show_chart(): static, escaped HTML and SVG, bounded, and never seen by the model.

The markup is checked with an HTML parser (html.parser, the way a browser tokenises it) rather
than by searching strings; the calls go through the real sandbox and a real Datasette Agent
conversation driven by the echo model.
"""

from __future__ import annotations

import json
import math
import re
from html.parser import HTMLParser

import pytest
from agent_harness import ALICE, call_tool, make_datasette, start_conversation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datasette_agent_micropython import displays
from datasette_agent_micropython.displays import (
    MAX_CHART_POINTS,
    MAX_DISPLAYS_PER_CALL,
    MAX_HTML_BYTES,
    MAX_SERIES,
    MAX_TABLE_COLUMNS,
    MAX_TABLE_ROWS,
    Displays,
    nice_ticks,
    show_chart,
    show_table,
)
from datasette_agent_micropython.guest_protocol import GuestTypeError, GuestValueError
from datasette_agent_micropython.sessions import shared_runtime
from datasette_agent_micropython.settings import Limits
from datasette_agent_micropython.sql import CallContext
from datasette_agent_micropython.wiring import session_manager

TOOL = "execute_micropython"
HOSTILE = [
    "<script>window.__pwned=1</script>",
    '"><img src=x onerror=alert(1)>',
    "</text></svg><a href='javascript:alert(1)'>x</a>",
    "</title><script>alert(1)</script>",
    "&amp; &lt; ]]> <!-- -->",
    "\x00\x07 control \x1b[31m",
]
# Everything the renderer may emit; anything else (script, a, img, foreignObject...) is a defect.
ALLOWED_TAGS = {
    "style",
    "div",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "svg",
    "line",
    "text",
    "rect",
    "circle",
    "path",
    "title",
}
ALLOWED_ATTRIBUTES = {
    "class",
    "colspan",
    "viewbox",
    "role",
    "aria-label",
    "x",
    "y",
    "x1",
    "x2",
    "y1",
    "y2",
    "cx",
    "cy",
    "r",
    "width",
    "height",
    "fill",
    "stroke",
    "stroke-width",
    "fill-opacity",
    "d",
    "dy",
    "text-anchor",
    "font-size",
    "transform",
}
LINK_ATTRIBUTES = {"href", "xlink:href", "src", "srcdoc", "action", "formaction", "background"}


class Markup(HTMLParser):
    """Tags, attributes and text of a piece of HTML, as a browser's tokeniser sees them."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.texts: list[str] = []
        self.feed(source)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend(attrs)

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.texts.append(data)

    def elements(self, tag: str) -> int:
        return self.tags.count(tag)


def assert_static(markup: str) -> Markup:
    parsed = Markup(markup)
    assert set(parsed.tags) <= ALLOWED_TAGS, set(parsed.tags) - ALLOWED_TAGS
    names = {name.lower() for name, _ in parsed.attributes}
    assert not {name for name in names if name.startswith("on")}
    assert not names & LINK_ATTRIBUTES
    assert names <= ALLOWED_ATTRIBUTES, names - ALLOWED_ATTRIBUTES
    for name, value in parsed.attributes:
        if name != "aria-label":  # the chart's title, as plain text for screen readers
            assert re.fullmatch(r"[\w#. ()-]*", value or ""), (name, value)
    assert "@import" not in markup and "url(" not in markup
    return parsed


def context() -> CallContext:
    return CallContext(datasette=None, actor=None, loop=None)


def shown(call, *args, **kwargs) -> str:
    ctx = context()
    call(ctx, *args, **kwargs)
    return ctx.displays.render()


def shown_text(markup: str) -> str:
    return "".join(Markup(markup).texts)


# ------------------------------------------------------------------------- escaping, no active content


@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_labels_values_and_titles_stay_text(label):
    rows = [{label: label, "n": 3}, {label: "plain", "n": 4}]
    table = shown(show_table, rows, title=label)
    chart = shown(
        show_chart,
        [{"x": label, label: 2}, {"x": "b", label: 5}],
        "x",
        [label],
        title=label,
        x_label=label,
        y_label=label,
    )
    for markup in (table, chart):
        parsed = assert_static(markup)
        expected = label.replace("\x00", "\ufffd").replace("\x07", "\ufffd").replace("\x1b", "\ufffd")
        assert expected in shown_text(markup)
        assert parsed.elements("script") == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    labels=st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=6, unique=True),
    title=st.text(max_size=40),
    kind=st.sampled_from(["bar", "line", "scatter"]),
    numbers=st.lists(
        st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12), min_size=6, max_size=6
    ),
)
def test_any_text_and_any_finite_number_render_static(labels, title, kind, numbers):
    rows = [{"x": label, "y": numbers[index], "z": index} for index, label in enumerate(labels)]
    assert_static(shown(show_table, rows, title=title))
    assert_static(shown(show_chart, rows, "x", ["y", "z"], kind=kind, title=title, x_label=title, y_label=title))
    assert_static(shown(show_chart, rows, "z", "y", kind=kind))


def test_hover_titles_carry_each_value():
    chart = shown(show_chart, [{"m": "Jan", "total": 1200.5}, {"m": "Feb", "total": 80}], "m", "total")
    titles = re.findall(r"<title>(.*?)</title>", chart)
    assert titles == ["Jan: 1,200.5", "Feb: 80"]


def test_bar_heights_are_proportional_to_values():
    chart = shown(show_chart, [{"k": "a", "v": 10}, {"k": "b", "v": 40}, {"k": "c", "v": 20}], "k", "v")
    heights = [float(h) for h in re.findall(r'<rect class="mark"[^>]* height="([\d.]+)"', chart)]
    assert len(heights) == 3
    assert heights[1] == pytest.approx(4 * heights[0], rel=0.02)
    assert heights[2] == pytest.approx(2 * heights[0], rel=0.02)


@pytest.mark.parametrize(
    "low, high",
    [(0, 0), (5, 5), (-3, -3), (0, 1.3e-171), (5e-324, 5e-324), (-1e300, 1e300), (0.1, 0.3), (1e12, 1e12 + 1)],
)
def test_ticks_cover_the_values_in_round_steps(low, high):
    ticks = nice_ticks(low, high)
    assert 2 <= len(ticks) <= 16
    assert ticks[0] <= low and ticks[-1] >= high
    steps = {round((b - a) / (ticks[1] - ticks[0]), 6) for a, b in zip(ticks, ticks[1:])}
    assert steps == {1.0}
    assert all(math.isfinite(tick) for tick in ticks)


def test_every_coordinate_in_the_svg_is_a_finite_number():
    chart = shown(
        show_chart, [{"x": 1e-9, "y": -1e12}, {"x": 2e-9, "y": 1e12}, {"x": 3e-9, "y": None}], "x", "y", kind="line"
    )
    parsed = Markup(chart)
    for name, value in parsed.attributes:
        if name in ("x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "width", "height"):
            assert re.fullmatch(r"-?\d+(\.\d+)?", value), (name, value)


def test_table_keeps_the_columns_and_cells():
    markup = shown(show_table, [{"name": "fig", "price": 0.4}, {"name": "melon", "price": None, "extra": [1, 2]}])
    assert re.findall(r"<th>(.*?)</th>", markup) == ["name", "price", "extra"]
    assert re.findall(r"<td>(.*?)</td>", markup) == ["fig", "0.4", "", "melon", "", "[1, 2]"]
    assert '<tfoot><tr><td colspan="3">2 rows</td></tr></tfoot>' in markup
    assert 'class="agent-sql-result"' in markup
    lists = shown(show_table, [[1, "a"], [2, "b"]], columns=["id", "letter"])
    assert re.findall(r"<td>(.*?)</td>", lists) == ["1", "a", "2", "b"]


# ------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_numbers_are_refused(value):
    with pytest.raises(GuestValueError, match="only finite numbers"):
        show_chart(context(), [{"x": "a", "y": value}], "x", "y")
    with pytest.raises(GuestValueError, match="only finite numbers"):
        show_chart(context(), [{"x": value, "y": 1}], "x", "y", kind="scatter")


@pytest.mark.parametrize(
    "arguments, error, message",
    [
        (([{"a": 1}], "a", "b", "pie"), GuestValueError, "kind must be one of"),
        (([{"a": 1, "b": "x"}], "a", "b"), GuestTypeError, "not a number"),
        (([{"a": 1, "b": True}], "a", "b"), GuestTypeError, "not a number"),
        (([], "a", "b"), GuestValueError, "no rows"),
        (("rows", "a", "b"), GuestTypeError, "rows must be a list"),
        (([{"a": None, "b": 1}], "a", "b"), GuestValueError, "no x value"),
        (([[1, 2]], "a", "b"), GuestTypeError, "must be an index"),
        (([{"a": 1, "b": 1}], "a", [f"b{i}" for i in range(MAX_SERIES + 1)]), GuestValueError, "1 to 10 columns"),
        (([{"a": 1, "b": 1e301}], "a", "b"), GuestValueError, "cannot be drawn"),
        (([{"a": 1, "b": 10**400}], "a", "b"), GuestValueError, "cannot be drawn"),
        (([{"a": 10**400, "b": 1}], "a", "b", "line"), GuestValueError, "cannot be drawn"),
    ],
)
def test_bad_chart_arguments_are_refused_clearly(arguments, error, message):
    with pytest.raises(error, match=message):
        show_chart(context(), *arguments)


# ------------------------------------------------------------------------------------------ limits


def test_table_row_and_column_limits_hold():
    show_table(context(), [[index] for index in range(MAX_TABLE_ROWS)])
    with pytest.raises(GuestValueError, match=f"at most {MAX_TABLE_ROWS}"):
        show_table(context(), [[index] for index in range(MAX_TABLE_ROWS + 1)])
    with pytest.raises(GuestValueError, match=f"at most {MAX_TABLE_COLUMNS} columns"):
        show_table(context(), [{f"c{i}": i for i in range(MAX_TABLE_COLUMNS + 1)}])


def test_chart_point_limit_counts_every_series():
    rows = [{"x": index, "a": index, "b": index} for index in range(MAX_CHART_POINTS // 2)]
    show_chart(context(), rows, "x", ["a", "b"], kind="line")
    with pytest.raises(GuestValueError, match="at most 2,000 points"):
        show_chart(context(), rows + [{"x": 0, "a": 0, "b": 0}], "x", ["a", "b"], kind="line")


def test_displays_per_call_and_html_bytes_are_bounded():
    ctx = context()
    for _ in range(MAX_DISPLAYS_PER_CALL):
        show_table(ctx, [[1]])
    with pytest.raises(GuestValueError, match=f"at most {MAX_DISPLAYS_PER_CALL}"):
        show_table(ctx, [[1]])

    ctx = context()
    wide = [["x" * 400] * 5 for _ in range(MAX_TABLE_ROWS)]  # about a megabyte of cells
    with pytest.raises(GuestValueError, match="bytes of HTML"):
        show_table(ctx, wide)
    assert ctx.displays.size == 0
    for _ in range(MAX_DISPLAYS_PER_CALL):
        try:
            show_table(ctx, wide[:100])
        except GuestValueError:
            break
    assert 0 < ctx.displays.size <= MAX_HTML_BYTES
    assert len(ctx.displays.render().encode()) <= MAX_HTML_BYTES + len(displays.STYLES) + 20


def test_long_cells_and_labels_are_cut():
    markup = shown(show_table, [{"c": "y" * 10_000}], title="t" * 10_000)
    assert len(markup) < 3_000


def test_the_models_summary_stays_small_for_the_widest_displays():
    ctx = context()
    wide = [{f"a column with a long name number {i}": i for i in range(MAX_TABLE_COLUMNS)}]
    series = [f"series {i} " + "s" * 100 for i in range(MAX_SERIES)]
    for _ in range(MAX_DISPLAYS_PER_CALL // 2):
        show_table(ctx, wide, title="t" * 1000)
        show_chart(ctx, [{"x": 1, **{name: 1 for name in series}}], "x", series, title="t" * 1000)
    summary = displays.model_summary(ctx.displays)
    # The model sees at most 10,000 characters of the whole result: leave room for the output.
    assert len(json.dumps(summary)) < 6_000
    table = summary["displayed"][0]
    assert len(table["columns"]) == 10 and table["columns_not_listed"] == MAX_TABLE_COLUMNS - 10
    assert table["columns"][0] == "a column with a long name numb"


def test_without_a_chat_there_is_nowhere_to_show():
    with pytest.raises(GuestValueError, match="only show things in a chat"):
        show_table(None, [[1]])
    assert isinstance(CallContext(None, None, None).displays, Displays)


# ------------------------------------------------------------- through the sandbox and the chat


@pytest.mark.asyncio
async def test_the_model_sees_what_was_shown_and_never_the_html(tmp_path):
    ds = await make_datasette(tmp_path)
    conversation = await start_conversation(ds, ALICE)
    code = (
        "result = read_only_sql_query('data', 'select 2 as b, 1 as a, \\'<script>x</script>\\' as c')\n"
        "show_table(result['rows'], title='<script>t</script>')\n"
        "show_chart([{'m': 'Jan', 'v': 3}, {'m': 'Feb', 'v': 5}], 'm', 'v', title='Months')\n"
        "print('drawn')"
    )
    [result] = await call_tool(ds, ALICE, conversation, TOOL, {"python": code})
    model, raw = result["model"], result["raw"]
    # What the model saw (the echo model's next reply quotes it): a summary, no markup.
    assert model["stdout"] == "drawn\n"
    assert model["displayed"] == [
        {"kind": "table", "rows": 1, "columns": ["b", "a", "c"], "title": "<script>t</script>"},
        {"kind": "bar chart", "points": 2, "series": ["v"], "title": "Months"},
    ]
    assert "_html" not in model and "<svg" not in json.dumps(model)
    # What the browser gets: the table in the query's column order, and the chart, both static.
    parsed = assert_static(raw["_html"])
    assert parsed.elements("svg") == 1 and parsed.elements("table") == 1
    assert re.findall(r"<th>(.*?)</th>", raw["_html"]) == ["b", "a", "c"]
    assert "&lt;script&gt;x&lt;/script&gt;" in raw["_html"]
    assert "output_displayed_to_user" not in raw  # shown without show_result


@pytest.mark.asyncio
async def test_bad_input_raises_python_exceptions_in_the_sandbox(tmp_path):
    ds = await make_datasette(tmp_path)
    conversation = await start_conversation(ds, ALICE)
    code = (
        "for call in (lambda: show_chart([{'x': 1, 'y': float('nan')}], 'x', 'y'),\n"
        "             lambda: show_chart([{'x': 1, 'y': 1}], 'x'),\n"
        "             lambda: show_table('rows'),\n"
        "             lambda: show_table([[1]], colour='red')):\n"
        "    try:\n"
        "        call()\n"
        "    except (TypeError, ValueError) as error:\n"
        "        print(type(error).__name__, error)\n"
    )
    [result] = await call_tool(ds, ALICE, conversation, TOOL, {"python": code})
    assert result["model"]["stdout"].splitlines() == [
        "ValueError show_chart(): row 0: 'y' is nan; only finite numbers can be charted",
        "TypeError show_chart(): missing a required argument: 'y'",
        "TypeError show_table(): rows must be a list of dicts or of lists, got str",
        "TypeError show_table(): got an unexpected keyword argument 'colour'",
    ]
    assert "displayed" not in result["model"] and "_html" not in result["raw"]


@pytest.mark.asyncio
async def test_show_result_widget_and_displays_share_the_html(tmp_path):
    ds = await make_datasette(tmp_path)
    conversation = await start_conversation(ds, ALICE)
    [result] = await call_tool(
        ds, ALICE, conversation, TOOL, {"python": "show_table([[1, 2]])\nprint(3)", "show_result": True}
    )
    html_text = result["raw"]["_html"]
    assert html_text.index("micropython-result") < html_text.index("agent-sql-result")
    assert result["model"]["displayed"] == [{"kind": "table", "rows": 1, "columns": ["0", "1"]}]


@pytest.mark.asyncio
async def test_sessions_stored_before_the_display_functions_start_anew_with_a_note(tmp_path):
    ds = await make_datasette(tmp_path)
    manager = session_manager(ds)
    assert {"show_table", "show_chart", "read_only_sql_query"} == set(manager.host_functions)
    conversation = await start_conversation(ds, ALICE)
    # An image from a build whose only host function was read_only_sql_query.
    runtime = manager._runtime()
    old = runtime.new_session(
        manager.settings.limits, {"read_only_sql_query": manager.host_functions["read_only_sql_query"]}
    )
    try:
        assert old.run("kept = 1").ok
        image = old.snapshot()
    finally:
        old.close()
    await manager.store.save(conversation, "alice", image, image.encode())
    [result] = await call_tool(ds, ALICE, conversation, TOOL, {"python": "print('kept' in globals())"})
    model = result["model"]
    assert model["state"] == "new"
    assert "different build or configuration" in model["state_note"]
    assert model["stdout"] == "False\n"


def test_the_largest_table_goes_through_a_default_session():
    ctx = context()
    session = shared_runtime().new_session(Limits(), displays.HOST_FUNCTIONS)
    try:
        code = (
            f"rows = [{{'id': i, 'name': 'row %d' % i, 'a': i * 0.5, 'b': None, 'c': 'x' * 20}} for i in range({MAX_TABLE_ROWS})]\n"
            "show_table(rows)\n"
            f"show_chart([{{'x': i, 'y': i * i}} for i in range({MAX_CHART_POINTS})], 'x', 'y', kind='scatter')"
        )
        result = session.run(code, ctx)
    finally:
        session.close()
    assert result.ok, result.error
    assert [(one["kind"], one.get("rows", one.get("points"))) for one in ctx.displays.summaries] == [
        ("table", MAX_TABLE_ROWS),
        ("scatter chart", MAX_CHART_POINTS),
    ]
    assert_static(ctx.displays.render())
