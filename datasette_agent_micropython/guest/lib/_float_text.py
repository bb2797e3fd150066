"""Decimal text to float, correctly rounded as CPython's float() reads it.

MicroPython reads text of up to 19 significant digits correctly rounded, but not longer text:
650.9344730398537990367913155 reads as 650.9344730398537, CPython's 650.9344730398539. Its
reading is then off by an ulp or so; here it is moved to the double nearest the exact decimal
value, compared with integer arithmetic (ties to even).
"""

from math import ldexp

from _format import _bits, _cmp_decimal

_float = float
_TWO52 = 1 << 52
_TWO53 = 1 << 53
_INF = _float("inf")
# 2**1024 as (m, e), the first value past the largest double: the candidate for an overflow.
_OVERFLOW = (_TWO52, 972)
# Decimal magnitudes (value < 10**size) beyond which a value is inf (past 1.8e308) or rounds to 0
# (below half the smallest subnormal, 4.9e-324), whatever its digits.
_PAST_LARGEST = 309
_BELOW_SMALLEST = -325
# An exponent of more digits than this is taken as this big: int() of a huge exponent text would
# cost more than the answer, which is inf or 0 anyway.
_EXPONENT_DIGITS = 18


def float_of_text(text):
    """float(text) for decimal text as CPython reads it. Text of fewer than 21 characters has at
    most 19 digits, which MicroPython reads correctly: only longer text is checked."""
    x = _float(text)
    if len(text) < 21 or x != x:
        return x
    parts = _decimal_parts(text)
    if parts is None:
        return x  # inf, nan or another word float() reads: nothing to round
    negative, digits, exponent = parts
    if digits == 0:
        return x
    # The value lies in [10**(size - 1), 10**size). Far outside the doubles it is inf or 0 for
    # certain, and the exact comparison, whose integers grow with the exponent, is not made:
    # "1e620717411303423" would take it forever.
    size = len(str(digits)) + exponent
    if size > _PAST_LARGEST:
        return -_INF if negative else _INF
    if size < _BELOW_SMALLEST:
        return -0.0 if negative else 0.0
    start = -x if negative else x
    if start == _INF or start == 0:
        # MicroPython's own reading overflowed or underflowed where the value is a double: start
        # from its 17 leading digits, a few ulps away, not from the overflow one ulp at a time.
        lead = str(digits)
        start = _float(lead[:17] + "e" + str(exponent + len(lead) - len(lead[:17])))
    return _nearest(digits, exponent, start, negative)


def _decimal_parts(text):
    """(negative, D, k) with value = -+D * 10**k, or None for text that is not a plain decimal
    number."""
    text = text.strip().lower().replace("_", "")
    negative = text[:1] == "-"
    if text[:1] in "+-":
        text = text[1:]
    at = text.find("e")
    exponent = 0
    if at >= 0:
        tail = text[at + 1 :]
        if len(tail.lstrip("+-").lstrip("0")) > _EXPONENT_DIGITS:
            exponent = -(10**_EXPONENT_DIGITS) if tail[:1] == "-" else 10**_EXPONENT_DIGITS
            if not tail.lstrip("+-").isdigit():
                return None
        else:
            exponent = int(tail)
        text = text[:at]
    point = text.find(".")
    if point >= 0:
        exponent -= len(text) - point - 1
        text = text[:point] + text[point + 1 :]
    if not text or not text.isdigit():
        return None
    return negative, int(text), exponent


def _nearest(d, k, x, negative):
    # (m, e): the candidate double m * 2**e, from MicroPython's reading x >= 0.
    if x == _INF:
        m, e = _OVERFLOW
    elif x == 0:
        m, e = 0, -1074
    else:
        m, e = _bits(x)
    while True:
        # Up while the value lies past the midpoint to the next double (ties to the even one).
        above = _cmp_decimal(d, k, 2 * m + 1, e - 1)
        if above > 0 or (above == 0 and m & 1):
            if e >= _OVERFLOW[1]:
                break  # past 2**1024: inf, however far past
            m += 1
            if m == _TWO53:
                m, e = _TWO52, e + 1
            continue
        if m == 0:
            break
        # Down while it lies below the midpoint to the previous double, which is nearer at a
        # power of two (the spacing halves below it).
        finer = m == _TWO52 and e > -1074
        below = _cmp_decimal(d, k, 4 * m - 1, e - 2) if finer else _cmp_decimal(d, k, 2 * m - 1, e - 1)
        if below < 0 or (below == 0 and m & 1):
            if finer:
                m, e = _TWO53 - 1, e - 1
            else:
                m -= 1
            continue
        break
    value = _INF if e >= _OVERFLOW[1] else ldexp(m, e)
    return -value if negative else value
