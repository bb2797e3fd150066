"""The guest string module agrees with CPython: constants, capwords, Template."""

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


def test_constants_agree_with_cpython(session):
    code = """
import string
for name in ('whitespace', 'ascii_lowercase', 'ascii_uppercase', 'ascii_letters', 'digits', 'hexdigits',
             'octdigits', 'punctuation', 'printable'):
    print(name, repr(getattr(string, name)))
"""
    assert sandbox_output(session, code) == cpython_output(code)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(alphabet="aB $x{}_1\n\t,", max_size=20),
            st.dictionaries(st.sampled_from(["a", "x", "B", "_1", "x_"]), st.integers(0, 9), max_size=3),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_capwords_and_template_agree_with_cpython(session, cases):
    code = f"""
import string
for text, values in {cases!r}:
    print(repr(string.capwords(text)), repr(string.capwords(text, ',')))
    template = string.Template(text)
    print(repr(template.safe_substitute(values)), template.get_identifiers(), template.is_valid())
    try:
        print(repr(template.substitute(values, x=7)))
    except (KeyError, ValueError) as error:
        print(type(error).__name__, error.args)
"""
    assert sandbox_output(session, code) == cpython_output(code)


def test_formatter_formats_and_parses_as_cpython(session):
    code = """
import string
f = string.Formatter()
print(f.format("{} + {} = {total:>6.2f}", 1, 2, total=3))
class Point:
    x = 3
print(f.format("{0[1]}-{0[0]} {p.x} {{literal}} {n!r:>8}", ["a", "b"], p=Point(), n="x"))
print(f.format("{:{width}d}|{:<{width}}|", 42, "ab", width=5))
print(list(f.parse("a{0!r:>3}b{{c}}{x[1].y}")))
class Upper(string.Formatter):
    def format_field(self, value, spec):
        return super().format_field(value, spec).upper()
print(Upper().format("{} and {name}", "abc", name="def"))
for bad in ("{", "}", "{0}{}", "{}{0}", "{0", "a{", "{x}"):
    try:
        print(f.format(bad, 1, 2))
    except (ValueError, KeyError) as error:
        print(type(error).__name__, error.args)
"""
    assert sandbox_output(session, code) == cpython_output(code)
