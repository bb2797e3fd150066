"""The `show_result` widget: the code, highlighted, and what it printed.

The chat page inserts this HTML raw and runs its scripts, so every piece of text goes through
Pygments' escaping or `html.escape`, and the styles are scoped to the widget's class.
"""

from __future__ import annotations

import html
from functools import lru_cache

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

WIDGET_CLASS = "micropython-result"


@lru_cache(maxsize=1)
def _styles() -> str:
    formatter = HtmlFormatter(style="default", cssclass="highlight")
    scope = f".{WIDGET_CLASS} .highlight"
    # Only the token and background rules: get_style_defs() also emits unscoped `pre` rules.
    code_styles = "\n".join(formatter.get_background_style_defs(scope) + formatter.get_token_style_defs(scope))
    return (
        f".{WIDGET_CLASS} {{border: 1px solid #ddd; border-radius: 4px; margin: 0.5em 0; font-size: 0.9em}}\n"
        f".{WIDGET_CLASS} pre {{margin: 0; padding: 0.5em; white-space: pre-wrap; word-break: break-word}}\n"
        f".{WIDGET_CLASS} .micropython-label {{padding: 0.2em 0.5em; background: #f3f3f3; color: #555;"
        " font-family: sans-serif; font-size: 0.85em}\n"
        f".{WIDGET_CLASS} .micropython-stderr pre, .{WIDGET_CLASS} .micropython-error pre {{color: #a00}}\n"
        f"{code_styles}"
    )


def _section(kind: str, label: str, text: str) -> str:
    return (
        f'<div class="micropython-{kind}"><div class="micropython-label">{html.escape(label)}</div>'
        f"<pre>{html.escape(text)}</pre></div>"
    )


def render_result_html(
    code: str,
    stdout: str,
    stderr: str = "",
    error: str | None = None,
    stdout_truncated: bool = False,
) -> str:
    highlighted = highlight(code, PythonLexer(), HtmlFormatter(cssclass="highlight"))
    parts = [f'<div class="{WIDGET_CLASS}"><style>{_styles()}</style>', highlighted]
    if stdout or not (stderr or error):
        parts.append(_section("stdout", "Output (truncated)" if stdout_truncated else "Output", stdout))
    if stderr:
        parts.append(_section("stderr", "Standard error", stderr))
    if error:
        parts.append(_section("error", "Error", error))
    parts.append("</div>")
    return "".join(parts)


def human_bytes(count: int) -> str:
    for unit in ("B", "KiB", "MiB"):
        if count < 1024:
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} GiB"
