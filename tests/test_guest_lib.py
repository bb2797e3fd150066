"""The guest standard library: modules import as in CPython, only when imported, and agree with CPython."""

from guest_oracle import cpython_output, sandbox_output
from hypothesis import given, settings
from hypothesis import strategies as st


def test_a_fresh_session_has_loaded_no_guest_module(session):
    fresh = session.runtime.new_session(session.limits)
    try:
        result = fresh.run("import sys\nprint(sorted(k for k in sys.modules))")
        assert result.ok, result.error
        assert "bisect" not in result.stdout
    finally:
        fresh.close()


def test_the_guest_library_is_read_only(session):
    result = session.run("open('/lib/bisect.py', 'w')")
    assert not result.ok
    assert "OSError" in result.error


def test_nothing_outside_the_guest_library_is_readable(session):
    output = sandbox_output(
        session,
        "for path in ('/etc/passwd', '/lib/../../etc/passwd', 'pyproject.toml'):\n"
        "    try:\n        open(path)\n        print('read', path)\n"
        "    except OSError:\n        print('refused')",
    )
    assert output == "refused\nrefused\nrefused\n"


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(-5, 5)), st.integers(-6, 6))
def test_bisect_agrees_with_cpython(session, values, x):
    code = f"""
import bisect
a = sorted({values!r})
print(bisect.bisect_left(a, {x}), bisect.bisect_right(a, {x}), bisect.bisect(a, {x}))
bisect.insort(a, {x}); bisect.insort_left(a, {x} + 1)
print(a)
print(bisect.bisect_left([(v, str(v)) for v in a], {x}, key=lambda p: p[0]))
"""
    assert sandbox_output(session, code) == cpython_output(code)
