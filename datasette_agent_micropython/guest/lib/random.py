"""random for the sandbox: MicroPython's built-in generator, plus CPython's helpers on top of it.

`urandom` always names the built-in module (there is no /lib/urandom.py), whose state the host
seeds at the start of every session; the functions here draw from that same state. Results
differ from CPython's (another generator), but a seed gives the same sequence every time.
random() and uniform() stay the built-in C functions; randint(), randrange() and choice() call
the built-in ones first and fall back to Python for ranges beyond 32 bits and for CPython's errors.
"""

from math import cos as _cos
from math import exp as _exp
from math import log as _log
from math import sin as _sin
from math import sqrt as _sqrt

import urandom as _builtin
from urandom import random, uniform  # noqa: F401

_builtin_seed = _builtin.seed
_builtin_bits = _builtin.getrandbits
_builtin_randint = _builtin.randint
_builtin_randrange = _builtin.randrange
_builtin_choice = _builtin.choice
_MASK32 = 0xFFFFFFFF
_E = 2.718281828459045
_TWO_PI = 6.283185307179586


def _fold(value):
    """Any int as 32 bits that depend on all of its bits."""
    value = abs(value)
    folded = 0
    while value:
        folded ^= value & _MASK32
        value >>= 32
    return folded


def _seed_int(a):
    if a is None:
        import time

        return _fold(time.time_ns()) ^ _builtin_bits(32)
    if type(a) is int or type(a) is bool:
        return _fold(int(a))
    if type(a) is float:
        return _fold(hash(a)) ^ _fold(int(a * 1000003))
    if type(a) is str:
        a = a.encode()
    if type(a) in (bytes, bytearray):
        # FNV-1a over the bytes: the same string always gives the same sequence.
        h = 0x811C9DC5
        for byte in a:
            h = ((h ^ byte) * 0x01000193) & _MASK32
        return h
    raise TypeError("The only supported seed types are: None,\nint, float, str, bytes, and bytearray.")


def seed(a=None, version=2):
    """Seed the shared generator; str, bytes and None seeds are accepted as in CPython."""
    _builtin_seed(_seed_int(a))
    _inst._gauss_next = None


def getrandbits(k):
    """k random bits, for any k (the built-in stops at 32)."""
    if k < 0:
        raise ValueError("number of bits must be non-negative")
    if k <= 32:
        return _builtin_bits(k) if k else 0
    value = 0
    while k > 32:
        value = (value << 32) | _builtin_bits(32)
        k -= 32
    return (value << k) | _builtin_bits(k)


def _bit_length(n):
    length = 0
    while n >= 0x10000:
        n >>= 16
        length += 16
    while n:
        n >>= 1
        length += 1
    return length


class Random:
    """A generator of its own (splitmix64), with CPython's methods.

    The module-level functions are the methods of one instance whose core is the shared built-in
    generator, so that random.seed() governs them all.
    """

    def __init__(self, x=None):
        self.seed(x)

    def seed(self, a=None, version=2):
        value = _seed_int(a) if not (type(a) is int and a >= 0) else a
        self._state = value & 0xFFFFFFFFFFFFFFFF
        self._gauss_next = None

    def _next64(self):
        self._state = (self._state + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
        z = self._state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
        return z ^ (z >> 31)

    def getstate(self):
        return (self._state, self._gauss_next)

    def setstate(self, state):
        self._state, self._gauss_next = state

    def random(self):
        return (self._next64() >> 11) * 1.1102230246251565e-16

    def getrandbits(self, k):
        if k < 0:
            raise ValueError("number of bits must be non-negative")
        value = 0
        bits = 0
        while bits < k:
            value = (value << 64) | self._next64()
            bits += 64
        return value >> (bits - k)

    def _randbelow(self, n):
        bits = _bit_length(n)
        value = self.getrandbits(bits)
        while value >= n:
            value = self.getrandbits(bits)
        return value

    def randrange(self, start, stop=None, step=1):
        if stop is None:
            if start > 0:
                return self._randbelow(start)
            raise ValueError("empty range for randrange()")
        width = stop - start
        if step == 1:
            if width > 0:
                return start + self._randbelow(width)
            raise ValueError("empty range for randrange() (%d, %d, %d)" % (start, stop, width))
        if step > 0:
            n = (width + step - 1) // step
        elif step < 0:
            n = (width + step + 1) // step
        else:
            raise ValueError("zero step for randrange()")
        if n <= 0:
            raise ValueError("empty range for randrange()")
        return start + step * self._randbelow(n)

    def randint(self, a, b):
        return self.randrange(a, b + 1)

    def choice(self, seq):
        if not len(seq):
            raise IndexError("Cannot choose from an empty sequence")
        return seq[self._randbelow(len(seq))]

    def uniform(self, a, b):
        return a + (b - a) * self.random()

    def shuffle(self, x):
        """Shuffle the list x in place (Fisher-Yates)."""
        below = self._randbelow
        for i in range(len(x) - 1, 0, -1):
            j = below(i + 1)
            x[i], x[j] = x[j], x[i]

    def sample(self, population, k, *, counts=None):
        """k unique picks from a sequence (range included), in selection order."""
        if isinstance(population, (set, dict)):
            raise TypeError("Population must be a sequence.  For dicts or sets, use sorted(d).")
        n = len(population)
        if counts is not None:
            cumulative = []
            total = 0
            for count in counts:
                if type(count) is not int:
                    raise TypeError("Counts must be integers")
                total += count
                cumulative.append(total)
            if len(cumulative) != n:
                raise ValueError("The number of counts does not match the population")
            if total <= 0:
                raise ValueError("Total of counts must be greater than zero")
            picks = self.sample(range(total), k)
            return [population[_right(cumulative, pick)] for pick in picks]
        if not 0 <= k <= n:
            raise ValueError("Sample larger than population or is negative")
        below = self._randbelow
        if k * 3 <= n:
            chosen = set()
            result = []
            while len(result) < k:
                j = below(n)
                if j not in chosen:
                    chosen.add(j)
                    result.append(population[j])
            return result
        pool = list(population)
        for i in range(k):
            j = i + below(n - i)
            pool[i], pool[j] = pool[j], pool[i]
        return pool[:k]

    def choices(self, population, weights=None, *, cum_weights=None, k=1):
        """k picks with replacement, optionally weighted."""
        n = len(population)
        draw = self.random
        if cum_weights is None:
            if weights is None:
                if not n:
                    raise IndexError("list index out of range")
                return [population[int(draw() * n)] for _ in range(k)]
            cum_weights = []
            total = 0
            for weight in weights:
                total = total + weight
                cum_weights.append(total)
        elif weights is not None:
            raise TypeError("Cannot specify both weights and cumulative weights")
        else:
            cum_weights = list(cum_weights)
        if len(cum_weights) != n:
            raise ValueError("The number of weights does not match the population")
        total = cum_weights[-1] + 0.0 if n else 0.0
        if total <= 0.0:
            raise ValueError("Total of weights must be greater than zero")
        if total - total != 0.0:
            raise ValueError("Total of weights must be finite")
        last = n - 1
        return [population[min(_right(cum_weights, draw() * total), last)] for _ in range(k)]

    def triangular(self, low=0.0, high=1.0, mode=None):
        u = self.random()
        try:
            c = 0.5 if mode is None else (mode - low) / (high - low)
        except ZeroDivisionError:
            return low
        if u > c:
            u = 1.0 - u
            c = 1.0 - c
            low, high = high, low
        return low + (high - low) * _sqrt(u * c)

    def gauss(self, mu=0.0, sigma=1.0):
        """Normal distribution (Box-Muller, the second value kept for the next call)."""
        z = self._gauss_next
        self._gauss_next = None
        if z is None:
            angle = self.random() * _TWO_PI
            radius = _sqrt(-2.0 * _log(1.0 - self.random()))
            z = _cos(angle) * radius
            self._gauss_next = _sin(angle) * radius
        return mu + z * sigma

    def normalvariate(self, mu=0.0, sigma=1.0):
        angle = self.random() * _TWO_PI
        return mu + _cos(angle) * _sqrt(-2.0 * _log(1.0 - self.random())) * sigma

    def lognormvariate(self, mu, sigma):
        return _exp(self.normalvariate(mu, sigma))

    def expovariate(self, lambd=1.0):
        return -_log(1.0 - self.random()) / lambd

    def paretovariate(self, alpha):
        return (1.0 - self.random()) ** (-1.0 / alpha)

    def weibullvariate(self, alpha, beta):
        return alpha * (-_log(1.0 - self.random())) ** (1.0 / beta)

    def gammavariate(self, alpha, beta):
        """Gamma distribution (Marsaglia and Tsang's method)."""
        if alpha <= 0.0 or beta <= 0.0:
            raise ValueError("gammavariate: alpha and beta must be > 0.0")
        if alpha < 1.0:
            return self.gammavariate(alpha + 1.0, beta) * self.random() ** (1.0 / alpha)
        d = alpha - 1.0 / 3.0
        c = 1.0 / _sqrt(9.0 * d)
        while True:
            x = self.normalvariate()
            v = 1.0 + c * x
            if v <= 0.0:
                continue
            v = v * v * v
            u = 1.0 - self.random()
            if _log(u) < 0.5 * x * x + d - d * v + d * _log(v):
                return d * v * beta

    def betavariate(self, alpha, beta):
        y = self.gammavariate(alpha, 1.0)
        if y:
            return y / (y + self.gammavariate(beta, 1.0))
        return 0.0


def _right(cumulative, x):
    """The first index whose cumulative value exceeds x (bisect_right)."""
    lo, hi = 0, len(cumulative)
    while lo < hi:
        mid = (lo + hi) // 2
        if x < cumulative[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo


class _Shared(Random):
    """The module-level instance: its core is the built-in generator that random.seed() seeds."""

    def __init__(self):
        self._gauss_next = None

    def seed(self, a=None, version=2):
        seed(a)

    def random(self):
        return random()

    def getrandbits(self, k):
        return getrandbits(k)

    def _randbelow(self, n):
        if n <= 0x3FFFFFFF:
            return _builtin_randrange(n)
        return Random._randbelow(self, n)

    def getstate(self):
        raise NotImplementedError("the shared generator's state cannot be read in the sandbox")

    def setstate(self, state):
        raise NotImplementedError("the shared generator's state cannot be set in the sandbox")


_inst = _Shared()


def randint(a, b):
    """A random int from a to b inclusive."""
    try:
        return _builtin_randint(a, b)
    except (OverflowError, ValueError):  # a range beyond 32 bits, or an empty one
        return _inst.randint(a, b)


def randrange(start, stop=None, step=1):
    """A random int from range(start, stop, step)."""
    try:
        if stop is None:
            return _builtin_randrange(start)
        return _builtin_randrange(start, stop, step)
    except (OverflowError, ValueError):
        return _inst.randrange(start, stop, step)


def choice(seq):
    """A random item of a non-empty sequence."""
    try:
        return _builtin_choice(seq)
    except IndexError:
        return _inst.choice(seq)


shuffle = _inst.shuffle
sample = _inst.sample
choices = _inst.choices
triangular = _inst.triangular
gauss = _inst.gauss
normalvariate = _inst.normalvariate
lognormvariate = _inst.lognormvariate
expovariate = _inst.expovariate
paretovariate = _inst.paretovariate
weibullvariate = _inst.weibullvariate
gammavariate = _inst.gammavariate
betavariate = _inst.betavariate
