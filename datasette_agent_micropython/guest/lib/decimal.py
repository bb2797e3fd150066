"""decimal for the sandbox: exact decimal arithmetic for money, with CPython's results.

A Decimal is a sign, an integer coefficient and a power-of-ten exponent; Python ints give the
coefficient arbitrary precision. Results are rounded to the context's precision with its
rounding mode, as the General Decimal Arithmetic specification (and CPython) require.
MicroPython limits: its str.format and f-strings never call __format__ (f"{d:.2f}" raises), and
its round() ignores __round__; d.__format__(spec) and d.quantize() give CPython's text.
"""

from _math_extras import _float_ratio, _ratio_to_float

ROUND_DOWN = "ROUND_DOWN"
ROUND_HALF_UP = "ROUND_HALF_UP"
ROUND_HALF_EVEN = "ROUND_HALF_EVEN"
ROUND_CEILING = "ROUND_CEILING"
ROUND_FLOOR = "ROUND_FLOOR"
ROUND_UP = "ROUND_UP"
ROUND_HALF_DOWN = "ROUND_HALF_DOWN"
ROUND_05UP = "ROUND_05UP"
_ROUNDINGS = (
    ROUND_DOWN,
    ROUND_HALF_UP,
    ROUND_HALF_EVEN,
    ROUND_CEILING,
    ROUND_FLOOR,
    ROUND_UP,
    ROUND_HALF_DOWN,
    ROUND_05UP,
)

MAX_PREC = 999999999999999999
MAX_EMAX = 999999999999999999
MIN_EMIN = -999999999999999999
MIN_ETINY = MIN_EMIN - (MAX_PREC - 1)
HAVE_THREADS = False
HAVE_CONTEXTVAR = False


class DecimalException(ArithmeticError):
    # CPython's message names the condition, which may be a subclass: InvalidOperation raised
    # for a bad string reads "[<class 'decimal.ConversionSyntax'>]".
    def __str__(self):
        return "[<class 'decimal.%s'>]" % (self.args[0] if self.args else type(self).__name__)


class Clamped(DecimalException):
    pass


class InvalidOperation(DecimalException):
    pass


class ConversionSyntax(InvalidOperation):
    pass


class DivisionImpossible(InvalidOperation):
    pass


class DivisionUndefined(InvalidOperation):
    pass


class InvalidContext(InvalidOperation):
    pass


class DivisionByZero(ZeroDivisionError):
    # MicroPython cannot derive from both DecimalException and ZeroDivisionError.
    __str__ = DecimalException.__str__


class Inexact(DecimalException):
    pass


class Rounded(DecimalException):
    pass


class Subnormal(DecimalException):
    pass


class Overflow(Inexact):
    pass


class Underflow(Inexact):
    pass


class FloatOperation(DecimalException):
    pass


_SIGNALS = (Clamped, DivisionByZero, Inexact, Overflow, Rounded, Underflow, InvalidOperation, Subnormal, FloatOperation)
_REPR_ORDER = (
    Clamped,
    InvalidOperation,
    DivisionByZero,
    Inexact,
    FloatOperation,
    Overflow,
    Rounded,
    Subnormal,
    Underflow,
)


class Context:
    """Precision, rounding and the signals that raise (traps) or were seen (flags)."""

    def __init__(
        self, prec=None, rounding=None, Emin=None, Emax=None, capitals=None, clamp=None, flags=None, traps=None
    ):
        self.prec = 28 if prec is None else prec
        self.rounding = ROUND_HALF_EVEN if rounding is None else rounding
        self.Emin = -999999 if Emin is None else Emin
        self.Emax = 999999 if Emax is None else Emax
        self.capitals = 1 if capitals is None else capitals
        self.clamp = 0 if clamp is None else clamp
        self.flags = _signal_dict(flags, ())
        self.traps = _signal_dict(traps, (InvalidOperation, DivisionByZero, Overflow))

    @property
    def prec(self):
        return self._prec

    @prec.setter
    def prec(self, value):
        if type(value) is not int:
            raise TypeError("an integer is required")
        if not 1 <= value <= 10**6:
            raise ValueError("valid range for prec is [1, MAX_PREC]")
        self._prec = value
        self._limit = 10**value  # a coefficient this large needs rounding

    @property
    def rounding(self):
        return self._rounding

    @rounding.setter
    def rounding(self, value):
        if value not in _ROUNDINGS:
            raise TypeError(
                "valid values for rounding are:\n  [ROUND_CEILING, ROUND_FLOOR, ROUND_UP, ROUND_DOWN,\n   ROUND_HALF_UP, ROUND_HALF_DOWN, ROUND_HALF_EVEN,\n   ROUND_05UP]"
            )
        self._rounding = value

    def copy(self):
        return Context(
            self.prec,
            self.rounding,
            self.Emin,
            self.Emax,
            self.capitals,
            self.clamp,
            dict(self.flags),
            dict(self.traps),
        )

    __copy__ = copy

    def clear_flags(self):
        for signal in self.flags:
            self.flags[signal] = False

    def clear_traps(self):
        for signal in self.traps:
            self.traps[signal] = False

    def Etiny(self):
        return self.Emin - self.prec + 1

    def Etop(self):
        return self.Emax - self.prec + 1

    def create_decimal(self, num="0"):
        return Decimal(num)._fix(self)

    def create_decimal_from_float(self, f):
        return Decimal.from_float(f)._fix(self)

    def __repr__(self):
        flags = [s.__name__ for s in _REPR_ORDER if self.flags.get(s)]
        traps = [s.__name__ for s in _REPR_ORDER if self.traps.get(s)]
        return "Context(prec=%d, rounding=%s, Emin=%d, Emax=%d, capitals=%d, clamp=%d, flags=[%s], traps=[%s])" % (
            self.prec,
            self.rounding,
            self.Emin,
            self.Emax,
            self.capitals,
            self.clamp,
            ", ".join(flags),
            ", ".join(traps),
        )

    def _signal(self, signal, result=None, condition=None):
        """Record a condition; raise it if trapped, else return `result`."""
        self.flags[signal] = True
        if self.traps.get(signal):
            raise signal(condition or signal.__name__)
        return result

    def plus(self, a):
        return _as_decimal(a).__pos__(self)

    def add(self, a, b):
        return _as_decimal(a).__add__(b, self)

    def subtract(self, a, b):
        return _as_decimal(a).__sub__(b, self)

    def multiply(self, a, b):
        return _as_decimal(a).__mul__(b, self)

    def divide(self, a, b):
        return _as_decimal(a).__truediv__(b, self)

    def quantize(self, a, b):
        return _as_decimal(a).quantize(b, context=self)

    def sqrt(self, a):
        return _as_decimal(a).sqrt(self)


def _signal_dict(given, on):
    result = {}
    for signal in _SIGNALS:
        result[signal] = signal in on
    if given is not None:
        if isinstance(given, dict):
            result.update(given)
        else:
            for signal in _SIGNALS:
                result[signal] = signal in given
    return result


DefaultContext = Context()
BasicContext = Context(
    prec=9, rounding=ROUND_HALF_UP, traps=[DivisionByZero, Overflow, InvalidOperation, Clamped, Underflow]
)
ExtendedContext = Context(prec=9, traps=[])
_current = [DefaultContext.copy()]


def getcontext():
    return _current[0]


def setcontext(context):
    if context in (DefaultContext, BasicContext, ExtendedContext):
        context = context.copy()
        context.clear_flags()
    _current[0] = context


class _LocalContext:
    def __init__(self, context):
        self._context = context

    def __enter__(self):
        self._saved = getcontext()
        setcontext(self._context)
        return self._context

    def __exit__(self, *exc):
        setcontext(self._saved)
        return False


def localcontext(ctx=None, **kwargs):
    """A context manager: a copy of ctx (or the current context) is current inside the block."""
    context = (getcontext() if ctx is None else ctx).copy()
    for name, value in kwargs.items():
        if name not in ("prec", "rounding", "Emin", "Emax", "capitals", "clamp", "flags", "traps"):
            raise TypeError("'%s' is an invalid keyword argument for this function" % name)
        setattr(context, name, value)
    return _LocalContext(context)


def _digits(n):
    return len(str(n))


def _round_coefficient(sign, coefficient, drop, rounding):
    """Drop the last `drop` digits of coefficient, rounding; returns (new coefficient, inexact)."""
    if drop <= 0:
        return coefficient * 10 ** (-drop), False
    unit = 10**drop
    kept, rest = divmod(coefficient, unit)
    if not rest:
        return kept, False
    if rounding == ROUND_HALF_EVEN or rounding == ROUND_HALF_UP or rounding == ROUND_HALF_DOWN:
        twice = rest * 2
        up = twice > unit or (
            twice == unit and (rounding == ROUND_HALF_UP or (rounding == ROUND_HALF_EVEN and kept & 1))
        )
    elif rounding == ROUND_DOWN:
        up = False
    elif rounding == ROUND_UP:
        up = True
    elif rounding == ROUND_CEILING:
        up = not sign
    elif rounding == ROUND_FLOOR:
        up = bool(sign)
    else:  # ROUND_05UP
        up = kept % 10 in (0, 5)
    return kept + 1 if up else kept, True


_SPECIALS = {"inf": "F", "infinity": "F", "nan": "n", "snan": "N"}


class Decimal:
    """An exact decimal number: (-1)**sign * coefficient * 10**exponent, or Infinity or NaN."""

    __slots__ = ("_sign", "_int", "_exp", "_special")

    def __init__(self, value="0", context=None):
        self._special = None
        kind = type(value)
        if kind is str:
            self._parse(value, context)
        elif kind is int or kind is bool or isinstance(value, int):
            value = int(value)
            self._sign = 1 if value < 0 else 0
            self._int = -value if value < 0 else value
            self._exp = 0
        elif isinstance(value, Decimal):
            self._sign, self._int, self._exp, self._special = value._sign, value._int, value._exp, value._special
        elif kind is float:
            self._from_float(value)
        elif kind is tuple or kind is list:
            self._from_tuple(value)
        else:
            raise TypeError("conversion from %s to Decimal is not supported" % kind.__name__)

    def _parse(self, text, context):
        text = text.strip().replace("_", "")
        sign = 0
        body = text
        if body[:1] in ("+", "-"):
            sign = 1 if body[0] == "-" else 0
            body = body[1:]
        lower = body.lower()
        special = _SPECIALS.get(lower)
        if special is None and (lower.startswith("nan") or lower.startswith("snan")):
            payload = lower[3:] if lower.startswith("nan") else lower[4:]
            if payload.isdigit():
                special = "n" if lower.startswith("nan") else "N"
        if special is not None:
            self._sign, self._int, self._exp, self._special = sign, 0, 0, special
            return
        mantissa, exponent = body, 0
        for marker in ("e", "E"):
            if marker in body:
                mantissa, _, tail = body.partition(marker)
                if not (tail[1:] if tail[:1] in ("+", "-") else tail).isdigit():
                    self._invalid(context)
                    return
                exponent = int(tail)
                break
        whole, point, fraction = mantissa.partition(".")
        digits = whole + fraction
        if (
            not digits
            or not digits.isdigit()
            or (whole and not whole.isdigit())
            or (fraction and not fraction.isdigit())
        ):
            self._invalid(context)
            return
        self._sign = sign
        self._int = int(digits)
        self._exp = exponent - len(fraction)

    def _invalid(self, context):
        (context or getcontext())._signal(InvalidOperation, None, "ConversionSyntax")
        self._sign, self._int, self._exp, self._special = 0, 0, 0, "n"

    def _from_float(self, value):
        if value != value:
            self._sign, self._int, self._exp, self._special = 0, 0, 0, "n"
            return
        sign = 1 if value < 0 or (value == 0 and str(value)[0] == "-") else 0
        if value - value != 0.0:
            self._sign, self._int, self._exp, self._special = sign, 0, 0, "F"
            return
        numerator, denominator = _float_ratio(abs(value))
        # denominator is 2**k: n / 2**k == n * 5**k / 10**k
        k = _digits_of_two(denominator)
        self._sign = sign
        self._int = numerator * 5**k
        self._exp = -k

    def _from_tuple(self, value):
        if len(value) != 3:
            raise ValueError("argument must be a sequence of length 3")
        sign, digits, exponent = value
        if sign not in (0, 1):
            raise ValueError("sign must be an integer with the value 0 or 1")
        self._sign = sign
        if exponent in ("F", "n", "N"):
            self._int, self._exp, self._special = 0, 0, exponent
            return
        coefficient = 0
        for digit in digits:
            if type(digit) is not int or not 0 <= digit <= 9:
                raise ValueError("coefficient must be a tuple of digits")
            coefficient = coefficient * 10 + digit
        self._int = coefficient
        self._exp = exponent

    @classmethod
    def from_float(cls, f):
        if type(f) is int:
            return cls(f)
        if type(f) is not float:
            raise TypeError("argument must be int or float")
        return cls(f)

    @staticmethod
    def _make(sign, coefficient, exponent, special=None):
        result = object.__new__(Decimal)
        result._sign = sign
        result._int = coefficient
        result._exp = exponent
        result._special = special
        return result

    def _fix(self, context):
        """Round to the context's precision."""
        if self._special is not None:
            return self
        if self._int < context._limit:
            if self._exp > 0 and self._int and self._exp + _digits(self._int) - 1 > context.Emax:
                context._signal(Overflow)
                return Decimal._make(self._sign, 0, 0, "F")
            return self
        drop = _digits(self._int) - context.prec
        coefficient, inexact = _round_coefficient(self._sign, self._int, drop, context.rounding)
        exponent = self._exp + drop
        if coefficient >= context._limit:
            coefficient //= 10
            exponent += 1
        context.flags[Rounded] = True
        if inexact:
            context._signal(Inexact)
        if exponent + context.prec - 1 > context.Emax:
            context._signal(Overflow)
            return Decimal._make(self._sign, 0, 0, "F")
        return Decimal._make(self._sign, coefficient, exponent)

    # conversions and text

    def __str__(self):
        return self._text()

    def _text(self, exponent_letter="E"):
        sign = "-" if self._sign else ""
        if self._special is not None:
            return sign + {"F": "Infinity", "n": "NaN", "N": "sNaN"}[self._special]
        digits = str(self._int)
        exponent = self._exp
        adjusted = exponent + len(digits) - 1
        if exponent <= 0 and adjusted >= -6:
            if exponent == 0:
                return sign + digits
            point = len(digits) + exponent
            if point > 0:
                return sign + digits[:point] + "." + digits[point:]
            return sign + "0." + "0" * (-point) + digits
        text = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return sign + text + exponent_letter + ("+" if adjusted >= 0 else "-") + str(abs(adjusted))

    def __repr__(self):
        return "Decimal('%s')" % self._text()

    def to_eng_string(self, context=None):
        return self._text()

    def __float__(self):
        if self._special is not None:
            if self._special == "F":
                return float("-inf") if self._sign else float("inf")
            if self._special == "N":
                raise ValueError("cannot convert signaling NaN to float")
            return float("nan")
        if not self._int:
            return -0.0 if self._sign else 0.0
        # Beyond the float range, without building a huge integer first.
        adjusted = self.adjusted()
        if adjusted > 400:
            return float("-inf") if self._sign else float("inf")
        if adjusted < -400:
            return -0.0 if self._sign else 0.0
        numerator, denominator = self.as_integer_ratio()
        return _ratio_to_float(numerator, denominator)

    def __int__(self):
        if self._special is not None:
            if self._special == "F":
                raise OverflowError("cannot convert Infinity to integer")
            raise ValueError("cannot convert NaN to integer")
        if self._exp >= 0:
            value = self._int * 10**self._exp
        else:
            value = self._int // 10 ** (-self._exp)
        return -value if self._sign else value

    __trunc__ = __int__

    def __floor__(self):
        return int(self.to_integral_value(ROUND_FLOOR))

    def __ceil__(self):
        return int(self.to_integral_value(ROUND_CEILING))

    def __bool__(self):
        return self._special is not None or self._int != 0

    def as_integer_ratio(self):
        if self._special is not None:
            raise (
                OverflowError("cannot convert Infinity to integer ratio")
                if self._special == "F"
                else ValueError("cannot convert NaN to integer ratio")
            )
        if self._exp >= 0:
            numerator, denominator = self._int * 10**self._exp, 1
        else:
            numerator, denominator = self._int, 10 ** (-self._exp)
            g = _gcd(numerator, denominator)
            numerator //= g
            denominator //= g
        return (-numerator if self._sign else numerator), denominator

    def as_tuple(self):
        if self._special is not None:
            return DecimalTuple((self._sign, (), self._special))
        return DecimalTuple((self._sign, tuple(int(d) for d in str(self._int)), self._exp))

    def __hash__(self):
        if self._special is not None:
            if self._special == "N":
                raise TypeError("Cannot hash a signaling NaN value.")
            return hash(float(self))
        if not -1000 <= self._exp <= 1000:
            # Far outside any int or float this could equal: hash it without a huge integer.
            return hash(self.normalize(Context(prec=max(_digits(self._int), 1)))._text())
        if self._exp >= 0 or self._int % 10 ** (-self._exp) == 0:
            return hash(int(self))
        numerator, denominator = self.as_integer_ratio()
        if denominator & (denominator - 1) == 0:  # a power of two: exactly a float
            return hash(float(self))
        return hash((numerator, denominator))

    # comparisons

    def _compare(self, other, operator=None):
        """-1, 0 or 1; None when either side is NaN; NotImplemented for == with other types."""
        equality = operator is None
        converted = _comparable(other)
        if converted is NotImplemented:
            if equality:
                return NotImplemented
            raise TypeError(
                "'%s' not supported between instances of 'decimal.Decimal' and '%s'" % (operator, type(other).__name__)
            )
        other = converted
        if self._special in ("n", "N") or other._special in ("n", "N"):
            if not equality:  # ordering a NaN is an invalid operation
                getcontext()._signal(InvalidOperation)
            return None
        if isinstance(other, Decimal) and self._special is None and other._special is None:
            # Different signs or magnitudes decide without exact (possibly huge) integers.
            if not self._int or not other._int:
                a = 0 if not self._int else (-1 if self._sign else 1)
                b = 0 if not other._int else (-1 if other._sign else 1)
                return (a > b) - (a < b)
            if self._sign != other._sign:
                return -1 if self._sign else 1
            difference = self.adjusted() - other.adjusted()
            if difference:
                return (1 if difference > 0 else -1) * (-1 if self._sign else 1)
        a = self._value_key()
        b = other._value_key()
        return (a > b) - (a < b)

    def _value_key(self):
        """Something ordered like the value: (class, exact ratio)."""
        if self._special == "F":
            return (-1 if self._sign else 1, 0, 1)
        numerator, denominator = self.as_integer_ratio()
        return _RatioKey(numerator, denominator)

    def __eq__(self, other):
        result = self._compare(other)
        if result is NotImplemented:
            return False
        return result == 0

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __lt__(self, other):
        result = self._compare(other, "<")
        return result is not None and result < 0

    def __le__(self, other):
        result = self._compare(other, "<=")
        return result is not None and result <= 0

    def __gt__(self, other):
        result = self._compare(other, ">")
        return result is not None and result > 0

    def __ge__(self, other):
        result = self._compare(other, ">=")
        return result is not None and result >= 0

    def compare(self, other, context=None):
        result = self._compare(_as_decimal(other))
        if result is None:
            return Decimal._make(0, 0, 0, "n")
        return Decimal(result)

    # arithmetic

    def __pos__(self, context=None):
        context = context or getcontext()
        if self._special is None and not self._int:
            return Decimal._make(1 if context.rounding == ROUND_FLOOR and self._sign else 0, 0, self._exp)
        return self._fix(context)

    def __neg__(self, context=None):
        context = context or getcontext()
        if self._special is None and not self._int:
            return Decimal._make(1 - self._sign if context.rounding == ROUND_FLOOR else 0, 0, self._exp)
        return Decimal._make(1 - self._sign, self._int, self._exp, self._special)._fix(context)

    def __abs__(self, context=None):
        return Decimal._make(0, self._int, self._exp, self._special)._fix(context or getcontext())

    def _nan_result(self, other, context):
        for x in (self, other):
            if x._special == "N":
                return context._signal(InvalidOperation, Decimal._make(x._sign, 0, 0, "n"))
        for x in (self, other):
            if x._special == "n":
                return x
        return None

    def __add__(self, other, context=None):
        other = _operand(other, "+", self, False)
        if other is NotImplemented:
            return other
        context = context or getcontext()
        if self._special is not None or other._special is not None:
            nan = self._nan_result(other, context)
            if nan is not None:
                return nan
            if self._special == "F" and other._special == "F" and self._sign != other._sign:
                return context._signal(InvalidOperation, Decimal._make(0, 0, 0, "n"))
            return self if self._special == "F" else other
        if self._int and other._int:
            # An operand wholly below both the other's last digit and the result's rounding digit
            # only decides the rounding: any value of its sign below 10**floor rounds the same, so
            # it is stood in by one digit there instead of padding with a huge power of ten.
            high, low = (self, other) if self.adjusted() >= other.adjusted() else (other, self)
            floor = min(high._exp, high.adjusted() - context.prec - 1)
            if low.adjusted() < floor - 1:
                self, other = high, Decimal._make(low._sign, 1, floor - 1)
        exponent = min(self._exp, other._exp)
        a = self._int * 10 ** (self._exp - exponent)
        b = other._int * 10 ** (other._exp - exponent)
        total = (-a if self._sign else a) + (-b if other._sign else b)
        if total == 0:
            both_negative = self._sign and other._sign
            sign = 1 if both_negative or (context.rounding == ROUND_FLOOR and (self._sign or other._sign)) else 0
            return Decimal._make(sign, 0, exponent)
        return Decimal._make(1 if total < 0 else 0, abs(total), exponent)._fix(context)

    def __radd__(self, other, context=None):
        other = _operand(other, "+", self, True)
        if other is NotImplemented:
            return other
        return other.__add__(self, context)

    def __sub__(self, other, context=None):
        other = _operand(other, "-", self, False)
        if other is NotImplemented:
            return other
        return self.__add__(
            Decimal._make(1 - other._sign, other._int, other._exp, other._special)
            if other._special not in ("n", "N")
            else other,
            context,
        )

    def __rsub__(self, other, context=None):
        other = _operand(other, "-", self, True)
        if other is NotImplemented:
            return other
        return other.__sub__(self, context)

    def __mul__(self, other, context=None):
        other = _operand(other, "*", self, False)
        if other is NotImplemented:
            return other
        context = context or getcontext()
        sign = self._sign ^ other._sign
        if self._special is not None or other._special is not None:
            nan = self._nan_result(other, context)
            if nan is not None:
                return nan
            if (self._special is None and not self._int) or (other._special is None and not other._int):
                return context._signal(InvalidOperation, Decimal._make(0, 0, 0, "n"))
            return Decimal._make(sign, 0, 0, "F")
        return Decimal._make(sign, self._int * other._int, self._exp + other._exp)._fix(context)

    def __rmul__(self, other, context=None):
        other = _operand(other, "*", self, True)
        if other is NotImplemented:
            return other
        return other.__mul__(self, context)

    def __truediv__(self, other, context=None):
        other = _operand(other, "/", self, False)
        if other is NotImplemented:
            return other
        context = context or getcontext()
        sign = self._sign ^ other._sign
        if self._special is not None or other._special is not None:
            nan = self._nan_result(other, context)
            if nan is not None:
                return nan
            if self._special == "F" and other._special == "F":
                return context._signal(InvalidOperation, Decimal._make(0, 0, 0, "n"))
            if self._special == "F":
                return Decimal._make(sign, 0, 0, "F")
            return Decimal._make(sign, 0, context.Etiny())
        if not other._int:
            if not self._int:
                return context._signal(InvalidOperation, Decimal._make(0, 0, 0, "n"), "DivisionUndefined")
            return context._signal(DivisionByZero, Decimal._make(sign, 0, 0, "F"))
        ideal = self._exp - other._exp
        if not self._int:
            return Decimal._make(sign, 0, ideal)
        shift = _digits(other._int) - _digits(self._int) + context.prec + 1
        if shift >= 0:
            quotient, remainder = divmod(self._int * 10**shift, other._int)
        else:
            quotient, remainder = divmod(self._int, other._int * 10 ** (-shift))
        exponent = ideal - shift
        if remainder:
            # An inexact quotient: a final digit of 0 or 5 would look like an exact tie.
            if quotient % 5 == 0:
                quotient += 1
        else:
            while exponent < ideal and quotient % 10 == 0:
                quotient //= 10
                exponent += 1
        return Decimal._make(sign, quotient, exponent)._fix(context)

    def __rtruediv__(self, other, context=None):
        other = _operand(other, "/", self, True)
        if other is NotImplemented:
            return other
        return other.__truediv__(self, context)

    def _divide_integer(self, other, context, remainder_only=False):
        """(quotient truncated toward zero, remainder with the dividend's sign)."""
        if self._special is not None or other._special is not None or not other._int:
            if other._special is None and not other._int and self._special is None:
                if not self._int:
                    raise InvalidOperation("DivisionUndefined")
                if remainder_only:
                    raise InvalidOperation("InvalidOperation")
                raise DivisionByZero("DivisionByZero")
            raise InvalidOperation("InvalidOperation")
        if self._int and self.adjusted() - other.adjusted() > context.prec:
            raise InvalidOperation("DivisionImpossible")
        exponent = min(self._exp, other._exp)
        a = self._int * 10 ** (self._exp - exponent)
        b = other._int * 10 ** (other._exp - exponent)
        quotient, remainder = divmod(a, b)
        if quotient >= context._limit:
            raise InvalidOperation("DivisionImpossible")
        sign = self._sign ^ other._sign
        q = Decimal._make(sign, quotient, 0)
        r = Decimal._make(self._sign, remainder, exponent)._fix(context)
        return q, r

    def __floordiv__(self, other, context=None):
        other = _operand(other, "//", self, False)
        if other is NotImplemented:
            return other
        return self._divide_integer(other, context or getcontext())[0]

    def __rfloordiv__(self, other, context=None):
        other = _operand(other, "//", self, True)
        if other is NotImplemented:
            return other
        return other.__floordiv__(self, context)

    def __mod__(self, other, context=None):
        other = _operand(other, "%", self, False)
        if other is NotImplemented:
            return other
        return self._divide_integer(other, context or getcontext(), True)[1]

    def __rmod__(self, other, context=None):
        other = _operand(other, "%", self, True)
        if other is NotImplemented:
            return other
        return other.__mod__(self, context)

    def __divmod__(self, other, context=None):
        other = _operand(other, "divmod()", self, False)
        if other is NotImplemented:
            return other
        return self._divide_integer(other, context or getcontext())

    def __pow__(self, other, modulo=None, context=None):
        other = _operand(other, "** or pow()", self, False)
        if other is NotImplemented:
            return other
        context = context or getcontext()
        if modulo is not None or other._special is not None or self._special is not None:
            raise NotImplementedError("this Decimal power is not supported in the sandbox")
        if other._exp < 0 and other._int % 10 ** (-other._exp):
            raise NotImplementedError("Decimal ** a non-integer is not supported in the sandbox")
        n = int(other)
        if n == 0:
            if not self._int:
                return context._signal(InvalidOperation, Decimal._make(0, 0, 0, "n"))
            return Decimal(1)
        sign = self._sign if n % 2 else 0
        if n > 0 and not self._int:
            return Decimal._make(sign, 0, 0)
        if n > 0:
            return Decimal._make(sign, self._int**n, self._exp * n)._fix(context)
        if not self._int:
            return context._signal(DivisionByZero, Decimal._make(sign, 0, 0, "F"))
        return Decimal(1).__truediv__(Decimal._make(sign, self._int ** (-n), self._exp * -n), context)

    def __rpow__(self, other, context=None):
        other = _operand(other, "** or pow()", self, True)
        if other is NotImplemented:
            return other
        return other.__pow__(self, None, context)

    # rounding to a given exponent

    def quantize(self, exp, rounding=None, context=None):
        """This value with exp's exponent, rounded with `rounding` (or the context's)."""
        exp = _as_decimal(exp)
        context = context or getcontext()
        rounding = rounding or context.rounding
        if self._special is not None or exp._special is not None:
            nan = self._nan_result(exp, context)
            if nan is not None:
                return nan
            if self._special == "F" and exp._special == "F":
                return Decimal(self)
            return context._signal(InvalidOperation, Decimal._make(0, 0, 0, "n"))
        return self._rescale(exp._exp, rounding, context)

    def _rescale(self, exponent, rounding, context):
        if self._int and self._exp - exponent > context.prec:
            return context._signal(InvalidOperation, Decimal._make(0, 0, 0, "n"))
        coefficient, inexact = _round_coefficient(self._sign, self._int, exponent - self._exp, rounding)
        if coefficient >= context._limit:
            return context._signal(InvalidOperation, Decimal._make(0, 0, 0, "n"))
        if inexact:
            context.flags[Rounded] = True
            context._signal(Inexact)
        return Decimal._make(self._sign, coefficient, exponent)

    def to_integral_value(self, rounding=None, context=None):
        context = context or getcontext()
        if self._special is not None or self._exp >= 0:
            return Decimal(self)
        coefficient, _ = _round_coefficient(self._sign, self._int, -self._exp, rounding or context.rounding)
        return Decimal._make(self._sign, coefficient, 0)

    to_integral = to_integral_value

    def to_integral_exact(self, rounding=None, context=None):
        context = context or getcontext()
        if self._special is not None or self._exp >= 0:
            return Decimal(self)
        return self._rescale(0, rounding or context.rounding, context)

    def __round__(self, n=None):
        if n is None:
            if self._special is not None:
                raise (
                    OverflowError("cannot round an infinity")
                    if self._special == "F"
                    else ValueError("cannot round a NaN")
                )
            return int(self.to_integral_value(ROUND_HALF_EVEN))
        return self.quantize(Decimal._make(0, 1, -n))

    # other methods analysts use

    def adjusted(self):
        if self._special is not None:
            return 0
        return self._exp + _digits(self._int) - 1

    def normalize(self, context=None):
        context = context or getcontext()
        result = self._fix(context)
        if result._special is not None:
            return result
        if not result._int:
            return Decimal._make(result._sign, 0, 0)
        coefficient, exponent = result._int, result._exp
        while coefficient % 10 == 0:
            coefficient //= 10
            exponent += 1
        return Decimal._make(result._sign, coefficient, exponent)

    def sqrt(self, context=None):
        """The square root, correctly rounded to the context's precision."""
        context = context or getcontext()
        if self._special is not None:
            if self._special == "F" and not self._sign:
                return Decimal(self)
            return context._signal(InvalidOperation, Decimal._make(0, 0, 0, "n"))
        if not self._int:
            return Decimal._make(self._sign, 0, self._exp // 2)
        if self._sign:
            return context._signal(InvalidOperation, Decimal._make(0, 0, 0, "n"))
        from _math_extras import isqrt

        ideal = self._exp // 2
        # Scale to an even exponent with enough digits for prec + 1 digits of root.
        shift = max(0, 2 * (context.prec + 1) - _digits(self._int) + 2)
        if (self._exp - shift) % 2:
            shift += 1
        scaled = self._int * 10**shift
        root = isqrt(scaled)
        exponent = (self._exp - shift) // 2
        if root * root != scaled:
            if root % 5 == 0:
                root += 1
            return Decimal._make(0, root, exponent)._fix_with(context, ROUND_HALF_EVEN)
        while exponent < ideal and root % 10 == 0:
            root //= 10
            exponent += 1
        return Decimal._make(0, root, exponent)._fix_with(context, ROUND_HALF_EVEN)

    def _fix_with(self, context, rounding):
        saved = context.rounding
        context.rounding = rounding
        try:
            return self._fix(context)
        finally:
            context.rounding = saved

    def copy_abs(self):
        return Decimal._make(0, self._int, self._exp, self._special)

    def copy_negate(self):
        return Decimal._make(1 - self._sign, self._int, self._exp, self._special)

    def copy_sign(self, other, context=None):
        return Decimal._make(_as_decimal(other)._sign, self._int, self._exp, self._special)

    def is_finite(self):
        return self._special is None

    def is_infinite(self):
        return self._special == "F"

    def is_nan(self):
        return self._special in ("n", "N")

    def is_snan(self):
        return self._special == "N"

    def is_qnan(self):
        return self._special == "n"

    def is_signed(self):
        return self._sign == 1

    def is_zero(self):
        return self._special is None and not self._int

    def scaleb(self, other, context=None):
        result = Decimal(self)
        if result._special is None:
            result._exp += int(_as_decimal(other))
        return result._fix(context or getcontext())

    def max(self, other, context=None):
        other = _as_decimal(other)
        return (other if other > self else self)._fix(context or getcontext())

    def min(self, other, context=None):
        other = _as_decimal(other)
        return (other if other < self else self)._fix(context or getcontext())

    def conjugate(self):
        return self

    @property
    def real(self):
        return self

    @property
    def imag(self):
        return Decimal(0)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        return (type(self), (str(self),))

    def __format__(self, spec, _context=None):
        return _format(self, spec, _context or getcontext())


class DecimalTuple(tuple):
    """(sign, digits, exponent), readable by name like CPython's named tuple."""

    @property
    def sign(self):
        return self[0]

    @property
    def digits(self):
        return self[1]

    @property
    def exponent(self):
        return self[2]

    def __repr__(self):
        return "DecimalTuple(sign=%r, digits=%r, exponent=%r)" % (self[0], self[1], self[2])

    __str__ = __repr__


class _RatioKey:
    """Compares exact ratios n/d (d > 0) without floats."""

    __slots__ = ("n", "d")

    def __init__(self, n, d):
        self.n = n
        self.d = d

    def _cross(self, other):
        if type(other) is tuple:  # an infinity
            return -other[0], 0
        return self.n * other.d, other.n * self.d

    def __lt__(self, other):
        a, b = self._cross(other)
        return a < b

    def __gt__(self, other):
        a, b = self._cross(other)
        return a > b


def _gcd(a, b):
    while b:
        a, b = b, a % b
    return a


def _digits_of_two(power):
    k = 0
    while power > 1:
        power >>= 1
        k += 1
    return k


def _as_decimal(value):
    if isinstance(value, Decimal):
        return value
    if type(value) is int or type(value) is bool or isinstance(value, int):
        return Decimal(value)
    raise TypeError("conversion from %s to Decimal is not supported" % type(value).__name__)


def _operand(other, operator, this, reflected):
    if isinstance(other, Decimal):
        return other
    if type(other) is int or type(other) is bool or isinstance(other, int):
        return Decimal(other)
    names = ("decimal.Decimal", type(other).__name__)
    if reflected:
        names = names[::-1]
    raise TypeError("unsupported operand type(s) for %s: '%s' and '%s'" % (operator, names[0], names[1]))


def _comparable(other):
    if isinstance(other, Decimal):
        return other
    if type(other) is int or type(other) is bool or isinstance(other, int):
        return Decimal(other)
    if type(other) is float:
        getcontext().flags[FloatOperation] = True
        return Decimal(other)
    if hasattr(other, "numerator") and hasattr(other, "denominator"):
        return _FractionView(other.numerator, other.denominator)
    return NotImplemented


class _FractionView:
    """A Fraction seen by Decimal's comparisons."""

    _special = None
    _sign = 0

    def __init__(self, n, d):
        self._key = _RatioKey(n, d)

    def _value_key(self):
        return self._key


def _format(value, spec, context):
    """CPython's format() for Decimals: [[fill]align][sign][z][#][0][width][,|_][.precision][type]."""
    fill, align, sign_mode, zero, width, grouping, precision, kind = _parse_spec(spec)
    rounding = context.rounding
    negative = value._sign == 1
    if value._special is not None:
        body = {"F": "Infinity", "n": "NaN", "N": "sNaN"}[value._special]
        if kind == "%":
            body += "%"
        zero = False
    else:
        if kind == "%":
            value = Decimal._make(value._sign, value._int, value._exp + 2)
        if kind is None and precision is not None:
            kind = "g"
        if kind in ("f", "F", "%"):
            if precision is not None:
                coefficient, _ = _round_coefficient(value._sign, value._int, -precision - value._exp, rounding)
                value = Decimal._make(value._sign, coefficient, -precision)
            body = _plain(value)
        elif kind in ("e", "E"):
            body = _scientific(value, precision, rounding, kind)
        elif kind in ("g", "G"):
            body = _general(value, precision, rounding, kind)
        else:
            body = value._text()
        if body[:1] == "-":
            body = body[1:]
        if kind == "%":
            body += "%"
        if grouping:
            body = _group(body, grouping)
    sign = "-" if negative else ("+" if sign_mode == "+" else (" " if sign_mode == " " else ""))
    if zero and width and not align:
        fill, align = "0", "="
    if width and len(sign) + len(body) < width:
        pad = width - len(sign) - len(body)
        align = align or ">"
        if align == "<":
            return sign + body + fill * pad
        if align == ">":
            return fill * pad + sign + body
        if align == "^":
            return fill * (pad // 2) + sign + body + fill * (pad - pad // 2)
        return sign + fill * pad + body
    return sign + body


def _parse_spec(spec):
    fill, align = " ", None
    i = 0
    if len(spec) >= 2 and spec[1] in "<>=^":
        fill, align, i = spec[0], spec[1], 2
    elif spec[:1] and spec[0] in "<>=^":
        align, i = spec[0], 1
    sign_mode = None
    if spec[i : i + 1] in ("+", "-", " ") and spec[i : i + 1]:
        sign_mode = spec[i]
        i += 1
    if spec[i : i + 1] == "z":
        i += 1
    if spec[i : i + 1] == "#":
        i += 1
    zero = False
    if spec[i : i + 1] == "0":
        zero = True
        i += 1
    start = i
    while i < len(spec) and spec[i].isdigit():
        i += 1
    width = int(spec[start:i]) if i > start else 0
    grouping = None
    if spec[i : i + 1] in (",", "_"):
        grouping = spec[i]
        i += 1
    precision = None
    if spec[i : i + 1] == ".":
        i += 1
        start = i
        while i < len(spec) and spec[i].isdigit():
            i += 1
        if i == start:
            raise ValueError("Invalid format specifier")
        precision = int(spec[start:i])
    kind = spec[i:] or None
    if kind is not None and (len(kind) != 1 or kind not in "eEfFgGn%"):
        raise ValueError("Invalid format specifier")
    return fill, align, sign_mode, zero, width, grouping, precision, kind


def _plain(value):
    digits = str(value._int)
    if value._exp >= 0:
        return digits + "0" * value._exp if value._int else "0"
    point = len(digits) + value._exp
    if point > 0:
        return digits[:point] + "." + digits[point:]
    return "0." + "0" * (-point) + digits


def _scientific(value, precision, rounding, kind):
    if precision is not None and value._int:
        drop = _digits(value._int) - (precision + 1)
        coefficient, _ = _round_coefficient(value._sign, value._int, drop, rounding)
        exponent = value._exp + drop
        if _digits(coefficient) > precision + 1:
            coefficient //= 10
            exponent += 1
        value = Decimal._make(value._sign, coefficient, exponent)
    elif precision is not None:
        value = Decimal._make(value._sign, 0, value._exp)
    digits = str(value._int)
    if precision is not None and not value._int:
        digits = "0" * (precision + 1)
    adjusted = value._exp + len(digits) - 1
    text = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return text + ("e" if kind == "e" else "E") + ("+" if adjusted >= 0 else "-") + str(abs(adjusted))


def _general(value, precision, rounding, kind):
    if precision == 0:
        precision = 1
    if precision is not None and value._int and _digits(value._int) > precision:
        drop = _digits(value._int) - precision
        coefficient, _ = _round_coefficient(value._sign, value._int, drop, rounding)
        exponent = value._exp + drop
        if _digits(coefficient) > precision:
            coefficient //= 10
            exponent += 1
        value = Decimal._make(value._sign, coefficient, exponent)
    text = Decimal._make(0, value._int, value._exp)._text("e" if kind == "g" else "E")
    return text


def _group(body, separator):
    whole, point, rest = body.partition(".")
    if not whole.isdigit():
        return body
    groups = []
    while len(whole) > 3:
        groups.append(whole[-3:])
        whole = whole[:-3]
    groups.append(whole)
    return separator.join(reversed(groups)) + point + rest
