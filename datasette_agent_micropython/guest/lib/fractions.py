"""fractions for the sandbox: exact rational numbers with CPython's behaviour.

MicroPython limits: comparisons with a Fraction on the right of an int (1 < Fraction(1, 2))
raise TypeError, because MicroPython tries no reflected comparison.
"""

from _math_extras import _float_ratio, _ratio_to_float

_NAN = object()  # what a float NaN compares as


def _gcd(a, b):
    while b:
        a, b = b, a % b
    return a


def _is_int(x):
    return type(x) is int or type(x) is bool or isinstance(x, int)


def _strip_underscores(text, original):
    # CPython allows single underscores between digits only.
    if "_" in text:
        if text.startswith("_") or text.endswith("_") or "__" in text:
            raise ValueError("Invalid literal for Fraction: %r" % original)
        text = text.replace("_", "")
    return text


def _parse(text):
    """'3/4', '-0.25', '1e-3', ' 7 ' as an exact (numerator, denominator)."""
    original = text
    body = text.strip()
    sign = 1
    if body[:1] in ("+", "-"):
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    invalid = ValueError("Invalid literal for Fraction: %r" % original)
    if "/" in body:
        top, _, bottom = body.partition("/")
        top = _strip_underscores(top, original)
        bottom = _strip_underscores(bottom, original)
        if not top.isdigit() or not bottom.isdigit():
            raise invalid
        return sign * int(top), int(bottom)
    exponent = 0
    lower = body.lower()
    if "e" in lower:
        lower, _, tail = lower.partition("e")
        tail_digits = tail[1:] if tail[:1] in ("+", "-") else tail
        tail_digits = _strip_underscores(tail_digits, original)
        if not tail_digits.isdigit():
            raise invalid
        exponent = int(tail_digits) * (-1 if tail[:1] == "-" else 1)
    whole, point, fraction = lower.partition(".")
    whole = _strip_underscores(whole, original)
    fraction = _strip_underscores(fraction, original)
    if not (whole or fraction) or (whole and not whole.isdigit()) or (fraction and not fraction.isdigit()):
        raise invalid
    numerator = int(whole + fraction) if whole + fraction else 0
    exponent -= len(fraction)
    if exponent >= 0:
        return sign * numerator * 10**exponent, 1
    return sign * numerator, 10 ** (-exponent)


class Fraction:
    """numerator / denominator in lowest terms, with a positive denominator."""

    __slots__ = ("_numerator", "_denominator")

    def __init__(self, numerator=0, denominator=None):
        if denominator is None:
            if _is_int(numerator):
                n, d = int(numerator), 1
            elif isinstance(numerator, Fraction):
                n, d = numerator._numerator, numerator._denominator
            elif type(numerator) is float:
                n, d = _float_ratio(numerator)
            elif type(numerator) is str:
                n, d = _parse(numerator)
            elif hasattr(numerator, "as_integer_ratio"):
                n, d = numerator.as_integer_ratio()
            elif hasattr(numerator, "numerator") and hasattr(numerator, "denominator"):
                n, d = numerator.numerator, numerator.denominator
            else:
                raise TypeError("argument should be a string or a Rational instance")
        elif _is_int(numerator) and _is_int(denominator):
            n, d = int(numerator), int(denominator)
        elif _rational(numerator) and _rational(denominator):
            a = Fraction(numerator)
            b = Fraction(denominator)
            n, d = a._numerator * b._denominator, a._denominator * b._numerator
        else:
            raise TypeError("both arguments should be Rational instances")
        if d == 0:
            raise ZeroDivisionError("Fraction(%s, 0)" % n)
        g = _gcd(abs(n), abs(d))
        if d < 0:
            g = -g
        self._numerator = n // g
        self._denominator = d // g

    @staticmethod
    def _exact(n, d):
        """A Fraction from n/d already in lowest terms with d > 0."""
        result = object.__new__(Fraction)
        result._numerator = n
        result._denominator = d
        return result

    @classmethod
    def from_float(cls, f):
        if _is_int(f):
            return cls(f)
        if type(f) is not float:
            raise TypeError("%s.from_float() only takes floats, not %r (%s)" % (cls.__name__, f, type(f).__name__))
        return cls(*_float_ratio(f))

    @classmethod
    def from_decimal(cls, dec):
        return cls(*dec.as_integer_ratio())

    @property
    def numerator(self):
        return self._numerator

    @property
    def denominator(self):
        return self._denominator

    def as_integer_ratio(self):
        return (self._numerator, self._denominator)

    def is_integer(self):
        return self._denominator == 1

    def limit_denominator(self, max_denominator=1000000):
        """The closest Fraction whose denominator is at most max_denominator."""
        if max_denominator < 1:
            raise ValueError("max_denominator should be at least 1")
        if self._denominator <= max_denominator:
            return Fraction(self)
        # Walk the continued fraction's convergents p/q until q would pass the limit.
        p_before, q_before, p_last, q_last = 0, 1, 1, 0
        n, d = self._numerator, self._denominator
        while True:
            a = n // d
            q_next = q_before + a * q_last
            if q_next > max_denominator:
                break
            p_before, q_before, p_last, q_last = p_last, q_last, p_before + a * p_last, q_next
            n, d = d, n - a * d
        # The best semiconvergent within the limit, against the last convergent.
        k = (max_denominator - q_before) // q_last
        semiconvergent = Fraction(p_before + k * p_last, q_before + k * q_last)
        convergent = Fraction(p_last, q_last)
        if abs(convergent - self) <= abs(semiconvergent - self):
            return convergent
        return semiconvergent

    def __repr__(self):
        return "Fraction(%s, %s)" % (self._numerator, self._denominator)

    def __str__(self):
        if self._denominator == 1:
            return str(self._numerator)
        return "%s/%s" % (self._numerator, self._denominator)

    # arithmetic: Fractions and ints stay exact; floats make floats

    def _coerce(self, other):
        if isinstance(other, Fraction):
            return other
        if _is_int(other):
            return Fraction._exact(int(other), 1)
        return None

    def _add(a, b):
        da, db = a._denominator, b._denominator
        return Fraction(a._numerator * db + b._numerator * da, da * db)

    def _sub(a, b):
        da, db = a._denominator, b._denominator
        return Fraction(a._numerator * db - b._numerator * da, da * db)

    def _mul(a, b):
        return Fraction(a._numerator * b._numerator, a._denominator * b._denominator)

    def _div(a, b):
        if b._numerator == 0:
            # CPython reduces a's numerator by its gcd with 0 (itself) before it notices.
            raise ZeroDivisionError("Fraction(%d, 0)" % ((a._numerator > 0) - (a._numerator < 0)))
        return Fraction(a._numerator * b._denominator, a._denominator * b._numerator)

    def _floordiv(a, b):
        if b._numerator == 0:
            raise ZeroDivisionError("integer division or modulo by zero")
        return (a._numerator * b._denominator) // (a._denominator * b._numerator)

    def _divmod(a, b, message="integer division or modulo by zero"):
        if b._numerator == 0:
            raise ZeroDivisionError(message)
        da, db = a._denominator, b._denominator
        quotient, remainder = divmod(a._numerator * db, da * b._numerator)
        return quotient, Fraction(remainder, da * db)

    def _mod(a, b):
        return Fraction._divmod(a, b, "integer modulo by zero")[1]

    def _binary(self, other, exact, inexact, reflected):
        converted = self._coerce(other)
        if converted is not None:
            return exact(converted, self) if reflected else exact(self, converted)
        if type(other) is float or type(other) is complex:
            return inexact(other, float(self)) if reflected else inexact(float(self), other)
        return NotImplemented

    def __add__(self, other):
        return self._binary(other, Fraction._add, lambda a, b: a + b, False)

    def __radd__(self, other):
        return self._binary(other, Fraction._add, lambda a, b: a + b, True)

    def __sub__(self, other):
        return self._binary(other, Fraction._sub, lambda a, b: a - b, False)

    def __rsub__(self, other):
        return self._binary(other, Fraction._sub, lambda a, b: a - b, True)

    def __mul__(self, other):
        return self._binary(other, Fraction._mul, lambda a, b: a * b, False)

    def __rmul__(self, other):
        return self._binary(other, Fraction._mul, lambda a, b: a * b, True)

    def __truediv__(self, other):
        return self._binary(other, Fraction._div, lambda a, b: a / b, False)

    def __rtruediv__(self, other):
        return self._binary(other, Fraction._div, lambda a, b: a / b, True)

    def __floordiv__(self, other):
        return self._binary(other, Fraction._floordiv, lambda a, b: a // b, False)

    def __rfloordiv__(self, other):
        return self._binary(other, Fraction._floordiv, lambda a, b: a // b, True)

    def __mod__(self, other):
        return self._binary(other, Fraction._mod, lambda a, b: a % b, False)

    def __rmod__(self, other):
        return self._binary(other, Fraction._mod, lambda a, b: a % b, True)

    def __divmod__(self, other):
        return self._binary(other, Fraction._divmod, divmod, False)

    def __rdivmod__(self, other):
        return self._binary(other, Fraction._divmod, divmod, True)

    def __pow__(self, other):
        if _is_int(other) or (isinstance(other, Fraction) and other._denominator == 1):
            power = int(other) if _is_int(other) else other._numerator
            if power >= 0:
                return Fraction._exact(self._numerator**power, self._denominator**power)
            if self._numerator == 0:
                raise ZeroDivisionError("Fraction(%s, 0)" % (self._denominator**-power))
            n, d = self._denominator**-power, self._numerator**-power
            if d < 0:
                n, d = -n, -d
            return Fraction._exact(n, d)
        if isinstance(other, Fraction) or type(other) is float:
            return float(self) ** float(other)
        if type(other) is complex:
            return float(self) ** other
        return NotImplemented

    def __rpow__(self, other):
        if self._denominator == 1 and self._numerator >= 0:
            return other**self._numerator
        if _is_int(other):
            return Fraction._exact(int(other), 1) ** self
        if type(other) is float or type(other) is complex:
            return other ** float(self)
        return NotImplemented

    def __pos__(self):
        return Fraction._exact(self._numerator, self._denominator)

    def __neg__(self):
        return Fraction._exact(-self._numerator, self._denominator)

    def __abs__(self):
        return Fraction._exact(abs(self._numerator), self._denominator)

    def __int__(self):
        if self._numerator < 0:
            return -(-self._numerator // self._denominator)
        return self._numerator // self._denominator

    __trunc__ = __int__

    def __floor__(self):
        return self._numerator // self._denominator

    def __ceil__(self):
        return -(-self._numerator // self._denominator)

    def __round__(self, ndigits=None):
        """Round half to even, like CPython; with ndigits, a Fraction."""
        if ndigits is None:
            floor, remainder = divmod(self._numerator, self._denominator)
            twice = remainder * 2
            if twice < self._denominator:
                return floor
            if twice > self._denominator:
                return floor + 1
            return floor + (floor & 1)
        # MicroPython's round() ignores __round__, so call it directly.
        shift = 10 ** abs(ndigits)
        if ndigits > 0:
            return Fraction((self * shift).__round__(), shift)
        return Fraction((self / shift).__round__() * shift)

    def __float__(self):
        return _ratio_to_float(self._numerator, self._denominator)

    def __bool__(self):
        return self._numerator != 0

    def __hash__(self):
        d = self._denominator
        if d == 1:
            return hash(self._numerator)
        if d & (d - 1) == 0:  # a power of two: equal to a float, so hash like it
            return hash(float(self))
        return hash((self._numerator, d))

    # comparisons, exact against ints, Fractions and finite floats

    def _other(self, other):
        if isinstance(other, Fraction):
            return other
        if _is_int(other):
            return Fraction._exact(int(other), 1)
        if type(other) is float:
            if other != other:
                return _NAN
            if other - other != 0.0:
                return other
            return Fraction(*_float_ratio(other))
        if hasattr(other, "as_integer_ratio") and not isinstance(other, str):
            return Fraction(*other.as_integer_ratio())
        return None

    def _order(self, other, operator):
        converted = self._other(other)
        if converted is None:
            raise TypeError(
                "'%s' not supported between instances of 'Fraction' and '%s'" % (operator, type(other).__name__)
            )
        if converted is _NAN:
            return None
        if type(converted) is float:  # an infinity
            return -1 if converted > 0 else 1
        a = self._numerator * converted._denominator
        b = converted._numerator * self._denominator
        return (a > b) - (a < b)

    def __eq__(self, other):
        converted = self._other(other)
        if converted is None:
            if type(other) is complex:
                return other.imag == 0 and self == other.real
            return False
        if converted is _NAN or type(converted) is float:
            return False
        return self._numerator == converted._numerator and self._denominator == converted._denominator

    def __ne__(self, other):
        return not self.__eq__(other)

    def __lt__(self, other):
        result = self._order(other, "<")
        return result is not None and result < 0

    def __le__(self, other):
        result = self._order(other, "<=")
        return result is not None and result <= 0

    def __gt__(self, other):
        result = self._order(other, ">")
        return result is not None and result > 0

    def __ge__(self, other):
        result = self._order(other, ">=")
        return result is not None and result >= 0

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        return (type(self), (self._numerator, self._denominator))

    @property
    def real(self):
        return self

    @property
    def imag(self):
        return 0

    def conjugate(self):
        return self


def _rational(x):
    return (
        _is_int(x)
        or isinstance(x, Fraction)
        or (hasattr(x, "numerator") and hasattr(x, "denominator") and type(x) is not float)
    )
