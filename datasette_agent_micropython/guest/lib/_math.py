"""`math` in the sandbox: MicroPython's built-in math, and CPython's extras on first use.

`math` is not an extensible built-in, so /lib/math.py would never load: the bootstrap's import
hook answers the first `import math` with this module, which registers itself as `math`. It stays
small, because nearly every program imports math: the extras (comb, perm, prod, fsum, isqrt,
gcd, lcm, dist, hypot) are compiled only when one of them is first looked up.
"""

import sys
from math import *  # noqa: F401,F403  (the built-in: "_math" is loading, so the hook passes)


def __getattr__(name):
    if name[:2] != "__":
        import _math_extras

        if hasattr(_math_extras, name):
            value = getattr(_math_extras, name)
            globals()[name] = value
            return value
    raise AttributeError("module 'math' has no attribute %r" % name)


sys.modules["math"] = sys.modules[__name__]
__name__ = "math"
del sys
