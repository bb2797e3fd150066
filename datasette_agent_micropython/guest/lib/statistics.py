"""statistics for the sandbox, with CPython's results.

Where CPython is exact (mean, variance, stdev, harmonic_mean...), sums are kept as exact integer
ratios and rounded once at the end, so the floats printed are CPython's floats. Where CPython
works in floats (fmean, covariance, correlation, linear_regression...), the same float
operations are done in the same order.
"""

import math
from math import frexp as _frexp

from _math_extras import (
    _float_parts,
    _gcd2,
    _is_int,
    _ratio_to_float,
    _sqrt_ratio,
    _to_float,
    fsum,
)

__all__ = [
    "NormalDist",
    "StatisticsError",
    "correlation",
    "covariance",
    "fmean",
    "geometric_mean",
    "harmonic_mean",
    "linear_regression",
    "mean",
    "median",
    "median_grouped",
    "median_high",
    "median_low",
    "mode",
    "multimode",
    "pstdev",
    "pvariance",
    "quantiles",
    "stdev",
    "variance",
]


class StatisticsError(ValueError):
    pass


def _ratio(x):
    """x as an exact (numerator, denominator), denominator None for inf and nan."""
    kind = type(x)
    if kind is int:
        return x, 1
    if kind is float:
        if x - x != 0.0:
            return x, None
        mantissa, exponent = _float_parts(x)
        if exponent >= 0:
            return mantissa << exponent, 1
        return mantissa, 1 << -exponent
    if _is_int(x):
        return int(x), 1
    try:
        return x.as_integer_ratio()
    except AttributeError:
        pass
    except (OverflowError, ValueError):
        return x, None
    try:
        return x.numerator, x.denominator
    except AttributeError:
        raise TypeError("can't convert type '%s' to numerator/denominator" % kind.__name__)


def _coerce(types):
    """The type results are given in: CPython's rules for mixing int, bool, float and the rest."""
    result = int
    for kind in types:
        if kind is result or kind is bool or kind is int:
            continue
        if result is int:
            result = kind
        elif issubclass(kind, result):
            result = kind
        elif issubclass(result, kind):
            pass
        elif issubclass(result, int):
            result = kind
        elif issubclass(kind, int):
            pass
        elif result.__name__ == "Fraction" and issubclass(kind, float):
            result = kind
        elif issubclass(result, float) and kind.__name__ == "Fraction":
            pass
        else:
            raise TypeError("don't know how to coerce %s and %s" % (result.__name__, kind.__name__))
    return result


def _add_ratio(num, den, n, d):
    """num/den + n/d, keeping denominators small when one divides the other."""
    if d == den:
        return num + n, den
    if den % d == 0:
        return num + n * (den // d), den
    if d % den == 0:
        return num * (d // den) + n, d
    return num * d + n * den, den * d


class _Sum:
    """The exact sum of numbers (and of their squares), with their count and types.

    Ints and floats go into a binary accumulator (value = acc / 2**shift), anything else into a
    plain ratio. The loop is inlined, with what it uses bound to locals: a call per item (and, to
    a lesser degree, global and builtin lookups) made mean() of 10,000 floats three times dearer.
    """

    def __init__(self, data, squares=False):
        frexp = _frexp
        kind_of = type
        integer = int
        real = float
        ratio = _ratio
        types = set()
        last_kind = None
        count = 0
        special = None
        acc = shift = acc2 = shift2 = 0
        rnum, rden, rnum2, rden2 = 0, 1, 0, 1
        for x in data:
            kind = kind_of(x)
            if kind is not last_kind:
                types.add(kind)
                last_kind = kind
            count += 1
            if kind is integer:
                acc += x << shift
                if squares:
                    acc2 += (x * x) << shift2
            elif kind is real and x - x == 0.0:
                m, e = frexp(x)
                m = integer(m * 9007199254740992.0)
                e = 53 - e
                if e <= shift:
                    acc += m << (shift - e)
                else:
                    acc = (acc << (e - shift)) + m
                    shift = e
                if squares:
                    m = m * m
                    e += e
                    if e <= shift2:
                        acc2 += m << (shift2 - e)
                    else:
                        acc2 = (acc2 << (e - shift2)) + m
                        shift2 = e
            else:
                n, d = ratio(x)
                if d is None:
                    special = n if special is None else special + n
                    continue
                rnum, rden = _add_ratio(rnum, rden, n, d)
                if squares:
                    rnum2, rden2 = _add_ratio(rnum2, rden2, n * n, d * d)
        self.types = types
        self.count = count
        self.special = special
        self.num, self.den = _add_ratio(rnum, rden, *_binary(acc, shift))
        if squares:
            self.num2, self.den2 = _add_ratio(rnum2, rden2, *_binary(acc2, shift2))


def _binary(acc, shift):
    if shift < 0:
        return acc << -shift, 1
    return acc, 1 << shift


def _sum(data):
    return _Sum(data)


def _reduce(num, den):
    if den < 0:
        num, den = -num, -den
    g = _gcd2(abs(num), den)
    if g > 1:
        return num // g, den // g
    return num, den


def _convert(num, den, kind):
    """num/den given as `kind`, as CPython's statistics does (ints stay ints when exact)."""
    if kind is float:
        return _ratio_to_float(num, den)
    num, den = _reduce(num, den)
    if issubclass(kind, int):
        if den == 1:
            return num
        return _ratio_to_float(num, den)
    if issubclass(kind, float):
        return kind(_ratio_to_float(num, den))
    if kind.__name__ == "Fraction":
        return kind(num, den)
    return kind(num) / kind(den)


def _div(x, y):
    """x / y with CPython's correctly rounded int / int."""
    if _is_int(x) and _is_int(y):
        return _ratio_to_float(int(x), int(y))
    return x / y


def _sorted(data):
    data = list(data)
    # MicroPython's sort is a quicksort, quadratic on ordered input; ordered data skips it.
    last = len(data) - 1
    i = 0
    while i < last and not data[i + 1] < data[i]:
        i += 1
    if i >= last:
        return data
    i = 0
    while i < last and data[i + 1] < data[i]:
        i += 1
    if i >= last:
        data.reverse()
        return data
    kinds = set(map(type, data))
    if len(kinds) == 1 and (int in kinds or str in kinds or float in kinds):
        # Equal values of one of these kinds look the same, so the unstable sort will do, except
        # for 0.0 and -0.0: the run of zeros is put back in input order, as a stable sort leaves it.
        zeros = [x for x in data if x == 0.0] if float in kinds and 0.0 in data else None
        data.sort()
        if zeros:
            start = data.index(0.0)
            data[start : start + len(zeros)] = zeros
        return data
    # CPython's sort is stable, and which of two equal values comes first shows (0 and 0.0).
    decorated = [(x, i) for i, x in enumerate(data)]
    decorated.sort()
    return [pair[0] for pair in decorated]


def mean(data):
    """The arithmetic mean, exact until the final rounding."""
    total = _sum(data)
    if total.count < 1:
        raise StatisticsError("mean requires at least one data point")
    kind = _coerce(total.types)
    if total.special is not None:
        return total.special / total.count
    return _convert(total.num, total.den * total.count, kind)


def _counted(data):
    counter = [0]

    def items():
        for x in data:
            counter[0] += 1
            yield x

    return counter, items()


def fmean(data, weights=None):
    """The mean of the data as floats, always a float."""
    try:
        n = len(data)
        counter = None
    except TypeError:
        counter, data = _counted(data)
        n = None
    if weights is None:
        total = fsum(data)
        if counter is not None:
            n = counter[0]
        if not n:
            raise StatisticsError("fmean requires at least one data point")
        return total / n
    try:
        number_of_weights = len(weights)
    except TypeError:
        weights = list(weights)
        number_of_weights = len(weights)
    numerator = fsum([x * w for x, w in zip(data, weights)])
    if counter is not None:
        n = counter[0]
    if n != number_of_weights:
        raise StatisticsError("data and weights must be the same length")
    denominator = fsum(weights)
    if not denominator:
        raise StatisticsError("sum of weights must be non-zero")
    return numerator / denominator


def geometric_mean(data):
    """The geometric mean, through logarithms as in CPython."""
    try:
        return math.exp(fmean([math.log(x) for x in data]))
    except ValueError:
        raise StatisticsError("geometric mean requires a non-empty dataset containing positive numbers")


def _check_positive(x, message):
    if x < 0:
        raise StatisticsError(message)
    return x


def harmonic_mean(data, weights=None):
    """The reciprocal of the mean of the reciprocals, exact until the final rounding."""
    if iter(data) is data:
        data = list(data)
    message = "harmonic mean does not support negative values"
    n = len(data)
    if n < 1:
        raise StatisticsError("harmonic_mean requires at least one data point")
    if n == 1 and weights is None:
        x = data[0]
        if _is_int(x) or isinstance(x, float) or hasattr(x, "as_integer_ratio"):
            return _check_positive(x, message)
        raise TypeError("unsupported type")
    if weights is None:
        weights = [1] * n
        weights_num, weights_den = n, 1
    else:
        if iter(weights) is weights:
            weights = list(weights)
        if len(weights) != n:
            raise StatisticsError("Number of weights does not match data size")
        weight_sum = _sum([_check_positive(w, message) for w in weights])
        weights_num, weights_den = weight_sum.num, weight_sum.den
    reciprocals = []
    try:
        for w, x in zip(weights, data):
            _check_positive(x, message)
            reciprocals.append(w / x if w else 0)
    except ZeroDivisionError:
        return 0
    total = _Sum(reciprocals)
    if total.special is not None:
        if total.special <= 0:
            raise StatisticsError("Weighted sum must be positive")
        return _ratio_to_float(weights_num, weights_den) / total.special
    if total.num <= 0:
        raise StatisticsError("Weighted sum must be positive")
    return _convert(weights_num * total.den, weights_den * total.num, _coerce(total.types))


def median(data):
    """The middle value, or the mean of the two middle values."""
    data = _sorted(data)
    n = len(data)
    if n == 0:
        raise StatisticsError("no median for empty data")
    if n % 2:
        return data[n // 2]
    return _div(data[n // 2 - 1] + data[n // 2], 2)


def median_low(data):
    data = _sorted(data)
    n = len(data)
    if n == 0:
        raise StatisticsError("no median for empty data")
    return data[(n - 1) // 2]


def median_high(data):
    data = _sorted(data)
    n = len(data)
    if n == 0:
        raise StatisticsError("no median for empty data")
    return data[n // 2]


def median_grouped(data, interval=1.0):
    """The median of data binned in intervals of the given width, interpolated within its bin."""
    data = _sorted(data)
    n = len(data)
    if not n:
        raise StatisticsError("no median for empty data")
    x = data[n // 2]
    below = 0
    while data[below] < x:
        below += 1
    upto = n // 2
    while upto < n and not x < data[upto]:
        upto += 1
    try:
        interval = _to_float(interval)
        x = _to_float(x)
    except ValueError:
        raise TypeError("Value cannot be converted to a float")
    lower = x - interval / 2.0
    return lower + interval * (n / 2 - below) / (upto - below)


def _tally(data):
    """Counts of each value, and the values in the order first seen."""
    counts = {}
    order = []
    for x in data:
        seen = counts.get(x)
        if seen is None:
            counts[x] = 1
            order.append(x)
        else:
            counts[x] = seen + 1
    return counts, order


def mode(data):
    """The most common value; the first seen among equally common ones."""
    counts, order = _tally(data)
    if not order:
        raise StatisticsError("no mode for empty data")
    best = max(counts.values())
    for x in order:
        if counts[x] == best:
            return x


def multimode(data):
    """All the most common values, in the order first seen."""
    counts, order = _tally(data)
    if not order:
        return []
    best = max(counts.values())
    return [x for x in order if counts[x] == best]


def quantiles(data, *, n=4, method="exclusive"):
    """The n - 1 cut points dividing the data into n intervals of equal probability."""
    if n < 1:
        raise StatisticsError("n must be at least 1")
    data = _sorted(data)
    size = len(data)
    if size < 2:
        raise StatisticsError("must have at least two data points")
    cuts = []
    if method == "inclusive":
        m = size - 1
        for i in range(1, n):
            j, delta = divmod(i * m, n)
            cuts.append(_div(data[j] * (n - delta) + data[j + 1] * delta, n))
        return cuts
    if method == "exclusive":
        m = size + 1
        for i in range(1, n):
            j = min(max(i * m // n, 1), size - 1)
            delta = i * m - j * n
            cuts.append(_div(data[j - 1] * (n - delta) + data[j] * delta, n))
        return cuts
    raise ValueError("Unknown method: %r" % (method,))


def _squares(data, center):
    """(type, sum of squared deviations as num and den, or a float and None, count)."""
    if center is not None:
        total = _Sum([(x - center) * (x - center) for x in data])
        if total.special is not None:
            return _coerce(total.types), total.special, None, total.count
        return _coerce(total.types), total.num, total.den, total.count
    total = _Sum(data, squares=True)
    kind = _coerce(total.types)
    count = total.count
    if not count:
        return kind, 0, 1, 0
    if total.special is not None:
        return kind, total.special, None, count
    sx, sx_den, sxx, sxx_den = total.num, total.den, total.num2, total.den2
    # (count * sxx - sx**2) / count, over a common denominator
    num = count * sxx * sx_den * sx_den - sx * sx * sxx_den
    return kind, num, sxx_den * sx_den * sx_den * count, count


def variance(data, xbar=None):
    """The sample variance (n - 1 in the denominator)."""
    kind, num, den, n = _squares(data, xbar)
    if n < 2:
        raise StatisticsError("variance requires at least two data points")
    if den is None:
        return num / (n - 1)
    return _convert(num, den * (n - 1), kind)


def pvariance(data, mu=None):
    """The population variance (n in the denominator)."""
    kind, num, den, n = _squares(data, mu)
    if n < 1:
        raise StatisticsError("pvariance requires at least one data point")
    if den is None:
        return num / n
    return _convert(num, den * n, kind)


def _root(num, den, kind):
    if den is None:
        raise AttributeError("'float' object has no attribute 'numerator'")
    if kind.__name__ == "Decimal":
        return (kind(num) / kind(den)).sqrt()
    return _sqrt_ratio(num, den)


def stdev(data, xbar=None):
    """The square root of the sample variance, correctly rounded."""
    kind, num, den, n = _squares(data, xbar)
    if n < 2:
        raise StatisticsError("stdev requires at least two data points")
    return _root(num, None if den is None else den * (n - 1), kind)


def pstdev(data, mu=None):
    """The square root of the population variance, correctly rounded."""
    kind, num, den, n = _squares(data, mu)
    if n < 1:
        raise StatisticsError("pstdev requires at least one data point")
    return _root(num, None if den is None else den * n, kind)


def _pair(x, y, name):
    n = len(x)
    if len(y) != n:
        raise StatisticsError("%s requires that both inputs have same number of data points" % name)
    if n < 2:
        raise StatisticsError("%s requires at least two data points" % name)
    return n


def _deviations(x, y, n):
    xbar = fsum(x) / n
    ybar = fsum(y) / n
    sxy = fsum([(xi - xbar) * (yi - ybar) for xi, yi in zip(x, y)])
    return xbar, ybar, sxy


def covariance(x, y):
    """The sample covariance of x and y."""
    n = _pair(x, y, "covariance")
    return _deviations(x, y, n)[2] / (n - 1)


def correlation(x, y):
    """Pearson's correlation coefficient of x and y."""
    n = _pair(x, y, "correlation")
    xbar, ybar, sxy = _deviations(x, y, n)
    sxx = fsum([(xi - xbar) * (xi - xbar) for xi in x])
    syy = fsum([(yi - ybar) * (yi - ybar) for yi in y])
    try:
        return sxy / math.sqrt(sxx * syy)
    except ZeroDivisionError:
        raise StatisticsError("at least one of the inputs is constant")


class LinearRegression(tuple):
    """(slope, intercept), also readable by name, like CPython's named tuple."""

    @property
    def slope(self):
        return self[0]

    @property
    def intercept(self):
        return self[1]

    def __repr__(self):
        return "LinearRegression(slope=%r, intercept=%r)" % (self[0], self[1])

    __str__ = __repr__


def linear_regression(x, y, *, proportional=False):
    """Slope and intercept of the least-squares line through (x, y)."""
    n = _pair(x, y, "linear regression")
    if proportional:
        sxy = fsum([xi * yi for xi, yi in zip(x, y)])
        sxx = fsum([xi * xi for xi in x])
    else:
        xbar, ybar, sxy = _deviations(x, y, n)
        sxx = fsum([(xi - xbar) * (xi - xbar) for xi in x])
    try:
        slope = sxy / sxx
    except ZeroDivisionError:
        raise StatisticsError("x is constant")
    intercept = 0.0 if proportional else ybar - slope * xbar
    return LinearRegression((slope, intercept))


def __getattr__(name):
    # NormalDist is compiled only when first used: most programs never touch it.
    if name == "NormalDist":
        from _normaldist import NormalDist

        globals()["NormalDist"] = NormalDist
        return NormalDist
    raise AttributeError("module 'statistics' has no attribute %r" % name)
