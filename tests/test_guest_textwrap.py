"""The guest textwrap module breaks lines exactly as CPython's does."""

import pytest
from guest_oracle import cpython_output, new_session, sandbox_output
from hypothesis import given, settings
from hypothesis import strategies as st

from datasette_agent_micropython.runtime import Runtime


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    session = new_session(Runtime(cache_dir=tmp_path_factory.mktemp("module-cache")))
    yield session
    session.close()


WORDS = [
    "the",
    "quick",
    "brown",
    "fox.",
    "jumps",
    "over",
    "well-known",
    "state-of-the-art",
    "x",
    "--",
    "a--b",
    "supercalifragilisticexpialidocious",
    "e-mail",
    "1-2",
    "end!",
    "Mr.",
    "don't",
    "\t",
    "\n",
    "  ",
    "-",
    "a-",
    "café-bar",
    "élan-vital",
    "naïve",
    "x—y",
    "“quoted”",
    "Ωmega-ζeta",
    "٣-٤",
    "ab-٣c",
    "a--é",
]
options = st.fixed_dictionaries(
    {},
    optional={
        "initial_indent": st.sampled_from(["", "* ", "    "]),
        "subsequent_indent": st.sampled_from(["", "  "]),
        "break_long_words": st.booleans(),
        "break_on_hyphens": st.booleans(),
        "drop_whitespace": st.booleans(),
        "fix_sentence_endings": st.booleans(),
        "replace_whitespace": st.booleans(),
        "expand_tabs": st.booleans(),
        "max_lines": st.integers(1, 4),
        "placeholder": st.sampled_from([" [...]", "...", " ~"]),
        "tabsize": st.integers(0, 4),
    },
)
texts = st.lists(st.sampled_from(WORDS), max_size=25).map(" ".join)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(texts, st.integers(5, 40), options), min_size=1, max_size=6))
def test_wrap_fill_and_shorten_agree_with_cpython(session, cases):
    code = f"""
import textwrap
def encode(value):
    # Code points, not repr: MicroPython's repr escapes non-ASCII characters that CPython prints.
    if isinstance(value, str):
        return [ord(c) for c in value]
    if isinstance(value, list):
        return [encode(item) for item in value]
    return value
for text, width, options in {cases!r}:
    for call in (lambda: textwrap.wrap(text, width, **options), lambda: textwrap.fill(text, width=width, **options),
                 lambda: textwrap.shorten(text, width, placeholder=options.get('placeholder', ' [...]'))):
        try:
            print(encode(call()))
        except ValueError as error:
            print('ValueError', error)
"""
    assert sandbox_output(session, code) == cpython_output(code)


lines = st.lists(
    st.tuples(
        st.sampled_from(["", " ", "  ", "\t", " \t", "    "]),
        st.sampled_from(["", "x", "def f():", "  y", " \t", "\r"]),
    ),
    max_size=8,
)


@settings(max_examples=40, deadline=None)
@given(st.lists(lines, min_size=1, max_size=6), st.sampled_from(["", "> ", "\t"]))
def test_dedent_and_indent_agree_with_cpython(session, texts, prefix):
    cases = ["\n".join(a + b for a, b in text) for text in texts] + ["a\r\nb\rc\x0bd\n", "  a\n\n  b\n"]
    code = f"""
import textwrap
for text in {cases!r}:
    print(repr(textwrap.dedent(text)), repr(textwrap.indent(text, {prefix!r})),
          repr(textwrap.indent(text, '+', lambda line: True)))
"""
    assert sandbox_output(session, code) == cpython_output(code)
