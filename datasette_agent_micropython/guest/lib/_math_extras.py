"""What CPython's math has beyond MicroPython's, loaded by /lib/_math.py on first use.

Also the exact helpers shared by statistics, fractions and decimal (floats <-> exact integer
ratios, correctly rounded), because MicroPython's big-int to float conversion and its int / int
division are not correctly rounded.
"""

from math import frexp as _frexp
from math import inf
from math import ldexp as _ldexp
from math import sqrt as _sqrt

_TWO53 = 9007199254740992
_TWO53F = 9007199254740992.0


def _bit_length(n):
    """int.bit_length(), which MicroPython's int lacks."""
    if n < 0:
        n = -n
    if n < 0x40000000:
        length = 0
        while n:
            n >>= 1
            length += 1
        return length
    return len(bin(n)) - 2


def _is_int(x):
    # MicroPython's bool is not an int subclass.
    return type(x) is int or type(x) is bool or isinstance(x, int)


def _index(x, what="integer"):
    if type(x) is bool:
        return int(x)
    if isinstance(x, int):
        return x
    raise TypeError("'%s' object cannot be interpreted as an integer" % type(x).__name__)


def _float_parts(x):
    """A finite float as (mantissa, exponent) with x == mantissa * 2**exponent exactly."""
    m, e = _frexp(x)
    return int(m * _TWO53F), e - 53


def _float_ratio(x):
    """A finite float as the exact reduced (numerator, denominator), like float.as_integer_ratio()."""
    if x != x:
        raise ValueError("cannot convert NaN to integer ratio")
    if x in (inf, -inf):
        raise OverflowError("cannot convert Infinity to integer ratio")
    mantissa, exponent = _float_parts(x)
    if mantissa == 0:
        return 0, 1
    while not mantissa & 1 and exponent < 0:
        mantissa >>= 1
        exponent += 1
    if exponent >= 0:
        return mantissa << exponent, 1
    return mantissa, 1 << -exponent


def _small_to_float(n):
    """An int below 2**53 in magnitude, converted exactly."""
    if -0x40000000 < n < 0x40000000:
        return float(n)
    high, low = divmod(n, 0x4000000)
    return float(high) * 67108864.0 + float(low)


def _ratio_to_float(n, d):
    """n / d (ints, d != 0) correctly rounded to a float, ties to even, as CPython's int / int."""
    if d < 0:
        n, d = -n, -d
    if n == 0:
        return 0.0
    negative = n < 0
    if negative:
        n = -n
    # 2**(e-1) <= n/d < 2**e
    e = _bit_length(n) - _bit_length(d)
    if (n << -e if e < 0 else n) >= (d << e if e > 0 else d):
        e += 1
    if e > 1024:
        raise OverflowError("integer division result too large for a float")
    shift = max(e - 53, -1074)  # weight of the result's last bit
    if shift < 0:
        q, r = divmod(n << -shift, d)
    else:
        q, r = divmod(n, d << shift)
        d = d << shift
    twice = r + r
    if twice > d or (twice == d and q & 1):
        q += 1
    if q == _TWO53 and e == 1024:
        raise OverflowError("integer division result too large for a float")
    result = _ldexp(_small_to_float(q), shift)
    return -result if negative else result


def _int_to_float(n):
    if -_TWO53 <= n <= _TWO53:
        return _small_to_float(n)
    return _ratio_to_float(n, 1)


def _to_float(x):
    """x as a float, as CPython's C functions convert their arguments (never from a string)."""
    if type(x) is float:
        return x
    if _is_int(x):
        return _int_to_float(int(x))
    if isinstance(x, float) or (not isinstance(x, (str, bytes)) and hasattr(x, "__float__")):
        return float(x)
    raise TypeError("must be real number, not %s" % type(x).__name__)


def isqrt(n):
    """The integer square root: the largest a with a*a <= n."""
    n = _index(n)
    if n < 0:
        raise ValueError("isqrt() argument must be nonnegative")
    if n < _TWO53:
        a = int(_sqrt(n))
        while a * a > n:
            a -= 1
        while (a + 1) * (a + 1) <= n:
            a += 1
        return a
    a = 1 << ((_bit_length(n) + 1) // 2)
    while True:
        b = (a + n // a) >> 1
        if b >= a:
            return a
        a = b


def _sqrt_ratio(n, d):
    """sqrt(n/d) for n >= 0, d > 0, correctly rounded to a float."""
    if n == 0:
        return 0.0
    # Scale by 4**k so that the integer root carries at least 55 significant bits.
    k = (110 - (_bit_length(n) - _bit_length(d))) // 2 + 1
    if k >= 0:
        scaled_n, scaled_d = n << (2 * k), d
    else:
        scaled_n, scaled_d = n, d << (-2 * k)
    q = scaled_n // scaled_d
    root = isqrt(q)
    # Round to odd: a set last bit records that the true root is larger than `root`.
    if root * root * scaled_d != scaled_n:
        root |= 1
    if k >= 0:
        return _ratio_to_float(root, 1 << k)
    return _ratio_to_float(root << -k, 1)


# Sums at least this large round to infinity: (2**54 - 1) * 2**970 is halfway above the largest float.
_OVERFLOW = (2**54 - 1) << 970


def fsum(iterable):
    """The correctly rounded sum of floats, as CPython's math.fsum.

    Exact: the sum is kept as an integer over 2**shift. Like CPython, a running sum that leaves
    the float range raises OverflowError, and infinities and NaNs are summed apart. The loop binds
    what it uses to locals and calls no helper per item: in MicroPython a function call or a
    global lookup costs far more.
    """
    frexp = _frexp
    integer = int
    real = float
    to_float = _to_float
    total = shift = 0
    special_sum = inf_sum = 0.0
    has_special = False
    huge = False  # only items of 2**969 and more can make a sum of fewer than 2**55 items overflow
    for x in iterable:
        if type(x) is not real:
            x = to_float(x)
        if x - x != 0.0:  # inf or nan: summed apart, and the finite sum starts again
            if x == x:
                inf_sum += x
            special_sum += x
            has_special = True
            total = shift = 0
            continue
        m, e = frexp(x)
        m = integer(m * 9007199254740992.0)
        if e >= 970:
            huge = True
        e = 53 - e
        if e <= shift:
            total += m << (shift - e)
        else:
            total = (total << (e - shift)) + m
            shift = e
        if huge and abs(total) >= _OVERFLOW << shift:
            raise OverflowError("intermediate overflow in fsum")
    if has_special:
        if inf_sum != inf_sum:
            raise ValueError("-inf + inf in fsum")
        return special_sum
    if total == 0:
        return 0.0
    return _ratio_to_float(total, 1 << shift)


def prod(iterable, *, start=1):
    """The product of start and the items of iterable."""
    result = start
    for x in iterable:
        result = result * x
    return result


def comb(n, k):
    """The number of ways to choose k items from n, without order."""
    n = _index(n)
    k = _index(k)
    if n < 0:
        raise ValueError("n must be a non-negative integer")
    if k < 0:
        raise ValueError("k must be a non-negative integer")
    if k > n:
        return 0
    k = min(k, n - k)
    result = 1
    for i in range(1, k + 1):
        result = result * (n - k + i) // i
    return result


def perm(n, k=None):
    """The number of ways to choose k items from n, in order."""
    n = _index(n)
    if k is None:
        k = n
    k = _index(k)
    if n < 0:
        raise ValueError("n must be a non-negative integer")
    if k < 0:
        raise ValueError("k must be a non-negative integer")
    if k > n:
        return 0
    result = 1
    for i in range(n - k + 1, n + 1):
        result *= i
    return result


def _gcd2(a, b):
    while b:
        a, b = b, a % b
    return a


def gcd(*integers):
    """The greatest common divisor of the arguments (0 for none)."""
    result = 0
    for x in integers:
        result = _gcd2(result, abs(_index(x)))
    return result


def lcm(*integers):
    """The least common multiple of the arguments (1 for none)."""
    result = 1
    for x in integers:
        x = abs(_index(x))
        if result == 0 or x == 0:
            result = 0
            continue
        result = result // _gcd2(result, x) * x
    return result


def _norm(coordinates):
    """sqrt of the sum of squares, computed exactly and then correctly rounded."""
    total = 0
    total_exponent = None
    special = None
    for x in coordinates:
        x = abs(_to_float(x))
        if x - x != 0.0:
            if x == inf:
                return inf
            special = x
            continue
        mantissa, exponent = _float_parts(x)
        mantissa *= mantissa
        exponent *= 2
        if total_exponent is None:
            total, total_exponent = mantissa, exponent
        elif exponent >= total_exponent:
            total += mantissa << (exponent - total_exponent)
        else:
            total = (total << (total_exponent - exponent)) + mantissa
            total_exponent = exponent
    if special is not None:
        return special
    if not total:
        return 0.0
    if total_exponent % 2:
        total <<= 1
        total_exponent -= 1
    if total_exponent >= 0:
        return _sqrt_ratio(total << total_exponent, 1)
    return _sqrt_ratio(total, 1 << -total_exponent)


def hypot(*coordinates):
    """The Euclidean norm of the coordinates."""
    return _norm(coordinates)


def dist(p, q):
    """The Euclidean distance between points p and q, given as sequences of coordinates."""
    p = tuple(p)
    q = tuple(q)
    if len(p) != len(q):
        raise ValueError("both points must have the same number of dimensions")
    return _norm([_to_float(a) - _to_float(b) for a, b in zip(p, q)])
