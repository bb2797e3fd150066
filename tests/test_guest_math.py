"""`import math` gives MicroPython's built-in math plus CPython's comb, perm, prod, fsum, isqrt, gcd,
lcm, dist and hypot, agreeing with CPython; the extras cost nothing until first used."""

from guest_oracle import cpython_output, new_session, sandbox_output
from hypothesis import given, settings
from hypothesis import strategies as st

# MicroPython parses subnormal literals inexactly (a parser issue, not math's): keep them out.
floats = st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=False, width=64)

# MicroPython's float repr is not the shortest round trip (it prints 8.8 as 8.800000000000001), so
# float results are printed as the hex of their IEEE-754 bytes.
BITS = "import struct\ndef bits(x):\n    return struct.pack('<d', x).hex()\n"


def fresh_output(runtime, code):
    session = new_session(runtime)
    try:
        return sandbox_output(session, code)
    finally:
        session.close()


def test_every_import_form_reaches_the_extended_math(runtime):
    code = """
import math
from math import comb, sqrt
import math as m
print(math.comb(52, 5), comb(10, 3), m.perm(5, 2), sqrt(16.0), math.pi, math.inf, math.isfinite(1.0))
print(math.prod(range(1, 11)), math.isqrt(10**30 + 7), math.gcd(), math.gcd(12, 18, 27), math.lcm(4, 6, 10))
def inner():
    import math
    return math.fsum([0.1] * 10)
print(inner(), __import__('math').dist((0, 0), (3, 4)))
"""
    assert fresh_output(runtime, code) == cpython_output(code)


def test_a_fresh_import_of_math_compiles_no_extras(runtime):
    output = fresh_output(
        runtime, "import sys, math\nx = math.sqrt(2)\nprint('_math_extras' in sys.modules, 'math' in sys.modules)"
    )
    assert output == "False True\n"


def test_unknown_math_names_raise_attribute_error_like_cpython(session):
    code = """
import math
for name in ('nope', '_nope'):
    try:
        getattr(math, name)
    except AttributeError as e:
        print('AttributeError', e)
"""
    assert sandbox_output(session, code) == cpython_output(code)


def test_math_errors_match_cpython(session):
    code = """
import math
for f, args in [(math.comb, (-1, 2)), (math.comb, (5, -1)), (math.perm, (-2, 1)), (math.isqrt, (-1,)),
                (math.comb, (5.0, 2)), (math.fsum, ([float('inf'), float('-inf')],)), (math.dist, ((1, 2), (1,))),
                (math.fsum, (['1.5'],)), (math.fsum, ([1, None],))]:
    try:
        print(f(*args))
    except (ValueError, TypeError) as e:
        print(type(e).__name__, e)
print(math.fsum([float('inf'), 1.0]), math.fsum([float('nan'), 1.0]), math.fsum([]), math.comb(3, 5), math.perm(3, 5), math.perm(4))
"""
    assert sandbox_output(session, code) == cpython_output(code)


@settings(max_examples=40, deadline=None)
@given(st.lists(floats, max_size=30))
def test_fsum_is_correctly_rounded_like_cpython(session, values):
    code = BITS + f"import math\nprint(bits(math.fsum({values!r})))"
    assert sandbox_output(session, code) == cpython_output(code)


@settings(max_examples=30, deadline=None)
@given(
    st.integers(0, 60), st.integers(0, 60), st.integers(0, 10**40), st.lists(st.integers(-(10**6), 10**6), max_size=6)
)
def test_integer_functions_agree_with_cpython(session, n, k, big, ints):
    code = f"""
import math
print(math.comb({n}, {k}), math.perm({n}, {k}), math.isqrt({big}), math.gcd(*{ints!r}), math.lcm(*{ints!r}), math.prod({ints!r}))
"""
    assert sandbox_output(session, code) == cpython_output(code)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(floats.filter(lambda x: abs(x) < 1e150), floats.filter(lambda x: abs(x) < 1e150)),
        min_size=1,
        max_size=4,
    )
)
def test_dist_and_hypot_agree_with_cpython(session, pairs):
    p = [a for a, _ in pairs]
    q = [b for _, b in pairs]
    code = BITS + f"import math\nprint(bits(math.dist({p!r}, {q!r})), bits(math.hypot(*{p!r})))"
    assert sandbox_output(session, code) == cpython_output(code)


def test_the_import_hook_leaves_other_imports_alone(runtime):
    code = """
import builtins, sys
from math import *
print(sqrt(16.0), pi, floor(2.5))
import json, re as regex
from collections import OrderedDict
print(json.dumps([1]), regex.match('a', 'a') is not None, OrderedDict is not None)
print(__import__('math').comb(4, 2), __import__('json', None, None, ('dumps',), 0).dumps(2))
def attempt(statement):
    try:
        exec(statement, {'__name__': '__main__'})
    except Exception as e:
        return type(e).__name__ + ' ' + str(e)
statements = ('from . import sibling', 'from .. import x', 'import no_such_module')
hooked = [attempt(s) for s in statements]
hook = builtins.__import__
del builtins.__import__  # MicroPython's own import, for comparison
native = [attempt(s) for s in statements]
builtins.__import__ = hook
print(hooked == native, hooked[2])
"""
    output = fresh_output(runtime, code)
    assert output == "4.0 3.141592653589793 2\n[1] True True\n6 2\nTrue ImportError no module named 'no_such_module'\n"


def test_math_is_reloaded_with_its_extras_after_sys_modules_is_cleared(session):
    code = """
import sys
for name in ('math', '_math', '_math_extras'):
    sys.modules.pop(name, None)
import math
print(math.comb(5, 2), math.sqrt(9.0))
"""
    assert sandbox_output(session, code) == "10 3.0\n"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from([1.7e308, -1.7e308, 8.9e307, -8.9e307, float("inf"), float("-inf"), float("nan")]), floats
        ),
        max_size=8,
    )
)
def test_fsum_overflow_and_non_finite_items_behave_like_cpython(session, values):
    code = (
        BITS
        + f"""
import math
inf, nan = float('inf'), float('nan')
try:
    total = math.fsum({values!r})
    print(total if total != total or total - total != 0.0 else bits(total))
except (OverflowError, ValueError) as e:
    print(type(e).__name__, e)
"""
    )
    assert sandbox_output(session, code) == cpython_output(code)
