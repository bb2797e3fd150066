# CPython's number and string formatting, for rewritten code (see transform.py on the host).
#
# MicroPython ignores `,` for floats, pads by bytes and rounds floats through its own float
# arithmetic, which is not correctly rounded. Here every float is taken apart exactly (integer
# mantissa and binary exponent), turned into exact decimal digits with integer arithmetic, and
# rounded half to even, as CPython does. This module runs on MicroPython as it is.
from math import copysign, frexp, isinf, isnan, ldexp

import _odict
from _reprfix import fix as _fix_repr

# The builtins the hot paths name, as globals of this module: MicroPython finds a module global
# with one hash lookup, but a builtin only after that lookup misses and a scan of its builtins
# table, which costs about three times as much.
type = type
str = str
int = int
float = float
bool = bool
list = list
tuple = tuple
dict = dict
len = len
id = id
isinstance = isinstance

_TWO53 = 9007199254740992.0
_MIN_NORMAL = 2.2250738585072014e-308
_native_str = str
_native_repr = repr
# What `repr` of a value inside formatting means; _cpython binds the ordered one.
repr_of = repr


def _bits(x):
    # x == m * 2**e exactly, for a finite x > 0; m is an int, subnormals keep their real spacing.
    frac, exp = frexp(x)
    m = int(frac * _TWO53)
    e = exp - 53
    if e < -1074:
        m >>= -1074 - e
        e = -1074
    return m, e


def _half_even(num, den):
    # num / den rounded to an integer, ties to even (num >= 0, den > 0).
    q, r = divmod(num, den)
    r2 = 2 * r
    if r2 > den or (r2 == den and q & 1):
        q += 1
    return q


def _ratio(x):
    m, e = _bits(x)
    if e >= 0:
        return m << e, 1
    return m, 1 << -e


def _powers_of_ten():
    # 10.0**i for i <= 22, each exact: built by multiplication, not by libm's pow.
    powers = [1.0]
    for _ in range(22):
        powers.append(powers[-1] * 10.0)
    return powers


_POW10 = _powers_of_ten()
_TWO52 = 4503599627370496.0


def fixed_digits(x, prec):
    # round(x * 10**prec) for x > 0, as an int, ties to even.
    if 0 <= prec <= 22:
        # Fast path: y carries at most half an ulp of error (10**prec is exact), so a fraction
        # clear of one half by more than that decides the rounding; near-ties go the exact way.
        y = x * _POW10[prec]
        if y < _TWO52:
            whole = int(y)
            frac = y - whole
            slack = y * 2.3e-16
            if frac < 0.5 - slack:
                return whole
            if frac > 0.5 + slack:
                return whole + 1
    return _fixed_digits_exact(x, prec)


def _fixed_digits_exact(x, prec):
    num, den = _ratio(x)
    if prec >= 0:
        return _half_even(num * 10**prec, den)
    return _half_even(num, den * 10**-prec)


def _ndigits(n):
    return len(_native_str(n))


def _at_least_power(num, den, e10):
    # num/den >= 10**e10, exactly.
    if e10 >= 0:
        return num >= den * 10**e10
    return num * 10**-e10 >= den


def sci_digits(x, prec):
    # (q, e10): x ~= q * 10**(e10 - prec) with 10**prec <= q < 10**(prec+1), for x > 0.
    num, den = _ratio(x)
    e10 = _ndigits(num) - _ndigits(den)
    while not _at_least_power(num, den, e10):
        e10 -= 1
    while _at_least_power(num, den, e10 + 1):
        e10 += 1
    shift = prec - e10
    if shift >= 0:
        q = _half_even(num * 10**shift, den)
    else:
        q = _half_even(num, den * 10**-shift)
    if q == 10 ** (prec + 1):
        # Rounding carried into a new digit: 9.96 to two digits is 1.0e+01.
        q //= 10
        e10 += 1
    return q, e10


def _cmp_decimal(d, k, b, j):
    # The sign of d*10**k - b*2**j, exactly.
    left, right = d, b
    if k >= 0:
        left *= 10**k
    else:
        right *= 10**-k
    if j >= 0:
        right <<= j
    else:
        left <<= -j
    return (left > right) - (left < right)


def shortest_digits(x):
    # (digits, e10) of the shortest decimal that reads back as x, the closest of those (repr).
    # More digits, correctly rounded, only come closer to x: binary search for the fewest.
    low, high = 0, 16
    best = None
    while low <= high:
        prec = (low + high) // 2
        found = _closest_reading_back(x, prec)
        if found is None:
            low = prec + 1
        else:
            best = found
            high = prec - 1
    q, e10 = best
    return _native_str(q).rstrip("0") or "0", e10


def _closest_reading_back(x, prec):
    q, e10 = sci_digits(x, prec)
    k = e10 - prec
    if _reads_back(q, k, x):
        return q, e10
    m, e = _bits(x)
    # Just above a power of two the lower neighbour is nearer: the digit above may still fit.
    if _cmp_decimal(q, k, m, e) < 0 and _reads_back(q + 1, k, x):
        if q + 1 == 10 ** (prec + 1):
            return (q + 1) // 10, e10 + 1
        return q + 1, e10
    return None


def _repr_digits(a):
    # (digits, e10) of CPython's repr of a > 0. A decimal of at most 15 significant digits that
    # reads back as a is the one CPython picks (two such decimals of one double are equal), so
    # MicroPython's 15-digit form is tried first; otherwise CPython's has 16 or 17 digits.
    if a < _MIN_NORMAL:
        # Subnormals carry fewer bits: 15 digits need not single one out.
        return shortest_digits(a)
    text = "%.15g" % a
    if float(text) == a:
        return _parse_decimal(text)
    found = _closest_reading_back(a, 15) or _closest_reading_back(a, 16)
    q, e10 = found
    return _native_str(q).rstrip("0") or "0", e10


def _parse_decimal(text):
    # "1.2345e+07" or "0.00123" -> ("12345", 7) or ("123", -3): digits and decimal exponent.
    at = text.find("e")
    exp = int(text[at + 1 :]) if at >= 0 else 0
    mantissa = text[:at] if at >= 0 else text
    point = mantissa.find(".")
    if point >= 0:
        exp -= len(mantissa) - point - 1
        mantissa = mantissa[:point] + mantissa[point + 1 :]
    stripped = mantissa.rstrip("0")
    exp += len(mantissa) - len(stripped)
    digits = stripped.lstrip("0") or "0"
    return digits, exp + len(digits) - 1


def _interval(a):
    # The halfway points to a's neighbours, as (numerator, power of two), and whether they count.
    m, e = _bits(a)
    high = (2 * m + 1, e - 1)
    if m == 4503599627370496 and e > -1074:
        low = (4 * m - 1, e - 2)
    else:
        low = (2 * m - 1, e - 1)
    return low, high, m & 1 == 0


def _reads_back(d, k, a):
    low, high, inclusive = _interval(a)
    lo = _cmp_decimal(d, k, low[0], low[1])
    hi = _cmp_decimal(d, k, high[0], high[1])
    if inclusive:
        return lo >= 0 and hi <= 0
    return lo > 0 and hi < 0


def float_repr(x):
    # CPython's repr of a float: shortest round-trip digits, exponent form outside 1e-4..1e16.
    text = _native_repr(x)
    if len(text) <= 16 and float(text) == x and not -_MIN_NORMAL < x < _MIN_NORMAL:
        # At most 15 significant digits that read back as x: CPython's own choice (two such
        # decimals of one double are equal), written the same way. MicroPython reads decimals
        # correctly rounded (tests/test_cpython_semantics.py checks it).
        return text
    return _float_repr(x)


def _float_repr(x):
    if isnan(x):
        return "nan"
    if isinf(x):
        return "inf" if x > 0 else "-inf"
    sign = "-" if copysign(1.0, x) < 0 else ""
    if x == 0:
        return sign + "0.0"
    a = -x if sign else x
    if a >= _MIN_NORMAL:
        # At most 15 significant digits that read back as a are CPython's choice (see
        # _repr_digits); without an exponent, %g writes them as CPython's repr does, but for
        # the '.0' of a whole number.
        text = "%.15g" % a
        if "e" not in text and float(text) == a:
            return sign + (text if "." in text else text + ".0")
    digits, e10 = _repr_digits(a)
    if -4 <= e10 < 16:
        return sign + _place_point(digits, e10, True)
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return sign + mantissa + _exponent(e10)


def _place_point(digits, e10, with_zero):
    # digits d1d2... meaning d1.d2... * 10**e10, written without an exponent.
    if e10 < 0:
        return "0." + "0" * (-e10 - 1) + digits
    whole = digits[: e10 + 1] + "0" * (e10 + 1 - len(digits))
    frac = digits[e10 + 1 :]
    if frac:
        return whole + "." + frac
    return whole + ".0" if with_zero else whole


def _exponent(e10):
    text = _native_str(abs(e10))
    return ("e-" if e10 < 0 else "e+") + ("0" + text if len(text) < 2 else text)


class Spec:
    # A parsed format spec: [[fill]align][sign][z][#][0][width][grouping][.precision][type].
    __slots__ = ("fill", "align", "sign", "z", "alt", "zero", "width", "grouping", "precision", "type", "plan")


_specs = {}


def parse_spec(spec, kind):
    # Specs repeat (one per column of a table): each is parsed once per kind.
    cache = _specs.get(kind)
    if cache is None:
        cache = _specs[kind] = {}
    s = cache.get(spec)
    if s is None:
        s = _parse_spec(spec, kind)
        s.plan = _plan(s, kind)
        if len(cache) > 256:
            cache.clear()
        cache[spec] = s
    return s


def _plan(s, kind):
    # For the common specs, native templates that format correct digits in one call each:
    # (body template, padding template or None). Digits, signs, ',' and '.' are ASCII, so
    # MicroPython's padding by bytes is padding by characters here.
    fill = s.fill if s.fill is not None else " "
    if ord(fill) > 127 or s.align == "=" or s.alt or s.z:
        return None
    pad = "{:" + fill + (s.align or ">") + _native_str(s.width) + "}" if s.width else None
    if kind == "float" and s.type in ("f", "F", "%"):
        body = "{}{:" + (s.grouping or "") + "}"
        prec = 6 if s.precision is None else s.precision
        if prec:
            body += ".{:0" + _native_str(prec) + "d}"
        return body + ("%" if s.type == "%" else ""), pad, prec, 10**prec
    if kind == "str":
        valid = s.sign is None and s.grouping is None and s.type in ("", "s")
        return (None, None, 0, 1) if valid else None
    if kind == "int" and s.type in ("", "d") and s.precision is None:
        return "{}{:" + (s.grouping or "") + "}", pad, 0, 1
    return None


def _parse_spec(spec, kind):
    s = Spec()
    s.fill = None
    s.align = None
    n = len(spec)
    i = 0
    if n >= 2 and spec[1] in "<>=^":
        s.fill, s.align, i = spec[0], spec[1], 2
    elif n >= 1 and spec[0] in "<>=^":
        s.align, i = spec[0], 1
    s.sign = None
    if i < n and spec[i] in "+- ":
        s.sign = spec[i]
        i += 1
    s.z = False
    if i < n and spec[i] == "z":
        s.z = True
        i += 1
    s.alt = False
    if i < n and spec[i] == "#":
        s.alt = True
        i += 1
    s.zero = False
    if i < n and spec[i] == "0":
        s.zero = True
        i += 1
    start = i
    while i < n and "0" <= spec[i] <= "9":
        i += 1
    s.width = int(spec[start:i]) if i > start else 0
    s.grouping = None
    if i < n and spec[i] in ",_":
        s.grouping = spec[i]
        i += 1
        if i < n and spec[i] in ",_":
            raise ValueError("Cannot specify both ',' and '_'.")
    s.precision = None
    if i < n and spec[i] == ".":
        i += 1
        start = i
        while i < n and "0" <= spec[i] <= "9":
            i += 1
        if i == start:
            raise ValueError("Format specifier missing precision")
        s.precision = int(spec[start:i])
    s.type = ""
    if i < n:
        s.type = spec[i]
        i += 1
    if i < n:
        raise ValueError("Invalid format specifier '" + spec + "' for object of type '" + kind + "'")
    if s.zero:
        if s.fill is None:
            s.fill = "0"
        if s.align is None:
            s.align = "="
    if s.grouping is not None and s.type not in "dfFeEgG%xXobn" and s.type != "":
        raise ValueError("Cannot specify '" + s.grouping + "' with '" + s.type + "'.")
    if s.grouping == "," and s.type in ("x", "X", "o", "b", "n") and s.type:
        raise ValueError("Cannot specify ',' with '" + s.type + "'.")
    if s.grouping == "_" and s.type == "n":
        raise ValueError("Cannot specify '_' with 'n'.")
    return s


def _group(digits, sep, size, min_len):
    # digits with `sep` every `size` digits from the right, zero-extended to at least min_len.
    n = len(digits)
    while n + (n - 1) // size < min_len:
        n += 1
    digits = "0" * (n - len(digits)) + digits
    first = n % size or size
    parts = [digits[:first]]
    for at in range(first, n, size):
        parts.append(digits[at : at + size])
    return sep.join(parts)


def _assemble(s, negative, prefix, whole, rest):
    # Sign, prefix, the grouped integer part, the rest (point, fraction, exponent, %), padding.
    if negative:
        sign = "-"
    elif s.sign == "+":
        sign = "+"
    elif s.sign == " ":
        sign = " "
    else:
        sign = ""
    fill = s.fill if s.fill is not None else " "
    align = s.align or ">"
    size = 4 if s.type in ("x", "X", "o", "b") else 3
    if s.grouping is not None and whole not in ("inf", "nan", "INF", "NAN"):
        min_len = 0
        if align == "=" and fill == "0":
            min_len = s.width - len(sign) - len(prefix) - len(rest)
        whole = _group(whole, s.grouping, size, min_len)
    body = whole + rest
    pad = s.width - len(sign) - len(prefix) - len(body)
    if pad <= 0:
        return sign + prefix + body
    if align == "=":
        return sign + prefix + fill * pad + body
    if align == "<":
        return sign + prefix + body + fill * pad
    if align == "^":
        return fill * (pad // 2) + sign + prefix + body + fill * (pad - pad // 2)
    return fill * pad + sign + prefix + body


def _float_parts(x, s, kind):
    # (negative, whole, rest) for a finite or special float under spec s.
    t = s.type
    negative = copysign(1.0, x) < 0
    a = -x if negative else x
    upper = t in ("E", "F", "G")
    if t not in ("", "e", "E", "f", "F", "g", "G", "n", "%"):
        raise ValueError("Unknown format code '" + t + "' for object of type '" + kind + "'")
    if isnan(x) or isinf(x):
        word = "nan" if isnan(x) else "inf"
        if upper:
            word = word.upper()
        if isnan(x):
            negative = False
        return negative, word, ("%" if t == "%" else "")
    prec = s.precision
    if t == "":
        if prec is None:
            if s.z and a == 0:
                negative = False
            text = float_repr(a)
            point = text.find("e")
            if point >= 0:
                whole, rest = _split_point(text[:point])
                if s.alt and not rest:
                    rest = "."
                return negative, whole, rest + text[point:]
            whole, rest = _split_point(text)
            return negative, whole, rest
        return _general(a, negative, max(prec, 1), s.alt, True, False, s.z)
    if prec is None:
        prec = 6
    if t in ("f", "F", "%"):
        if t == "%":
            # CPython scales by 100 in float arithmetic first: 0.0425 shows as 4.2%, not 4.3%.
            a = a * 100.0
            if isinf(a):
                return negative, "INF" if upper else "inf", "%"
        q = fixed_digits(a, prec) if a else 0
        digits = _native_str(q)
        if prec:
            digits = "0" * (prec + 1 - len(digits)) + digits
            whole, frac = digits[:-prec], "." + digits[-prec:]
        else:
            whole, frac = digits, ("." if s.alt else "")
        if s.z and q == 0:
            negative = False
        return negative, whole, frac + ("%" if t == "%" else "")
    if t in ("e", "E"):
        if a:
            q, e10 = sci_digits(a, prec)
            digits = _native_str(q)
        else:
            digits, e10 = "0" * (prec + 1), 0
        if s.z and int(digits) == 0:
            negative = False
        frac = "." + digits[1:] if prec else ("." if s.alt else "")
        exp = _exponent(e10)
        return negative, digits[0], frac + (exp.upper() if upper else exp)
    if t in ("g", "G", "n"):
        if prec == 0:
            prec = 1
        return _general(a, negative, prec, s.alt, False, upper, s.z)
    raise ValueError("Unknown format code '" + t + "' for object of type '" + kind + "'")


def _split_point(text):
    point = text.find(".")
    if point < 0:
        return text, ""
    return text[:point], text[point:]


def _general(a, negative, prec, alt, no_type, upper, z=False):
    # 'g' (and the empty type with a precision): fixed or exponent form by the rounded exponent.
    if a:
        q, e10 = sci_digits(a, prec - 1)
        digits = _native_str(q)
    else:
        digits, e10 = "0" * prec, 0
    if z and int(digits) == 0:
        negative = False
    # The empty type switches to an exponent one digit earlier, to leave room for ".0".
    if -4 <= e10 < (prec - 1 if no_type else prec):
        if not alt:
            digits = digits.rstrip("0") or "0"
        if no_type and len(digits) <= e10 + 1:
            # The empty type keeps one digit after the point: 1.0, 120.0.
            digits = digits + "0" * (e10 + 2 - len(digits))
        text = _place_point(digits, e10, False)
        if alt and "." not in text:
            text += "."
        whole, rest = _split_point(text)
        return negative, whole, rest
    if not alt:
        digits = digits.rstrip("0") or "0"
    frac = "." + digits[1:] if len(digits) > 1 else ("." if alt else "")
    exp = _exponent(e10)
    return negative, digits[0], frac + (exp.upper() if upper else exp)


def to_float(num, den):
    # The double nearest to num/den (den > 0), ties to even, with subnormals; exact integer work.
    negative = num < 0
    if negative:
        num = -num
    if num == 0:
        return -0.0 if negative else 0.0
    e2 = _bitlen(num) - _bitlen(den)
    if (num << -e2 if e2 < 0 else num) < (den << e2 if e2 > 0 else den):
        e2 -= 1
    # 2**e2 <= num/den < 2**(e2+1): keep 53 bits, or the fixed spacing 2**-1074 below normal.
    shift = 1074 if e2 - 52 < -1074 else 52 - e2
    if shift >= 0:
        q = _half_even(num << shift, den)
    else:
        q = _half_even(num, den << -shift)
    value = ldexp(float(q), -shift)
    if isinf(value):
        raise OverflowError("rounded value too large to represent")
    return -value if negative else value


def _bitlen(n):
    length = 0
    while n >= 1 << 64:
        n >>= 64
        length += 64
    while n:
        n >>= 1
        length += 1
    return length


def format_int(value, s):
    t = s.type
    if s.precision is not None:
        raise ValueError("Precision not allowed in integer format specifier")
    if s.z:
        raise ValueError("Negative zero coercion (z) not allowed in integer format specifier")
    if t == "c":
        if s.sign is not None:
            raise ValueError("Sign not allowed with integer format specifier 'c'")
        if s.alt:
            raise ValueError("Alternate form (#) not allowed with integer format specifier 'c'")
        return _pad_text(chr(value), s, ">")
    negative = value < 0
    a = -value if negative else value
    prefix = ""
    if t in ("", "d", "n"):
        whole = _native_str(a)
    elif t in ("x", "X"):
        whole = "%x" % a
        if t == "X":
            whole = whole.upper()
        prefix = ("0X" if t == "X" else "0x") if s.alt else ""
    elif t == "o":
        whole = "%o" % a
        prefix = "0o" if s.alt else ""
    elif t == "b":
        whole = _binary(a)
        prefix = "0b" if s.alt else ""
    else:
        raise ValueError("Unknown format code '" + t + "' for object of type 'int'")
    return _assemble(s, negative, prefix, whole, "")


def _binary(a):
    if a == 0:
        return "0"
    out = []
    while a:
        out.append("1" if a & 1 else "0")
        a >>= 1
    return "".join(reversed(out))


def format_float(x, s, kind="float"):
    negative, whole, rest = _float_parts(x, s, kind)
    return _assemble(s, negative, "", whole, rest)


def _pad_text(text, s, default_align):
    fill = s.fill if s.fill is not None else " "
    pad = s.width - len(text)
    if pad <= 0:
        return text
    align = s.align or default_align
    if align == "<":
        return text + fill * pad
    if align == "^":
        return fill * (pad // 2) + text + fill * (pad - pad // 2)
    return fill * pad + text


def format_str(text, s):
    if s.sign is not None:
        raise ValueError("Sign not allowed in string format specifier")
    if s.z:
        raise ValueError("Negative zero coercion (z) not allowed in string format specifier")
    if s.alt:
        raise ValueError("Alternate form (#) not allowed in string format specifier")
    if s.align == "=":
        raise ValueError("'=' alignment not allowed in string format specifier")
    if s.grouping is not None:
        raise ValueError("Cannot specify '" + s.grouping + "' with 's'.")
    if s.type not in ("", "s"):
        raise ValueError("Unknown format code '" + s.type + "' for object of type 'str'")
    if s.precision is not None:
        text = text[: s.precision]
    return _pad_text(text, s, "<")


def _int_as_float(value):
    if -9007199254740992 <= value <= 9007199254740992:
        return float(value)
    return to_float(value, 1)


def format(value, spec=""):
    # The builtin format(): CPython's format-spec mini-language for str, int, bool and float.
    # Kept this small on purpose: a MicroPython function whose frame (locals plus stack) exceeds
    # 11 words gets its frame from the GC heap on every call, which costs far more than the
    # call, so the common no-spec cases return here and the rest goes to _format_spec.
    if not spec:
        kind = type(value)
        if kind is str:
            return value
        if kind is int:
            return _native_str(value)
    return _format_spec(value, spec)


def _format_spec(value, spec):
    # One small function per kind: a frame over 11 words comes from the GC heap on every call.
    kind = type(value)
    if kind is str:
        return _format_str_spec(value, spec) if spec else value
    if kind is float:
        return _format_float_spec(value, spec)
    if kind is int or kind is bool:
        return _format_int_spec(value, spec, kind)
    return _format_other(value, spec, kind)


def _format_str_spec(value, spec):
    s = parse_spec(spec, "str")
    if s.plan is None:
        return format_str(value, s)
    if s.precision is not None:
        value = value[: s.precision]
    pad = s.width - len(value)
    if pad <= 0:
        return value
    return _padded(value, s.fill if s.fill is not None else " ", s.align, pad)


def _padded(value, fill, align, pad):
    if align is None or align == "<":
        return value + fill * pad
    if align == ">":
        return fill * pad + value
    return fill * (pad // 2) + value + fill * (pad - pad // 2)


def _format_float_spec(value, spec):
    s = parse_spec(spec, "float")
    if s.plan is not None and value - value == 0:
        if value < 0 or (value == 0 and copysign(1.0, value) < 0):
            text = _fixed_text(s, "-", -value)
        else:
            text = _fixed_text(s, s.sign if s.sign in ("+", " ") else "", value)
        if text is not None:
            return text
    return format_float(value, s)


def _fixed_text(s, sign, a):
    # A finite a >= 0 by the spec's plan, or None when a * 100 for '%' overflows.
    plan = s.plan
    if s.type == "%":
        a = a * 100.0
        if a - a != 0:
            return None
    return _planned_fixed(plan, sign, fixed_digits(a, plan[2]))


def _planned_fixed(plan, sign, digits):
    whole, frac = divmod(digits, plan[3])
    text = plan[0].format(sign, whole, frac)
    return plan[1].format(text) if plan[1] else text


def _format_int_spec(value, spec, kind):
    if not spec:
        return _native_str(value) if kind is int else ("True" if value else "False")
    s = parse_spec(spec, "int")
    if s.plan is not None:
        return _planned_int(s, int(value))
    if s.type in ("e", "E", "f", "F", "g", "G", "%"):
        return format_float(_int_as_float(int(value)), s)
    return format_int(int(value), s)


def _planned_int(s, value):
    plan = s.plan
    if value < 0:
        text = plan[0].format("-", -value)
    else:
        text = plan[0].format(s.sign if s.sign in ("+", " ") else "", value)
    return plan[1].format(text) if plan[1] else text


def _format_other(value, spec, kind):
    method = getattr(kind, "__format__", None)
    if method is not None:
        result = method(value, spec)
        if type(result) is not str:
            raise TypeError("__format__ must return a str, not " + type(result).__name__)
        return result
    if spec:
        # A subclass of str, int or float without a __format__ of its own formats as its base
        # does (MicroPython's instance has no __format__ to find); the arithmetic gives the base value.
        if isinstance(value, str):
            return _format_str_spec(value + "", spec)
        if isinstance(value, float):
            return _format_float_spec(value * 1.0, spec)
        if isinstance(value, int):
            return _format_int_spec(value + 0, spec, int)
        raise TypeError("unsupported format string passed to " + kind.__name__ + ".__format__")
    return _text(value)


# The insertion-ordered dict class, when _cpython has one: its repr is built here as well.
ordered_dict = None
# ids of the containers whose repr is being built, so that one holding itself prints as [...].
_building = []


def _text(value):
    kind = type(value)
    if kind is str:
        return value
    if kind is int:
        return _native_str(value)
    if kind in _TEXT_OF_KIND:
        return _TEXT_OF_KIND[kind](value)
    # Any other object's own text (no float of MicroPython's to mend outside the containers
    # above), with printable characters unescaped.
    text = _native_str(value)
    return _fix_repr(text) if "\\" in text else text


def _text_of_error(error):
    args = error.args
    if len(args) == 1:
        if type(error) is KeyError:
            # CPython shows a KeyError's one key as its repr: print(e) gives 'k', with the quotes.
            return _repr(args[0])
        if type(args[0]) is str:
            return cpython_message(args[0])
    text = _native_str(error)
    return _fix_repr(text) if "\\" in text else text


_OPERATORS = {"add": "+", "sub": "-", "mul": "*", "truediv": "/", "floordiv": "//", "mod": "%", "pow": "** or pow()"}


def cpython_message(message):
    """The message CPython gives where MicroPython words the same error differently: analysts
    print caught errors (`except ValueError as e: print(e)`), so the words are output."""
    if message.startswith("invalid syntax for integer with base "):
        return "invalid literal for int() with base " + message[37:]
    if message == "divide by zero":
        return "division by zero"
    if message.startswith("name '") and message.endswith("' isn't defined"):
        return message[:-15] + "' is not defined"
    if message.startswith("unsupported types for __") and message.count("'") == 4:
        operator = message[24 : message.index("__:")]
        left, right = message.split("'")[1], message.split("'")[3]
        if operator == "add" and left in ("str", "list", "tuple") and left != right:
            return 'can only concatenate %s (not "%s") to %s' % (left, right, left)
        if operator in _OPERATORS:
            return "unsupported operand type(s) for %s: '%s' and '%s'" % (_OPERATORS[operator], left, right)
    return message


def _repr(value):
    # CPython's repr, down through lists, tuples, dicts and sets: MicroPython's own float repr is
    # not the shortest (95603.43 shows as 95603.42999999999, 8.309 as 8.308999999999999) and it
    # escapes printable non-ASCII. The first try, MicroPython's own text, only decides whether
    # the walk is needed: the odicts in it need not mend their floats for that.
    kind = type(value)
    if kind is float:
        return float_repr(value)
    if kind is list or kind is tuple or kind is dict or kind is ordered_dict or kind is set or kind is frozenset:
        mending = _odict.mend_floats
        _odict.mend_floats = False
        try:
            text = _native_repr(value)
        finally:
            _odict.mend_floats = mending
        if _clean(text):
            # No float and no escaped character anywhere inside: MicroPython's text is CPython's.
            return text
    return _walk(value)


# The kinds whose text is not their own str() as MicroPython writes it, and how to write it: one
# hash of the type, where a chain of `kind is` tests cost more than the text of a plain object.
# KeyError, and the built-in errors whose MicroPython wording cpython_message knows (subclasses
# keep their own str()). use_ordered_dict adds the ordered dict.
_TEXT_OF_KIND = {
    bool: _native_str,
    float: float_repr,
    list: _repr,
    tuple: _repr,
    dict: _repr,
    set: _repr,
    frozenset: _repr,
    KeyError: _text_of_error,
    ValueError: _text_of_error,
    ZeroDivisionError: _text_of_error,
    NameError: _text_of_error,
    TypeError: _text_of_error,
}


def use_ordered_dict(kind):
    """Write `kind`, the ordered dict class of _cpython, as dicts are written."""
    global ordered_dict
    ordered_dict = kind
    _TEXT_OF_KIND[kind] = _repr


def _clean(text):
    # Text in which no float repr and no escape can hide: floats always show ".", "e+", "e-",
    # "inf" or "nan".
    for mark in (".", "\\", "e+", "e-", "inf", "nan"):
        if mark in text:
            return False
    return True


def _walk(value):
    kind = type(value)
    if kind is float:
        return float_repr(value)
    if kind is str:
        return str_repr(value)
    if kind is list or kind is tuple or kind is dict or kind is ordered_dict:
        me = id(value)
        if me in _building:
            return "[...]" if kind is list else ("(...)" if kind is tuple else "{...}")
        _building.append(me)
        try:
            if kind is list:
                return "[" + ", ".join([_walk(item) for item in value]) + "]"
            if kind is tuple:
                inner = ", ".join([_walk(item) for item in value])
                return "(" + inner + ("," if len(value) == 1 else "") + ")"
            return "{" + ", ".join([_walk(k) + ": " + _walk(v) for k, v in value.items()]) + "}"
        finally:
            _building.pop()
    if kind is set or kind is frozenset:
        # A set cannot hold itself (sets are unhashable): no guard needed.
        if not value:
            return kind.__name__ + "()"
        inner = "{" + ", ".join([_walk(item) for item in value]) + "}"
        return inner if kind is set else "frozenset(" + inner + ")"
    return repr_of(value)


def str_repr(text):
    # CPython's repr of a str: printable non-ASCII stays as it is; MicroPython escapes it.
    native = _native_repr(text)
    if "\\" not in native:
        return native
    # Loaded here, on first need: see _cpython.__getattr__ for why _strmethods waits.
    from _strmethods import printable

    quote = '"' if "'" in text and '"' not in text else "'"
    out = [quote]
    for ch in text:
        code = ord(ch)
        if ch == quote or ch == "\\":
            out.append("\\" + ch)
        elif 32 <= code < 127:
            out.append(ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif code < 128 or not printable(ch):
            if code < 256:
                out.append("\\x%02x" % code)
            elif code < 65536:
                out.append("\\u%04x" % code)
            else:
                out.append("\\U%08x" % code)
        else:
            out.append(ch)
    out.append(quote)
    return "".join(out)


def ascii(value):
    text = _repr(value)
    out = []
    for ch in text:
        code = ord(ch)
        if code < 128:
            out.append(ch)
        elif code < 256:
            out.append("\\x%02x" % code)
        elif code < 65536:
            out.append("\\u%04x" % code)
        else:
            out.append("\\U%08x" % code)
    return "".join(out)


def fv1(value, _int=int, _str=_native_str):
    # A replacement field without a spec or a conversion, f"{value}": the commonest kind, and one
    # argument is cheaper to pass than fv's three. Defaults are fast locals, and `__class__` is
    # read without a call (MicroPython answers it from the type, whatever the class defines).
    kind = value.__class__
    if kind is _int:
        return _str(value)
    if kind is _str:
        return value
    return format(value, "")


# An f-string of one to three fields whose last has no spec or conversion, f"row {i}: {n} items":
# the rewrite hands over a %-template of the text (each field a %s, each literal % doubled) and
# the fields' values, and MicroPython's own % writes an int or a str as CPython's f-string would,
# without a call per field. Fields are formatted in CPython's order: every field but the last
# arrives already formatted (or proved an int or a str by the rewrite), and the last is
# formatted here, after every field has been evaluated, as CPython does. Text that is not an
# exact str can only come from a __str__ that returned a str subclass: it goes through the join
# the general rewrite uses, which MicroPython refuses with its TypeError, as that rewrite did.
def fs1(template, a, _int=int, _str=_native_str):
    kind = a.__class__
    if kind is not _int and kind is not _str:
        a = _last_field(a)
    return template % a


def fs2(template, a, b, _int=int, _str=_native_str):
    kind = a.__class__
    if kind is not _int and kind is not _str:
        a = "".join((a,))
    kind = b.__class__
    if kind is not _int and kind is not _str:
        b = _last_field(b)
    return template % (a, b)


def fs3(template, a, b, c, _int=int, _str=_native_str):
    kind = a.__class__
    if kind is not _int and kind is not _str:
        a = "".join((a,))
    kind = b.__class__
    if kind is not _int and kind is not _str:
        b = "".join((b,))
    kind = c.__class__
    if kind is not _int and kind is not _str:
        c = _last_field(c)
    return template % (a, b, c)


def _last_field(value):
    text = format(value, "")
    return text if text.__class__ is _native_str else "".join((text,))


def fv(value, spec="", conversion=""):
    # One replacement field of an f-string: {value!conversion:spec}.
    if not conversion and not spec:
        kind = type(value)
        if kind is str:
            return value
        if kind is int:
            return _native_str(value)
    if conversion == "r":
        value = _repr(value)
    elif conversion == "s":
        value = _text(value)
    elif conversion == "a":
        value = ascii(value)
    elif not spec and type(value) is str:
        return value
    return format(value, spec)


def round(number, ndigits=None):
    # CPython's round(): exact, ties to even; an int without ndigits. Each case is a function of
    # its own: a frame over 11 words comes from the GC heap on every call, and costs more than
    # the rounding.
    kind = type(number)
    if kind is float:
        if ndigits is None:
            return _round_float(number)
        return _round_float_to(number, ndigits)
    if kind is int or kind is bool:
        return _round_int(int(number), ndigits)
    method = getattr(number, "__round__", None)
    if method is None:
        raise TypeError("type " + kind.__name__ + " doesn't define __round__ method")
    return method() if ndigits is None else method(ndigits)


def _round_float(number):
    if isnan(number):
        raise ValueError("cannot convert float NaN to integer")
    if isinf(number):
        raise OverflowError("cannot convert float infinity to integer")
    if number == 0:
        return 0
    if number < 0:
        return -_half_even(*_ratio(-number))
    return _half_even(*_ratio(number))


def _round_float_to(number, ndigits):
    if type(ndigits) is not int:
        raise TypeError("'" + type(ndigits).__name__ + "' object cannot be interpreted as an integer")
    if isnan(number) or isinf(number) or number == 0 or ndigits > 330:
        return number
    if copysign(1.0, number) < 0:
        return -_round_positive_to(-number, ndigits)
    return _round_positive_to(number, ndigits)


def _round_positive_to(a, ndigits):
    if ndigits < -330:
        return 0.0
    q = fixed_digits(a, ndigits)
    if 0 <= ndigits <= 22 and q < 9007199254740992:
        # One correctly rounded division of two exact values: the double nearest q/10**n.
        return q / _POW10[ndigits]
    if ndigits >= 0:
        return to_float(q, 10**ndigits)
    return to_float(q * 10**-ndigits, 1)


def _round_int(number, ndigits):
    if ndigits is None or ndigits >= 0:
        return number
    unit = 10**-ndigits
    if number < 0:
        return -(_half_even(-number, unit) * unit)
    return _half_even(number, unit) * unit


def _new_spec(width, precision, kind):
    s = Spec()
    s.fill = None
    s.align = None
    s.sign = None
    s.z = False
    s.alt = False
    s.zero = False
    s.width = width
    s.grouping = None
    s.precision = precision
    s.type = kind
    s.plan = None
    return s


def _field_value(name, args, kwargs, counter):
    # The object a str.format field names: "", "0", "name", then any ".attr" or "[key]".
    end = 0
    n = len(name)
    while end < n and name[end] not in ".[":
        end += 1
    first = name[:end]
    if first == "":
        if counter[0] < 0:
            raise ValueError("cannot switch from manual field specification to automatic field numbering")
        index = counter[0]
        counter[0] += 1
        obj = _positional(args, index)
    elif first.isdigit():
        if counter[0] > 0:
            raise ValueError("cannot switch from automatic field numbering to manual field specification")
        counter[0] = -1
        obj = _positional(args, int(first))
    else:
        obj = kwargs[first]
    i = end
    while i < n:
        if name[i] == ".":
            j = i + 1
            while j < n and name[j] not in ".[":
                j += 1
            if j == i + 1:
                raise ValueError("Empty attribute in format string")
            obj = getattr(obj, name[i + 1 : j])
            i = j
        elif name[i] == "[":
            j = name.find("]", i)
            if j < 0:
                raise ValueError("Missing ']' in format string")
            key = name[i + 1 : j]
            if key == "":
                raise ValueError("Empty attribute in format string")
            obj = obj[int(key)] if key.isdigit() else obj[key]
            i = j + 1
            if i < n and name[i] not in ".[":
                raise ValueError("Only '.' or '[' may follow ']' in format field specifier")
        else:
            raise ValueError("Only '.' or '[' may follow ']' in format field specifier")
    return obj


def _positional(args, index):
    if index >= len(args):
        raise IndexError("Replacement index " + _native_str(index) + " out of range for positional args tuple")
    return args[index]


def _render_template(template, args, kwargs, counter, depth):
    out = []
    i = 0
    n = len(template)
    while i < n:
        ch = template[i]
        if ch == "{":
            if i + 1 < n and template[i + 1] == "{":
                out.append("{")
                i += 2
                continue
            level = 1
            j = i + 1
            while j < n:
                if template[j] == "{":
                    level += 1
                elif template[j] == "}":
                    level -= 1
                    if level == 0:
                        break
                elif template[j] == "[":
                    close = template.find("]", j)
                    if close > 0 and level == 1:
                        j = close
                j += 1
            if j >= n:
                raise ValueError("expected '}' before end of string")
            out.append(_render_field(template[i + 1 : j], args, kwargs, counter, depth))
            i = j + 1
        elif ch == "}":
            if i + 1 < n and template[i + 1] == "}":
                out.append("}")
                i += 2
                continue
            raise ValueError("Single '}' encountered in format string")
        else:
            j = i
            while j < n and template[j] != "{" and template[j] != "}":
                j += 1
            out.append(template[i:j])
            i = j
    return "".join(out)


def _render_field(field, args, kwargs, counter, depth):
    if depth > 1:
        raise ValueError("Max string recursion exceeded")
    i = 0
    n = len(field)
    while i < n and field[i] not in "!:":
        if field[i] == "[":
            close = field.find("]", i)
            i = n if close < 0 else close
        i += 1
    value = _field_value(field[:i], args, kwargs, counter)
    conversion = ""
    if i < n and field[i] == "!":
        if i + 1 >= n:
            raise ValueError("end of string while looking for conversion specifier")
        conversion = field[i + 1]
        i += 2
        if i < n and field[i] != ":":
            raise ValueError("expected ':' after conversion specifier")
        if conversion not in "rsa":
            raise ValueError("Unknown conversion specifier " + conversion)
    spec = ""
    if i < n and field[i] == ":":
        spec = field[i + 1 :]
        if "{" in spec:
            spec = _render_template(spec, args, kwargs, counter, depth + 1)
    return fv(value, spec, conversion)


def str_format(template, *args, **kwargs):
    # str.format: fields by position, number or name, with attribute and index lookups.
    return _render_template(template, args, kwargs, [0], 0)


def str_format_map(template, mapping):
    return _render_template(template, (), mapping, [0], 0)


def _plain_percent(template, args):
    # Whether every field is a bare %s of an int or a str, or a bare %d of an int: MicroPython's
    # own % writes those exactly as CPython does, at C speed. Checked without making a str (each
    # new str costs a search of the interned strings).
    if "%%" in template:
        return False
    at = -1
    for item in args if type(args) is tuple else (args,):
        at = template.find("%", at + 1)
        if at < 0:
            return False
        kind = type(item)
        if template.startswith("d", at + 1):
            if kind is not int:
                return False
        elif not template.startswith("s", at + 1) or (kind is not str and kind is not int):
            return False
    return template.find("%", at + 1) < 0


def _real_number(value, code):
    kind = type(value)
    if kind is float:
        return value
    if kind is int or kind is bool:
        return _int_as_float(int(value))
    method = getattr(value, "__float__", None)
    if method is not None:
        return method()
    raise TypeError("must be real number, not " + kind.__name__)


def _percent_one(value, flags, width, precision, code):
    left = "-" in flags
    if code in "sra":
        text = _text(value) if code == "s" else (_repr(value) if code == "r" else ascii(value))
        if precision is not None:
            text = text[:precision]
        pad = width - len(text)
        if pad <= 0:
            return text
        return text + " " * pad if left else " " * pad + text
    if code == "c":
        if type(value) is str:
            if len(value) != 1:
                raise TypeError(
                    "%c requires an int or a unicode character, not a string of length " + _native_str(len(value))
                )
            text = value
        elif type(value) is int:
            text = chr(value)
        else:
            raise TypeError("%c requires an int or a unicode character, not " + type(value).__name__)
        pad = width - 1
        return (text + " " * pad if left else " " * pad + text) if pad > 0 else text
    s = _new_spec(width, None, code)
    s.align = "<" if left else ("=" if "0" in flags else ">")
    s.fill = "0" if ("0" in flags and not left) else " "
    s.sign = "+" if "+" in flags else (" " if " " in flags else None)
    s.alt = "#" in flags
    if code in "diuxXo":
        kind = type(value)
        if kind is float and code in "diu":
            if isnan(value):
                raise ValueError("cannot convert float NaN to integer")
            if isinf(value):
                raise OverflowError("cannot convert float infinity to integer")
            value = int(value)
        elif kind is bool:
            value = int(value)
        elif kind is not int:
            if code in "diu":
                raise TypeError("%" + code + " format: a real number is required, not " + kind.__name__)
            raise TypeError("%" + code + " format: an integer is required, not " + kind.__name__)
        negative = value < 0
        a = -value if negative else value
        prefix = ""
        if code in "xX":
            digits = "%x" % a
            if code == "X":
                digits = digits.upper()
            prefix = ("0X" if code == "X" else "0x") if s.alt else ""
        elif code == "o":
            digits = "%o" % a
            prefix = "0o" if s.alt else ""
        else:
            digits = _native_str(a)
        if precision is not None and len(digits) < precision:
            digits = "0" * (precision - len(digits)) + digits
        s.type = "d"
        return _assemble(s, negative, prefix, digits, "")
    s.precision = 6 if precision is None else precision
    return format_float(_real_number(value, code), s)


_PERCENT_CODES = "sracdiuxXoeEfFgG"


def _percent_spec(flags, width, precision, code):
    # The format() spec that writes what %<flags><width>.<precision><code> writes (flags among
    # - + space 0): '-' aligns left and overrides '0', '+' overrides ' '.
    left = "-" in flags
    spec = "<" if left else ""
    if "+" in flags:
        spec += "+"
    elif " " in flags:
        spec += " "
    if "0" in flags and not left:
        spec += "0"
    if width:
        spec += _native_str(width)
    if precision is not None:
        spec += "." + _native_str(precision)
    return spec + code


# Built-in types that are subscriptable in CPython but show no `__getitem__` in MicroPython.
_SUBSCRIPTABLE = (list, bytes, bytearray, range, memoryview)


def percent(template, args):
    # printf-style `template % args` for a str template; anything else keeps its own `%`.
    if type(template) is not str or _plain_percent(template, args):
        return template % args
    fields = _percent_fields.get(template)
    if fields is None:
        fields = _parse_percent(template)
        if len(_percent_fields) > 256:
            _percent_fields.clear()
        _percent_fields[template] = fields
    if type(args) is tuple:
        return _render_percent(fields, args, None)
    kind = type(args)
    # CPython treats any subscriptable argument but a str as a mapping, which also excuses it from
    # "not all arguments converted"; MicroPython's built-in sequences have no `__getitem__` attribute.
    subscriptable = kind in _SUBSCRIPTABLE or (kind is not str and hasattr(kind, "__getitem__"))
    return _render_percent(fields, (args,), args if subscriptable else None)


# Templates repeat (one per loop): each is parsed once into its literal text and its fields.
_percent_fields = {}
# A field: (key or None, flags, width, precision, code); width and precision may be "*".
# A template that ends inside a field ends with one of these, raised when the fields before it
# have taken their arguments, as CPython raises it.
_INCOMPLETE = object()
_INCOMPLETE_KEY = object()


def _parse_percent(template):
    fields = []
    i = 0
    n = len(template)
    while i < n:
        j = template.find("%", i)
        if j < 0:
            fields.append(template[i:])
            break
        if j > i:
            fields.append(template[i:j])
        if template.startswith("%", j + 1):
            # Only "%%" itself writes a '%': with anything between, '%' is a bad character.
            fields.append("%")
            i = j + 2
            continue
        i = j + 1
        if i >= n:
            fields.append((_INCOMPLETE, "", 0, None, None))
            break
        key = None
        if template[i] == "(":
            level = 1
            j = i + 1
            while j < n and level:
                if template[j] == "(":
                    level += 1
                elif template[j] == ")":
                    level -= 1
                j += 1
            if level:
                fields.append((_INCOMPLETE_KEY, "", 0, None, None))
                break
            key = template[i + 1 : j - 1]
            i = j
        flags = ""
        while i < n and template[i] in "-+ #0":
            flags += template[i]
            i += 1
        width = 0
        if i < n and template[i] == "*":
            width = "*"
            i += 1
        else:
            start = i
            while i < n and "0" <= template[i] <= "9":
                i += 1
            if i > start:
                width = int(template[start:i])
        precision = None
        if i < n and template[i] == ".":
            i += 1
            if i < n and template[i] == "*":
                precision = "*"
                i += 1
            else:
                start = i
                while i < n and "0" <= template[i] <= "9":
                    i += 1
                precision = int(template[start:i]) if i > start else 0
        while i < n and template[i] in "hlL":
            i += 1
        if i >= n:
            fields.append((_INCOMPLETE, flags, width, precision, key))
            break
        code = template[i]
        i += 1
        fields.append((key, flags, width, precision, code, i - 1))
    return fields


def _render_percent(fields, items, mapping):
    out = []
    used = 0
    uses_keys = False
    for field in fields:
        if type(field) is str:
            out.append(field)
            continue
        key = field[0]
        if key is _INCOMPLETE or key is _INCOMPLETE_KEY:
            if key is _INCOMPLETE_KEY:
                raise TypeError("format requires a mapping") if mapping is None else ValueError("incomplete format key")
            if field[4] is not None:
                # A key came first: it needs a mapping, and is looked up, before the end is seen.
                if mapping is None:
                    raise TypeError("format requires a mapping")
                mapping[field[4]]
            _take_stars(field, items, used)
            raise ValueError("incomplete format")
        if key is not None:
            if mapping is None:
                raise TypeError("format requires a mapping")
            value = mapping[key]
            uses_keys = True
        used, flags, width, precision = _take_stars(field, items, used)
        if key is None:
            if used >= len(items):
                raise TypeError("not enough arguments for format string")
            value = items[used]
            used += 1
        out.append(_percent_field(value, flags, width, precision, field[4], field[5]))
    if used < len(items) and mapping is None and not uses_keys:
        raise TypeError("not all arguments converted during string formatting")
    return "".join(out)


def _take_stars(field, items, used):
    # (used, flags, width, precision) once a '*' width or precision has taken its argument.
    flags, width, precision = field[1], field[2], field[3]
    if width == "*":
        if used >= len(items):
            raise TypeError("not enough arguments for format string")
        width = items[used]
        used += 1
        if type(width) is not int:
            raise TypeError("* wants int")
        if width < 0:
            flags += "-"
            width = -width
    if precision == "*":
        if used >= len(items):
            raise TypeError("not enough arguments for format string")
        precision = items[used]
        used += 1
        if type(precision) is not int:
            raise TypeError("* wants int")
        precision = max(precision, 0)
    return used, flags, width, precision


def _percent_field(value, flags, width, precision, code, at):
    if code not in _PERCENT_CODES:
        shown = code if 31 <= ord(code) <= 126 else "?"
        raise ValueError("unsupported format character '%s' (0x%x) at index %d" % (shown, ord(code), at))
    if code in "eEfFgG" and type(value) is float and not flags.strip("-+ 0"):
        # The same text as format() with the equivalent spec, whose common forms are planned.
        return _format_float_spec(value, _percent_spec(flags, width, precision, code))
    return _percent_one(value, flags, width, precision, code)
