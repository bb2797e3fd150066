"""fractions in the sandbox agree with CPython's: construction from ints, strings and floats,
exact arithmetic, comparisons, limit_denominator, text and errors."""

import struct

from guest_oracle import agree
from hypothesis import given, settings
from hypothesis import strategies as st

small = st.integers(-(10**12), 10**12)
nonzero = small.filter(bool)


def test_fractions_print_as_in_cpython(session):
    agree(
        session,
        """
from fractions import Fraction as F
print(F(3, 4), repr(F(6, -8)), F('3/4'), F(' -0.25 '), F('1e-3'), F('1.5e2'), F('.5'), F('5.'), F('1_000/3'), F(0.1), F(-0.5), F(F(1, 3)), F(F(1, 2), F(1, 3)), F(7))
a, b = F(1, 3), F(2, 5)
print(a + b, a - b, a * b, a / b, a // b, a % b, divmod(a, b), a ** 2, a ** -2, b ** 0, -a, +a, abs(-a), a + 1, 1 + a, 2 - a, 3 * a, 1 / a)
print(a < b, a <= b, a > b, a == F(2, 6), a == 1/3, F(1, 2) == 0.5, F(1, 2) < 0.6, a != b, F(4, 2) == 2, hash(F(4, 2)) == hash(2), hash(F(1, 2)) == hash(0.5), len({F(1, 2), 0.5, F(2, 4)}))
print(int(F(-7, 2)), F(7, 2).__round__(), F(5, 2).__round__(), F(-5, 2).__round__(), F(1, 3).__round__(2), F(12345, 1).__round__(-2), a.numerator, a.denominator, a.as_integer_ratio())
print(F('3.141592653589793').limit_denominator(1000), F(0.1).limit_denominator(), F(1, 3).limit_denominator(2), F(355, 113).limit_denominator(100), F(5, 3).limit_denominator(1))
print(sum([F(1, 3)] * 3), max(F(1, 2), F(2, 3)), sorted([F(3, 4), F(1, 4), F(1, 2)]), F(3, 4) ** F(2, 1), 2 ** F(3, 1), F(1, 2) == float('nan'), F(1, 2) < float('inf'))
for f in [lambda: F(1, 0), lambda: F(-6, 5) / F(0), lambda: F(0) / 0, lambda: 5 / F(0), lambda: F('abc'), lambda: F('1/'), lambda: F(1.5, 2), lambda: F(1) / 0, lambda: F(0) ** -1, lambda: F(1) < 'x',
          lambda: F([1]), lambda: F('3 / 4'), lambda: F(1).limit_denominator(0), lambda: F(float('nan')), lambda: F(float('inf'))]:
    try:
        print(f())
    except (ValueError, TypeError, ZeroDivisionError, OverflowError) as e:
        print(type(e).__name__, e)
from decimal import Decimal
print(F(Decimal('1.25')), F.from_decimal(Decimal('-0.5')), F.from_float(0.25), Decimal('0.5') == F(1, 2))
""",
    )


@settings(max_examples=60, deadline=None)
@given(small, nonzero, small, nonzero, st.integers(-4, 4), st.integers(1, 10**6))
def test_arithmetic_agrees_with_cpython(session, n1, d1, n2, d2, power, limit):
    agree(
        session,
        f"""
import struct
from fractions import Fraction as F
a, b = F({n1}, {d1}), F({n2}, {d2})
print(repr(a), b, a + b, a - b, a * b, a < b, a >= b, a == b, hash(a) == hash(F({n1} * 3, {d1} * 3)))
for op in (lambda: a / b, lambda: a // b, lambda: a % b, lambda: divmod(a, b), lambda: a ** {power}, lambda: a + {n2}, lambda: {n2} - a):
    try:
        print(op())
    except ZeroDivisionError as e:
        print('ZeroDivisionError', e)
print(a.limit_denominator({limit}), int(a), a.__round__(), a.__round__(3), struct.pack('<d', float(a)).hex())
""",
    )


@settings(max_examples=80, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=False), st.integers(1, 10**9))
def test_floats_convert_exactly_like_cpython(session, x, limit):
    agree(
        session,
        f"""
import struct
from fractions import Fraction as F
x = struct.unpack('<d', {struct.pack("<d", x)!r})[0]
f = F(x)
print(f, f == x, f < x, f.limit_denominator({limit}), struct.pack('<d', float(f)).hex(), F.from_float(x) == f)
""",
    )


@settings(max_examples=80, deadline=None)
@given(
    st.from_regex(
        r"\A ?[-+]?([0-9]{1,6}(/[0-9]{1,5})?|[0-9]{0,4}\.[0-9]{0,4}([eE][-+]?[0-9]{1,2})?|[0-9_/. e+-]{1,8}) ?\Z"
    )
)
def test_strings_parse_like_cpython(session, text):
    agree(
        session,
        f"""
from fractions import Fraction as F
try:
    print(repr(F({text!r})))
except (ValueError, ZeroDivisionError) as e:
    print(type(e).__name__, e)
""",
    )
