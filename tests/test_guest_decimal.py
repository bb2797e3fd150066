"""decimal in the sandbox gives CPython's Decimals: the same digits, exponents, text, rounding and
errors, for the arithmetic and quantizing that money calculations use."""

from guest_oracle import agree, cpython_output, sandbox_output
from hypothesis import example, given, settings
from hypothesis import strategies as st

ROUNDINGS = [
    "ROUND_HALF_UP",
    "ROUND_HALF_EVEN",
    "ROUND_HALF_DOWN",
    "ROUND_DOWN",
    "ROUND_UP",
    "ROUND_FLOOR",
    "ROUND_CEILING",
    "ROUND_05UP",
]


@st.composite
def decimal_text(draw):
    digits = draw(st.integers(0, 10 ** draw(st.integers(1, 30))))
    exponent = draw(st.integers(-12, 6))
    sign = draw(st.sampled_from(["", "-"]))
    form = draw(st.sampled_from(["sci", "plain"]))
    if form == "sci":
        return f"{sign}{digits}E{exponent}"
    text = str(digits)
    if exponent < 0:
        text = text.rjust(-exponent + 1, "0")
        text = text[:exponent] + "." + text[exponent:]
    return sign + text


def test_money_arithmetic_prints_as_in_cpython(session):
    agree(
        session,
        """
from decimal import Decimal, getcontext, localcontext, ROUND_HALF_UP, ROUND_HALF_EVEN, ROUND_DOWN, ROUND_UP, ROUND_FLOOR, ROUND_CEILING
import decimal
D = Decimal
prices = [D('19.99'), D('5.01'), D('0.10'), D('3')]
total = sum(prices)
tax = (total * D('0.0825')).quantize(D('0.01'), rounding=ROUND_HALF_UP)
print(total, tax, total + tax, repr(total / 3), (total / 3).quantize(D('0.01')), max(prices), min(prices), sorted(prices))
print(D('1.10') + D('2.20'), D('0.1') + D('0.2') == D('0.3'), D(1) / D(3), D(10) / D(4), D('1.00') / 2, D(2) ** 10, D('1.05') ** 12, D(2) ** -2)
print(repr(D('12.345')), repr(D(0.1)), repr(D(-0.0)), D('1e3'), D('1E-7'), D('0.000001'), D('-0'), D('123.4500'), D(' 7 '), D('1_000'), D(10**30))
print(D('7.5') // 2, D('-7.5') // 2, D('7.5') % 2, D('-7.5') % 2, divmod(D('7.5'), 2), -D('1.50'), +D('1.500'), abs(D('-3.2')), 3 * D('1.1'), 1 - D('0.1'), D(1) - 1)
print(float(D('0.1')), int(D('-7.9')), D('1.23').as_tuple(), D('-0.5').as_integer_ratio(), D('1.2300').normalize(), D('1e5').normalize(), D(2).sqrt(), D(16).sqrt(), D('0.25').sqrt())
print(D('3') > 2, D('3') == 3, D('3.0') == 3, D('0.5') == 0.5, D('0.1') == 0.1, D('2') != 2, hash(D('2.0')) == hash(2), hash(D('0.5')) == hash(0.5), len({D('1.0'), D('1.00'), 1}))
print(D('12.30').quantize(D('1.000')), D('5').quantize(D('1e1')), D(0.1) + D(0.2), D('2.675').__round__(2), D('2.5').__round__(), D('3.5').__round__(), D('-0.5').to_integral_value())
getcontext().prec = 6
print(D(1) / D(7), D('123456789'), +D('123456789'), D('1.23456789') * 1, D('999999.5') + 0)
with localcontext() as ctx:
    ctx.prec = 40
    ctx.rounding = ROUND_HALF_UP
    print(D(1) / D(7), getcontext().prec, getcontext().rounding)
print(getcontext().prec, getcontext().rounding)
getcontext().prec = 28
with localcontext(prec=3):
    print(D('3.14159') * 1)
print(D('1234.5678').__format__('.2f'), D('1234.5678').__format__(',.2f'), D('0.125').__format__('.1%'), D('12').__format__('>8.1f'),
      D('-3.14159').__format__('+.3e'), D('2.675').__format__('.2f'), D('2.665').__format__('.2f'), D('1234567').__format__(','), D('5').__format__('<6'))
print(D('Infinity'), D('-inf'), D('nan'), D('1.000').adjusted(), D('-1.5').copy_abs(), D('1.5').copy_negate(), D('0').is_zero(), D('-2').is_signed())
print(getcontext())
""",
    )


def test_errors_match_cpython(session):
    agree(
        session,
        """
from decimal import Decimal as D, InvalidOperation, DivisionByZero, getcontext
import decimal
for bad in ['abc', '1..2', '', '1e', 'e5', '--1', '1.2.3', ' ', '_1', '1__0', '1._5', '1_e5']:
    try:
        print(D(bad))
    except InvalidOperation as e:
        print('InvalidOperation', e)
for f in [lambda: D(1) / 0, lambda: D(0) / 0, lambda: D('1e30').quantize(D('0.01')), lambda: D(1) + 1.5,
          lambda: D(1.5) < 'x', lambda: D([1]), lambda: D(5) // 0, lambda: D('nan') < 1]:
    try:
        print(f())
    except (ArithmeticError, TypeError) as e:
        print(type(e).__name__, e, isinstance(e, ArithmeticError))
getcontext().traps[decimal.DivisionByZero] = False
print(D(1) / 0, D(-1) / 0)
getcontext().traps[decimal.DivisionByZero] = True
try:
    getcontext().prec = 0
except ValueError as e:
    print('ValueError', e)
try:
    getcontext().rounding = 'nope'
except TypeError as e:
    print('TypeError')
""",
    )


@settings(max_examples=120, deadline=None)
@given(decimal_text(), decimal_text(), st.integers(1, 30), st.sampled_from(ROUNDINGS))
def test_arithmetic_agrees_with_cpython(session, a, b, prec, rounding):
    agree(
        session,
        f"""
from decimal import Decimal, localcontext
import decimal
a, b = Decimal({a!r}), Decimal({b!r})
print(repr(a), repr(b), a == b, a < b, a >= b, hash(a) == hash(b) if a == b else '', a.as_tuple())
with localcontext() as ctx:
    ctx.prec = {prec}
    ctx.rounding = decimal.{rounding}
    print(a + b, a - b, a * b, -a, +b, abs(a))
    for op in (lambda: a / b, lambda: a // b, lambda: a % b):
        try:
            print(op())
        except (ArithmeticError, NotImplementedError) as e:
            print(type(e).__name__, e)
""",
    )


@settings(max_examples=120, deadline=None)
@given(
    decimal_text(),
    st.integers(-4, 3),
    st.sampled_from(ROUNDINGS),
    st.sampled_from(["", ".2f", ".0f", ",.2f", ".3e", ">12.1f", ".1%", "+.2f"]),
)
def test_quantize_and_format_agree_with_cpython(session, a, places, rounding, spec):
    agree(
        session,
        f"""
from decimal import Decimal
import decimal
a = Decimal({a!r})
try:
    print(a.quantize(Decimal(1).scaleb({-places}), rounding=decimal.{rounding}), a.to_integral_value(rounding=decimal.{rounding}))
except decimal.InvalidOperation as e:
    print('InvalidOperation', e)
print(a.__format__({spec!r}), a.__round__({places}) if {places} >= 0 else '', str(a), a.normalize(), int(a))
""",
    )


@settings(max_examples=80, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=False), st.integers(-(10**20), 10**20))
def test_conversions_from_floats_and_ints_are_exact_like_cpython(session, x, n):
    # The float is passed as its bytes: MicroPython's float repr is not CPython's.
    import struct

    agree(
        session,
        f"""
import struct
from decimal import Decimal
x = struct.unpack('<d', {struct.pack("<d", x)!r})[0]
d = Decimal(x)
print(d, Decimal({n}), Decimal({n}) / 7, float(d) == x, d == x, d.as_integer_ratio())
""",
    )


def test_huge_exponents_answer_quickly_and_as_in_cpython(session):
    # Exponent gaps of a million digits must not build million-digit integers (a timeout would
    # discard the session): negligible operands, overflow and impossible divisions are decided
    # from the exponents.
    code = """
from decimal import Decimal as D
import decimal
cases = [lambda: D('1e999999') + 1, lambda: D('1e-999999') + 1, lambda: 1 + D('1e-999999'), lambda: D('-1e-50') + D('1'),
         lambda: D('1') - D('1e-40'), lambda: D(1).quantize(D('1e-999999')), lambda: D('1e999999') // 3, lambda: float(D('1e999999')),
         lambda: float(D('-1e-999999')), lambda: D('1e999999') > 1, lambda: D('1e-999999') < D('1e-999998'), lambda: +D('1e999999'),
         lambda: +D('1e999998'), lambda: D('1e999999') % 7, lambda: D('123.456') + D('1e-30'), lambda: D('123.456') + D('-1e-30'),
         lambda: D('0.5') + D('-1e-400'), lambda: hash(D('1e-5000')) == hash(D('1.0e-5000')),
         lambda: D('9.99999999999999999999999999999') + D('1e-40'), lambda: D('1e-40') + D('9.99999999999999999999999999999')]
for f in cases:
    try:
        print(f())
    except (ArithmeticError, TypeError) as e:
        print(type(e).__name__, e)
with decimal.localcontext() as c:
    c.rounding = decimal.ROUND_UP
    print(D('1') + D('1e-50'), D('1') - D('1e-50'))
    c.rounding = decimal.ROUND_DOWN
    print(D('1') - D('1e-50'), D('-1') - D('1e-50'))
"""
    result = session.run(code)
    assert result.ok, result.error
    assert result.fuel_used < 2_000_000_000
    assert sandbox_output(session, code) == cpython_output(code)


@settings(max_examples=150, deadline=None)
@example("499900000000000000000000000000", 1, -1, "", 1, "ROUND_DOWN")
@example("14999999", 5, -1, "", 1, "ROUND_HALF_UP")
@example("15000000", 3, -2, "-", 2, "ROUND_HALF_EVEN")
@given(
    decimal_text(),
    st.integers(1, 10**6),
    st.integers(-60, 10),
    st.sampled_from(["", "-"]),
    st.integers(1, 12),
    st.sampled_from(ROUNDINGS),
)
def test_sums_with_a_negligible_operand_round_as_in_cpython(session, a, digits, exponent, sign, prec, rounding):
    agree(
        session,
        f"""
from decimal import Decimal, localcontext
import decimal
a, b = Decimal({a!r}), Decimal('{sign}{digits}E{exponent}')
with localcontext() as ctx:
    ctx.prec = {prec}
    ctx.rounding = decimal.{rounding}
    print(a + b, b + a, a - b, b - a)
""",
    )
