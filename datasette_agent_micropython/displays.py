"""`show_table()` and `show_chart()` inside the sandbox: tables and charts drawn on the server.

The chat page inserts a tool result's `_html` raw, runs its scripts and keeps it for reloads, so
what is drawn here is static HTML and SVG built from escaped text and finite numbers only: no
script, no event attribute, no link, nothing fetched. Each call checks its arguments and raises
GuestTypeError or GuestValueError, which the snippet sees as TypeError or ValueError.
"""

from __future__ import annotations

import html
import inspect
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .guest_protocol import GuestTypeError, GuestValueError

MAX_DISPLAYS_PER_CALL = 10
MAX_TABLE_ROWS = 500
MAX_TABLE_COLUMNS = 50
MAX_CHART_POINTS = 2000
MAX_SERIES = 10
# All displays of one call together, in bytes of `_html`.
MAX_HTML_BYTES = 512 * 1024
MAX_CELL_CHARS = 500
MAX_LABEL_CHARS = 200
ROTATED_LABEL_CHARS = 16
# The model's summary of a display: the first column or series names, cut short, and the title.
SUMMARY_NAMES = 10
SUMMARY_NAME_CHARS = 30
SUMMARY_TITLE_CHARS = 80
# Axis arithmetic on larger numbers could overflow to infinity.
MAX_MAGNITUDE = 1e300

DISPLAY_CLASS = "micropython-display"
CHART_KINDS = ("bar", "line", "scatter")
# Tableau 10: distinct for most colour vision, readable on white.
COLOURS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")

WIDTH, HEIGHT = 720, 360
CHAR_WIDTH = 6.5  # of the 11 px sans-serif axis text, for layout only
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

STYLES = (
    f".{DISPLAY_CLASS} {{margin: 0.5em 0}}\n"
    f".{DISPLAY_CLASS}-title {{font-weight: 600; margin: 0.2em 0 0.4em}}\n"
    f".{DISPLAY_CLASS} svg {{width: 100%; max-width: {WIDTH}px; height: auto; background: #fff;"
    " border: 1px solid #d0d7de; border-radius: 4px; font-family: sans-serif}\n"
    f".{DISPLAY_CLASS} svg .mark:hover {{opacity: 0.7}}\n"
)


@dataclass
class Displays:
    """What one call showed: the HTML of each display, and what the model is told about it."""

    html: list[str] = field(default_factory=list)
    summaries: list[dict[str, Any]] = field(default_factory=list)
    size: int = 0

    def add(self, markup: str, summary: dict[str, Any]) -> None:
        if len(self.html) >= MAX_DISPLAYS_PER_CALL:
            raise GuestValueError(f"at most {MAX_DISPLAYS_PER_CALL} tables and charts can be shown per call")
        size = len(markup.encode("utf-8"))
        if self.size + size > MAX_HTML_BYTES:
            raise GuestValueError(
                f"this display is {size:,} bytes of HTML and the call's displays may take at most "
                f"{MAX_HTML_BYTES:,} bytes ({self.size:,} used): show fewer rows or points"
            )
        self.size += size
        self.html.append(markup)
        self.summaries.append(summary)

    def render(self) -> str:
        if not self.html:
            return ""
        return f"<style>{STYLES}</style>" + "".join(self.html)


def text(value: Any, limit: int = MAX_LABEL_CHARS) -> str:
    """`value` as escaped text for HTML and SVG, cut at `limit` characters."""
    return html.escape(_plain_text(value, limit), quote=True)


def _plain_text(value: Any, limit: int) -> str:
    """`value` as text, before escaping: control characters replaced, cut at `limit` characters."""
    if isinstance(value, str):
        string = value
    elif isinstance(value, bool) or value is None:
        string = repr(value)
    elif isinstance(value, (int, float)):
        string = repr(value)  # as Python writes it: a year stays 2024
    else:
        try:
            string = json.dumps(value, ensure_ascii=False)
        except (TypeError, ValueError, RecursionError):  # a dict with tuple keys, say
            string = repr(value)
    if len(string) > limit:
        string = string[: limit - 1] + "…"
    return _CONTROL.sub("\ufffd", string)


def format_number(value: int | float, grouping: bool = True) -> str:
    """A number for people: digit groups, at most six significant digits for floats."""
    comma = "," if grouping else ""
    if isinstance(value, int):
        return f"{value:{comma}}"
    if not math.isfinite(value):
        return repr(value)
    if value != 0 and not 1e-4 <= abs(value) < 1e15:
        return f"{value:.6g}"
    digits = max(0, 5 - math.floor(math.log10(abs(value)))) if value else 0
    return f"{value:{comma}.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:{comma}.0f}"


def guest_callable(function: Callable[..., None]) -> Callable[..., None]:
    """`function` as a host function: a call that does not fit its signature is a TypeError in the guest."""
    signature = inspect.signature(function)

    def call(context: Any, *args: Any, **kwargs: Any) -> None:
        try:
            signature.bind(context, *args, **kwargs)
        except TypeError as error:
            raise GuestTypeError(f"{function.__name__}(): {error}") from None
        return function(context, *args, **kwargs)

    return call


def _displays(context: Any, name: str) -> Displays:
    displays = getattr(context, "displays", None)
    if not isinstance(displays, Displays):
        raise GuestValueError(f"{name}() can only show things in a chat: this call has nowhere to show them")
    return displays


def _optional_label(name: str, value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise GuestTypeError(f"{name} must be a string or None, got {type(value).__name__}")
    return value


def _rows(function: str, rows: Any, limit: int, what: str) -> list:
    if not isinstance(rows, list):
        raise GuestTypeError(f"{function}(): rows must be a list of dicts or of lists, got {type(rows).__name__}")
    if len(rows) > limit:
        raise GuestValueError(
            f"{function}() shows at most {limit:,} {what}, got {len(rows):,}: select or aggregate first"
        )
    for index, row in enumerate(rows):
        if not isinstance(row, (dict, list)):
            raise GuestTypeError(f"{function}(): row {index} is a {type(row).__name__}, not a dict or a list")
    return rows


def _summary(summary: dict[str, Any], key: str, names: list, title: str | None) -> dict[str, Any]:
    """What the model is told about one display, small enough for ten of them beside the output."""
    summary[key] = [str(name)[:SUMMARY_NAME_CHARS] for name in names[:SUMMARY_NAMES]]
    if len(names) > SUMMARY_NAMES:
        summary[f"{key}_not_listed"] = len(names) - SUMMARY_NAMES
    if title:
        summary["title"] = title[:SUMMARY_TITLE_CHARS]
    return summary


def _title_html(title: str | None) -> str:
    return f'<div class="{DISPLAY_CLASS}-title">{text(title)}</div>' if title else ""


# ---------------------------------------------------------------------------------------- tables


def show_table(context: Any, rows: Any, columns: Any = None, title: Any = None) -> None:
    """Show rows (dicts or lists) as a table in the chat."""
    displays = _displays(context, "show_table")
    rows = _rows("show_table", rows, MAX_TABLE_ROWS, "rows")
    title = _optional_label("title", title)
    if columns is None:
        columns = _columns_of(rows)
    elif not isinstance(columns, list) or not all(isinstance(column, (str, int)) for column in columns):
        raise GuestTypeError("show_table(): columns must be a list of column names (or of indexes into list rows)")
    if len(columns) > MAX_TABLE_COLUMNS:
        raise GuestValueError(f"show_table() shows at most {MAX_TABLE_COLUMNS} columns, got {len(columns)}")
    head = "".join(f"<th>{text(column)}</th>" for column in columns)
    body = []
    for row in rows:
        cells = "".join(f"<td>{_cell(row, position, column)}</td>" for position, column in enumerate(columns))
        body.append(f"<tr>{cells}</tr>")
    count = f"{len(rows):,} row{'' if len(rows) == 1 else 's'}"
    markup = (
        f'<div class="{DISPLAY_CLASS} {DISPLAY_CLASS}-table">{_title_html(title)}'
        '<div class="agent-sql-result-scroll"><table class="agent-sql-result">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody>"
        f'<tfoot><tr><td colspan="{max(1, len(columns))}">{count}</td></tr></tfoot>'
        "</table></div></div>"
    )
    displays.add(markup, _summary({"kind": "table", "rows": len(rows)}, "columns", columns, title))


def _columns_of(rows: list) -> list:
    """Dict rows: their keys, in first-seen order. List rows: positions 0, 1, ..."""
    if rows and all(isinstance(row, list) for row in rows):
        return list(range(max(len(row) for row in rows)))
    seen: dict = {}
    for row in rows:
        if not isinstance(row, dict):
            raise GuestTypeError("show_table(): rows mix dicts and lists; pass columns= to say which to show")
        for key in row:
            seen.setdefault(key, None)
            if len(seen) > MAX_TABLE_COLUMNS:
                raise GuestValueError(f"show_table() shows at most {MAX_TABLE_COLUMNS} columns: pass columns=")
    return list(seen)


def _cell(row: dict | list, position: int, column: Any) -> str:
    if isinstance(row, dict):
        value = row.get(column)
    else:
        index = column if isinstance(column, int) else position
        value = row[index] if -len(row) <= index < len(row) else None
    return "" if value is None else text(value, MAX_CELL_CHARS)


# ---------------------------------------------------------------------------------------- charts


@dataclass
class Series:
    name: str
    values: list[float | None]


def show_chart(
    context: Any,
    rows: Any,
    x: Any,
    y: Any,
    kind: Any = "bar",
    title: Any = None,
    x_label: Any = None,
    y_label: Any = None,
) -> None:
    """Show rows as a bar, line or scatter chart in the chat."""
    displays = _displays(context, "show_chart")
    if not isinstance(kind, str) or kind not in CHART_KINDS:
        raise GuestValueError(f"show_chart(): kind must be one of {', '.join(map(repr, CHART_KINDS))}, got {kind!r}")
    title = _optional_label("title", title)
    x_label = _optional_label("x_label", x_label)
    y_label = _optional_label("y_label", y_label)
    y_keys = y if isinstance(y, list) else [y]
    for key in [x, *y_keys]:
        if not isinstance(key, (str, int)) or isinstance(key, bool):
            raise GuestTypeError(
                f"show_chart(): x and y name columns (strings, or indexes into list rows), got {key!r}"
            )
    if not 1 <= len(y_keys) <= MAX_SERIES:
        raise GuestValueError(f"show_chart(): y names 1 to {MAX_SERIES} columns, got {len(y_keys)}")
    rows = _rows("show_chart", rows, MAX_CHART_POINTS, "points")
    if not rows:
        raise GuestValueError("show_chart(): there are no rows to chart")
    if len(rows) * len(y_keys) > MAX_CHART_POINTS:
        raise GuestValueError(
            f"show_chart() draws at most {MAX_CHART_POINTS:,} points, got {len(rows):,} rows × {len(y_keys)} series"
        )
    xs = [_value(row, x, index, "x") for index, row in enumerate(rows)]
    if any(value is None for value in xs):
        raise GuestValueError(f"show_chart(): row {xs.index(None)} has no x value ({x!r} is missing or None)")
    series = [
        Series(str(key), [_number(_value(row, key, index, "y"), index, key) for index, row in enumerate(rows)])
        for key in y_keys
    ]
    numeric_x = kind != "bar" and all(_is_number(value) for value in xs)
    if numeric_x:
        for index, value in enumerate(xs):
            _number(value, index, x)
    svg = _svg(kind, xs, numeric_x, series, x_label if x_label is not None else str(x), y_label, title)
    markup = f'<div class="{DISPLAY_CLASS} {DISPLAY_CLASS}-chart">{_title_html(title)}{svg}</div>'
    points = sum(value is not None for one in series for value in one.values)
    summary = {"kind": f"{kind} chart", "points": points}
    displays.add(markup, _summary(summary, "series", [one.name for one in series], title))


def _value(row: dict | list, key: Any, index: int, axis: str) -> Any:
    if isinstance(row, dict):
        return row.get(key)
    if not isinstance(key, int):
        raise GuestTypeError(f"show_chart(): row {index} is a list, so {axis} must be an index, got {key!r}")
    return row[key] if -len(row) <= key < len(row) else None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number(value: Any, index: int, key: Any) -> float | None:
    """A y value: a finite number, or None for a gap."""
    if value is None:
        return None
    if not _is_number(value):
        raise GuestTypeError(f"show_chart(): row {index}: {key!r} is {_plain_text(repr(value), 40)}, not a number")
    try:
        number = float(value)
    except OverflowError:
        raise GuestValueError(
            f"show_chart(): row {index}: {key!r} is beyond ±{MAX_MAGNITUDE:g} and cannot be drawn"
        ) from None
    if not math.isfinite(number):
        raise GuestValueError(f"show_chart(): row {index}: {key!r} is {value!r}; only finite numbers can be charted")
    return number


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2 or 5 times a power of ten) from at most `low` to at least `high`."""
    if not high - low > max(abs(low), abs(high)) * 1e-9:
        # One value (or a spread too thin to see): show it against zero, or around zero.
        low, high = min(0.0, low), max(0.0, high)
        if not high - low > 1e-200:
            low, high = low - 1, high + 1
    raw = (high - low) / count
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(multiple * power for multiple in (1, 2, 5, 10) if multiple * power >= raw)
    first = math.floor(low / step)
    ticks: list[float] = []
    while not ticks or (ticks[-1] < high and len(ticks) <= 3 * count):
        ticks.append((first + len(ticks)) * step)
    return ticks


def _coordinate(value: float) -> str:
    """Every number written into the SVG goes through here: the last guard against NaN and infinity."""
    if not math.isfinite(value):
        raise GuestValueError("show_chart(): a coordinate came out not finite; the chart was not drawn")
    return f"{value:.1f}"


def _svg(
    kind: str,
    xs: list,
    numeric_x: bool,
    series: list[Series],
    x_label: str | None,
    y_label: str | None,
    title: str | None,
) -> str:
    values = [value for one in series for value in one.values if value is not None]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if kind == "bar":
        low, high = min(low, 0.0), max(high, 0.0)
    if max(abs(low), abs(high), *(map(abs, xs) if numeric_x else ())) > MAX_MAGNITUDE:
        raise GuestValueError(f"show_chart(): values beyond ±{MAX_MAGNITUDE:g} cannot be drawn")
    y_ticks = nice_ticks(low, high)
    y_low, y_high = y_ticks[0], y_ticks[-1]
    y_tick_text = [format_number(tick) for tick in y_ticks]
    legend = len(series) > 1
    left = 14 + CHAR_WIDTH * max(map(len, y_tick_text)) + (18 if y_label else 0)
    categories = [_plain_text(value, 40) for value in xs] if not numeric_x else []
    longest = max(map(len, categories), default=0)
    right, top = 16, 14 + (18 if legend else 0)
    slot = (WIDTH - left - right) / max(1, len(xs))
    rotate = not numeric_x and longest * CHAR_WIDTH > slot * 0.9
    if rotate:
        # Slanted by 40°, cut shorter, every label far enough from the next to be read, and the
        # first one kept inside the picture.
        categories = [_plain_text(value, ROTATED_LABEL_CHARS) for value in xs]
        longest = max(map(len, categories))
        left = max(left, longest * CHAR_WIDTH * 0.77 - slot * 0.5 + 4)
        slot = (WIDTH - left - right) / len(xs)
    plot_width = WIDTH - left - right
    bottom = 24 + (longest * CHAR_WIDTH * 0.64 if rotate else 0) + (18 if x_label else 0)
    plot_height = HEIGHT - top - bottom

    def to_y(value: float) -> float:
        return top + plot_height * (1 - (value - y_low) / (y_high - y_low))

    if numeric_x:
        x_ticks = nice_ticks(min(xs), max(xs))
        x_low, x_high = x_ticks[0], x_ticks[-1]

        def to_x(index: int) -> float:
            return left + plot_width * (xs[index] - x_low) / (x_high - x_low)
    else:

        def to_x(index: int) -> float:
            return left + slot * (index + 0.5)

    parts = [f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{text(title or kind + " chart")}">']
    # Grid lines and y axis labels.
    for tick, label in zip(y_ticks, y_tick_text):
        position = _coordinate(to_y(tick))
        colour = "#888" if tick == 0 else "#e5e5e5"
        parts.append(
            f'<line x1="{_coordinate(left)}" x2="{_coordinate(WIDTH - right)}" y1="{position}" y2="{position}" stroke="{colour}"/>'
            f'<text x="{_coordinate(left - 6)}" y="{position}" dy="0.32em" text-anchor="end" font-size="11" fill="#555">{label}</text>'
        )
    # X axis labels: numbers at their ticks, categories under their slots (thinned when crowded).
    axis_y = top + plot_height
    if numeric_x:
        for tick in x_ticks:
            position = _coordinate(left + plot_width * (tick - x_low) / (x_high - x_low))
            parts.append(
                f'<text x="{position}" y="{_coordinate(axis_y + 16)}" text-anchor="middle" font-size="11" fill="#555">{format_number(tick, grouping=False)}</text>'
            )
    else:
        every = math.ceil(19 / slot) if rotate else 1
        for index, label in enumerate(categories):
            if index % every:
                continue
            position_x, position_y = _coordinate(to_x(index)), _coordinate(axis_y + 14)
            if rotate:
                parts.append(
                    f'<text x="{position_x}" y="{position_y}" text-anchor="end" font-size="11" fill="#555"'
                    f' transform="rotate(-40 {position_x} {position_y})">{text(label)}</text>'
                )
            else:
                parts.append(
                    f'<text x="{position_x}" y="{position_y}" text-anchor="middle" font-size="11" fill="#555">{text(label)}</text>'
                )
    if x_label:
        parts.append(
            f'<text x="{_coordinate(left + plot_width / 2)}" y="{HEIGHT - 6}" text-anchor="middle" font-size="12" fill="#333">{text(x_label)}</text>'
        )
    if y_label:
        middle = _coordinate(top + plot_height / 2)
        parts.append(
            f'<text x="12" y="{middle}" text-anchor="middle" font-size="12" fill="#333" transform="rotate(-90 12 {middle})">{text(y_label)}</text>'
        )
    # The marks, each with a <title>: hovering shows its values without any script.
    zero = to_y(min(max(0.0, y_low), y_high))
    for number, one in enumerate(series):
        colour = COLOURS[number % len(COLOURS)]
        name = text(one.name)
        if kind == "line":
            parts.extend(_line_paths(one, to_x, to_y, colour))
        for index, value in enumerate(one.values):
            if value is None:
                continue
            hover = f"<title>{text(xs[index], 100)}{' · ' + name if legend else ''}: {format_number(value)}</title>"
            if kind == "bar":
                width = slot * 0.8 / len(series)
                x_position = left + slot * index + slot * 0.1 + width * number
                y_position = to_y(value)
                parts.append(
                    f'<rect class="mark" x="{_coordinate(x_position)}" y="{_coordinate(min(y_position, zero))}"'
                    f' width="{_coordinate(max(width - 1, 1))}" height="{_coordinate(abs(zero - y_position))}" fill="{colour}">{hover}</rect>'
                )
            else:
                radius = 3.5 if kind == "scatter" else 2.5
                opacity = ' fill-opacity="0.75"' if kind == "scatter" else ""
                parts.append(
                    f'<circle class="mark" cx="{_coordinate(to_x(index))}" cy="{_coordinate(to_y(value))}" r="{radius}"'
                    f' fill="{colour}"{opacity}>{hover}</circle>'
                )
    if legend:
        position = left
        for number, one in enumerate(series):
            label = _plain_text(one.name, 30)
            parts.append(
                f'<rect x="{_coordinate(position)}" y="6" width="10" height="10" fill="{COLOURS[number % len(COLOURS)]}"/>'
                f'<text x="{_coordinate(position + 14)}" y="15" font-size="11" fill="#333">{text(label)}</text>'
            )
            position += 24 + CHAR_WIDTH * len(label)
    parts.append("</svg>")
    return "".join(parts)


def _line_paths(one: Series, to_x: Callable[[int], float], to_y: Callable[[float], float], colour: str) -> list[str]:
    """One path per run of values without a gap."""
    paths, points = [], []
    for index, value in enumerate([*one.values, None]):
        if value is None:
            if len(points) > 1:
                paths.append(f'<path d="M{" L".join(points)}" fill="none" stroke="{colour}" stroke-width="2"/>')
            points = []
        else:
            points.append(f"{_coordinate(to_x(index))} {_coordinate(to_y(value))}")
    return paths


HOST_FUNCTIONS = {"show_table": guest_callable(show_table), "show_chart": guest_callable(show_chart)}


def model_summary(displays: Displays) -> dict[str, Any]:
    """What the model is told: what is on the user's screen, so it need not repeat the data."""
    return {
        "displayed": displays.summaries,
        "displayed_note": "These tables and charts are shown to the user; do not repeat their data.",
    }
