"""operator for the sandbox: Python's operators as functions, and itemgetter/attrgetter/methodcaller."""

_builtin_abs = abs
_SEQUENCES = (list, tuple, str, bytes, bytearray)


def lt(a, b):
    return a < b


def le(a, b):
    return a <= b


def eq(a, b):
    return a == b


def ne(a, b):
    return a != b


def ge(a, b):
    return a >= b


def gt(a, b):
    return a > b


def not_(a):
    return not a


def truth(a):
    return bool(a)


def is_(a, b):
    return a is b


def is_not(a, b):
    return a is not b


def abs(a):
    return _builtin_abs(a)


def add(a, b):
    return a + b


def and_(a, b):
    return a & b


def floordiv(a, b):
    return a // b


def index(a):
    if isinstance(a, int):
        return int(a)
    method = getattr(type(a), "__index__", None)
    if method is None:
        raise TypeError("'%s' object cannot be interpreted as an integer" % type(a).__name__)
    return method(a)


def inv(a):
    return ~a


invert = inv


def lshift(a, b):
    return a << b


def mod(a, b):
    return a % b


def mul(a, b):
    return a * b


def matmul(a, b):
    return a @ b


def neg(a):
    return -a


def or_(a, b):
    return a | b


def pos(a):
    return +a


def pow(a, b):
    return a**b


def rshift(a, b):
    return a >> b


def sub(a, b):
    return a - b


def truediv(a, b):
    return a / b


def xor(a, b):
    return a ^ b


def concat(a, b):
    if not isinstance(a, _SEQUENCES) and (isinstance(a, dict) or not hasattr(a, "__getitem__")):
        raise TypeError("'%s' object can't be concatenated" % type(a).__name__)
    return a + b


def contains(a, b):
    return b in a


def countOf(a, b):
    return sum(1 for item in a if item is b or item == b)


def indexOf(a, b):
    for position, item in enumerate(a):
        if item is b or item == b:
            return position
    raise ValueError("sequence.index(x): x not in sequence")


def getitem(a, b):
    return a[b]


def setitem(a, b, c):
    a[b] = c


def delitem(a, b):
    del a[b]


def length_hint(obj, default=0):
    try:
        return len(obj)
    except TypeError:
        pass
    hint = getattr(type(obj), "__length_hint__", None)
    if hint is None:
        return default
    value = hint(obj)
    if value is NotImplemented:
        return default
    if value < 0:
        raise ValueError("__length_hint__() should return >= 0")
    return value


def call(obj, *args, **kwargs):
    return obj(*args, **kwargs)


# In-place forms: for immutable values they return the new value, like CPython's.
def iadd(a, b):
    a += b
    return a


def iand(a, b):
    a &= b
    return a


def iconcat(a, b):
    concat(a, a[:0])
    a += b
    return a


def ifloordiv(a, b):
    a //= b
    return a


def ilshift(a, b):
    a <<= b
    return a


def imod(a, b):
    a %= b
    return a


def imul(a, b):
    a *= b
    return a


def imatmul(a, b):
    a @= b
    return a


def ior(a, b):
    a |= b
    return a


def ipow(a, b):
    a **= b
    return a


def irshift(a, b):
    a >>= b
    return a


def isub(a, b):
    a -= b
    return a


def itruediv(a, b):
    a /= b
    return a


def ixor(a, b):
    a ^= b
    return a


class itemgetter:
    """f(obj) -> obj[item], or a tuple of obj[i] for several items."""

    __slots__ = ("_items",)

    def __init__(self, item, *items):
        self._items = (item,) + items

    def __call__(self, obj):
        if len(self._items) == 1:
            return obj[self._items[0]]
        return tuple([obj[item] for item in self._items])

    def __repr__(self):
        return "operator.itemgetter(%s)" % ", ".join([repr(item) for item in self._items])


class attrgetter:
    """f(obj) -> obj.attr, following dots (attrgetter('a.b') gives obj.a.b)."""

    __slots__ = ("_paths", "_names")

    def __init__(self, attr, *attrs):
        names = (attr,) + attrs
        for name in names:
            if not isinstance(name, str):
                raise TypeError("attribute name must be a string")
        self._names = names
        self._paths = tuple([tuple(name.split(".")) for name in names])

    def __call__(self, obj):
        if len(self._paths) == 1:
            return _resolve(obj, self._paths[0])
        return tuple([_resolve(obj, path) for path in self._paths])

    def __repr__(self):
        return "operator.attrgetter(%s)" % ", ".join([repr(name) for name in self._names])


def _resolve(obj, path):
    for name in path:
        obj = getattr(obj, name)
    return obj


class methodcaller:
    """f(obj) -> obj.name(*args, **kwargs)."""

    __slots__ = ("_name", "_args", "_kwargs")

    def __init__(self, name, *args, **kwargs):
        if not isinstance(name, str):
            raise TypeError("method name must be a string")
        self._name = name
        self._args = args
        self._kwargs = kwargs

    def __call__(self, obj):
        return getattr(obj, self._name)(*self._args, **self._kwargs)

    def __repr__(self):
        parts = [repr(self._name)] + [repr(arg) for arg in self._args]
        parts += ["%s=%r" % (key, value) for key, value in sorted(self._kwargs.items())]
        return "operator.methodcaller(%s)" % ", ".join(parts)


# The dunder aliases CPython also exports.
__lt__, __le__, __eq__, __ne__, __ge__, __gt__ = lt, le, eq, ne, ge, gt
__not__, __abs__, __add__, __and__, __floordiv__, __index__ = not_, abs, add, and_, floordiv, index
__inv__ = __invert__ = inv
__lshift__, __mod__, __mul__, __matmul__, __neg__, __or__, __pos__ = lshift, mod, mul, matmul, neg, or_, pos
__pow__, __rshift__, __sub__, __truediv__, __xor__, __concat__ = pow, rshift, sub, truediv, xor, concat
__contains__, __getitem__, __setitem__, __delitem__, __call__ = contains, getitem, setitem, delitem, call
__iadd__, __iand__, __iconcat__, __ifloordiv__, __ilshift__, __imod__ = iadd, iand, iconcat, ifloordiv, ilshift, imod
__imul__, __imatmul__, __ior__, __ipow__, __irshift__, __isub__ = imul, imatmul, ior, ipow, irshift, isub
__itruediv__, __ixor__ = itruediv, ixor
