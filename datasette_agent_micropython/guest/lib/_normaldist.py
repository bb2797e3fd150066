"""statistics.NormalDist, compiled only when first used (statistics loads it on demand).

cdf and pdf use the C library's erf and exp; inv_cdf refines a rough guess with Newton steps on
the cdf, so results agree with CPython's to about 1e-15, not bit for bit.
"""

import statistics
from math import erf, erfc, exp, fabs, log, sqrt

_SQRT2 = 1.4142135623730951
_TAU = 6.283185307179586


def _standard_inv_cdf(p):
    """x with Phi(x) == p, for 0 < p < 1."""
    if p == 0.5:
        return 0.0
    # A rough start (Abramowitz and Stegun 26.2.23, within 4.5e-4), then Newton steps on a cdf
    # computed with erfc, which stays accurate far into either tail.
    q = p if p < 0.5 else 1.0 - p
    t = sqrt(-2.0 * log(q))
    x = t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (
        1.0 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t
    )
    if p < 0.5:
        x = -x
    for _ in range(60):
        if x < 0:
            error = 0.5 * erfc(-x / _SQRT2) - p
        else:
            error = (1.0 - p) - 0.5 * erfc(x / _SQRT2)
        density = exp(-0.5 * x * x) / sqrt(_TAU)
        if density == 0.0:
            break
        step = error / density
        x -= step
        if fabs(step) <= 1e-17 * max(1.0, fabs(x)):
            break
    return x


class NormalDist:
    """A normal distribution of a random variable, as CPython's statistics.NormalDist."""

    __slots__ = ("_mu", "_sigma")

    def __init__(self, mu=0.0, sigma=1.0):
        if sigma < 0.0:
            raise statistics.StatisticsError("sigma must be non-negative")
        self._mu = float(mu)
        self._sigma = float(sigma)

    @classmethod
    def from_samples(cls, data):
        data = list(data)
        kind, num, den, n = statistics._squares(data, None)
        if n < 2:
            raise statistics.StatisticsError("stdev requires at least two data points")
        total = statistics._Sum(data)
        return cls(
            statistics._ratio_to_float(total.num, total.den * total.count), statistics._sqrt_ratio(num, den * (n - 1))
        )

    def samples(self, n, *, seed=None):
        import random

        generator = random.Random(seed)
        return [generator.gauss(self._mu, self._sigma) for _ in range(n)]

    def pdf(self, x):
        variance = self._sigma * self._sigma
        if not variance:
            raise statistics.StatisticsError("pdf() not defined when sigma is zero")
        diff = x - self._mu
        return exp(diff * diff / (-2.0 * variance)) / sqrt(_TAU * variance)

    def cdf(self, x):
        if not self._sigma:
            raise statistics.StatisticsError("cdf() not defined when sigma is zero")
        return 0.5 * (1.0 + erf((x - self._mu) / (self._sigma * _SQRT2)))

    def inv_cdf(self, p):
        if p <= 0.0 or p >= 1.0:
            raise statistics.StatisticsError("p must be in the range 0.0 < p < 1.0")
        if self._sigma <= 0.0:
            raise statistics.StatisticsError("cdf() not defined when sigma at or below zero")
        return self._mu + self._sigma * _standard_inv_cdf(p)

    def quantiles(self, n=4):
        return [self.inv_cdf(i / n) for i in range(1, n)]

    def overlap(self, other):
        """The area the two densities share (the overlapping coefficient)."""
        if not isinstance(other, NormalDist):
            raise TypeError("Expected another NormalDist instance")
        x, y = self, other
        if (y._sigma, y._mu) < (x._sigma, x._mu):
            x, y = y, x
        x_var, y_var = x.variance, y.variance
        if not x_var or not y_var:
            raise statistics.StatisticsError("overlap() not defined when sigma is zero")
        dv = y_var - x_var
        dm = fabs(y._mu - x._mu)
        if not dv:
            return 1.0 - erf(dm / (2.0 * x._sigma * _SQRT2))
        # The densities cross at two points; the shared area is 1 less the cdf gaps there.
        a = x._mu * y_var - y._mu * x_var
        b = x._sigma * y._sigma * sqrt(dm * dm + dv * log(y_var / x_var))
        first = (a + b) / dv
        second = (a - b) / dv
        return 1.0 - (fabs(y.cdf(first) - x.cdf(first)) + fabs(y.cdf(second) - x.cdf(second)))

    def zscore(self, x):
        if not self._sigma:
            raise statistics.StatisticsError("zscore() not defined when sigma is zero")
        return (x - self._mu) / self._sigma

    @property
    def mean(self):
        return self._mu

    @property
    def median(self):
        return self._mu

    @property
    def mode(self):
        return self._mu

    @property
    def stdev(self):
        return self._sigma

    @property
    def variance(self):
        return self._sigma * self._sigma

    def __add__(self, other):
        if isinstance(other, NormalDist):
            return NormalDist(self._mu + other._mu, sqrt(self._sigma * self._sigma + other._sigma * other._sigma))
        return NormalDist(self._mu + other, self._sigma)

    __radd__ = __add__

    def __sub__(self, other):
        if isinstance(other, NormalDist):
            return NormalDist(self._mu - other._mu, sqrt(self._sigma * self._sigma + other._sigma * other._sigma))
        return NormalDist(self._mu - other, self._sigma)

    def __rsub__(self, other):
        return -(self - other)

    def __mul__(self, other):
        return NormalDist(self._mu * other, self._sigma * fabs(other))

    __rmul__ = __mul__

    def __truediv__(self, other):
        return NormalDist(self._mu / other, self._sigma / fabs(other))

    def __pos__(self):
        return NormalDist(self._mu, self._sigma)

    def __neg__(self):
        return NormalDist(-self._mu, self._sigma)

    def __eq__(self, other):
        if not isinstance(other, NormalDist):
            return NotImplemented
        return self._mu == other._mu and self._sigma == other._sigma

    def __hash__(self):
        return hash((self._mu, self._sigma))

    def __repr__(self):
        return "NormalDist(mu=%r, sigma=%r)" % (self._mu, self._sigma)
