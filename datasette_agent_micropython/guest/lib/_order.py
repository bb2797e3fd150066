"""Ordering and comparison as CPython does them, for the facade that transformed code imports.

MicroPython's dicts are ordered by hash, its sort is an unstable quicksort that is quadratic on
sorted input and calls `key` at every comparison, and its comparisons are never reflected
(`a > b` fails when only `b.__lt__` exists). These helpers give CPython's results instead.
"""

import _format
from _odict import from_ordered, odict, shown
from _reprfix import fix as _fix_repr

_dict = dict
_builtin_min = min
_builtin_max = max
_NOTHING = object()

_print = print
_str = str
_repr = repr
# What print() writes as it is: these hold no float and no str whose repr MicroPython would
# escape.
_WRITTEN_AS_IS = {_str, int, bool, type(None)}
# Containers whose MicroPython text may hold a float that is not in its shortest form (8.309
# shows as 8.308999999999999); the odict's own repr already writes its floats as CPython does.
_HOLDING_FLOATS = {list, tuple, _dict, set, frozenset}


def _fixed(text):
    return _fix_repr(text) if "\\" in text else text


def _shown(obj, text):
    # MicroPython's text of obj, unless a float in it needs rewriting (a float always shows '.',
    # 'e+' or 'e-'; inf and nan read the same in both).
    kind = type(obj)
    if kind is float:
        return _format.float_repr(obj)
    if kind in _HOLDING_FLOATS and ("." in text or "e+" in text or "e-" in text):
        return _fixed(shown(obj))
    return _fixed(text)


def repr(obj):
    """CPython's repr: floats in their shortest form, printable non-ASCII characters as they are."""
    return _shown(obj, _repr(obj))


def _text(obj):
    return _shown(obj, _str(obj))


def str(*args, **kwargs):
    """CPython's str (as a call; `str` the type is unchanged)."""
    if len(args) != 1 or kwargs or type(args[0]) is _str:
        return _str(*args, **kwargs)
    return _text(args[0])


def print(*args, **kwargs):
    """CPython's print: floats and containers show as CPython's str does."""
    for arg in args:
        if type(arg) not in _WRITTEN_AS_IS:
            args = [a if type(a) in _WRITTEN_AS_IS else _text(a) for a in args]
            break
    _print(*args, **kwargs)


def dict_from_pairs(pairs):
    """A dict display or comprehension (`pairs` is a list of 2-tuples): keys in the order given,
    the last value of a repeated key kept at the key's first position.

    The native part is filled from the pairs in C; the key order is the pairs' own unless a key
    repeats, which the native part's length shows."""
    keys = [k for k, _ in pairs]
    new = from_ordered(keys, pairs)
    if len(new) == len(keys):
        return new
    seen = _dict()
    unique = []
    for k in keys:
        if k not in seen:
            seen[k] = None
            unique.append(k)
    return from_ordered(unique, pairs)


def dict_call(args=(), pairs=()):
    """dict(*args, k=v, ...) with the keywords passed as (name, value) pairs, since MicroPython's
    **kwargs dict would lose their order."""
    new = odict(*args)
    for k, v in pairs:
        new[k] = v
    return new


def ior(target, other):
    """`target |= other`: MicroPython would replace an odict by its unordered native part. A class
    with an `__ior__` of its own (Counter's keeps the larger counts) answers for itself."""
    own = getattr(type(target), "__ior__", None)
    if own is not None:
        result = own(target, other)
        if result is not NotImplemented:
            return result
        # CPython's fallback is the binary operator, which MicroPython lacks on a dict subclass:
        # the class's own, else dict's (a new dict of both).
        binary = getattr(type(target), "__or__", None)
        if binary is not None:
            return binary(target, other)
        if isinstance(target, _dict):
            new = odict(target)
            new.update(other)
            return new
        return target | other
    if isinstance(target, odict):
        target.update(other)
        return target
    target |= other
    return target


def iand(target, other):
    """`target &= other`: MicroPython finds neither `__iand__` nor `__and__` on a dict subclass
    (Counter has both)."""
    own = getattr(type(target), "__iand__", None)
    if own is not None:
        result = own(target, other)
        if result is not NotImplemented:
            return result
        return target & other  # CPython's fallback: the binary operator
    target &= other
    return target


# Comparisons --------------------------------------------------------------------------------

_REFLECTED = {"<": "__gt__", ">": "__lt__", "<=": "__ge__", ">=": "__le__"}


def _unsupported(error):
    return error.args and isinstance(error.args[0], _str) and error.args[0].startswith("unsupported types for __")


def _reflect(a, b, symbol, error):
    """b's reflected method for `a symbol b`, as CPython tries it when a's own one is missing."""
    if not _unsupported(error):
        raise error
    kind = type(a)
    if kind is type(b) and (kind is tuple or kind is list):
        return _compare_sequences(a, b, symbol)
    method = getattr(type(b), _REFLECTED[symbol], None)
    if method is not None and type(b) not in (int, float, _str, bool, list, tuple, set, bytes):
        result = method(b, a)
        if result is not NotImplemented:
            return result
    raise TypeError(
        "'%s' not supported between instances of '%s' and '%s'" % (symbol, type(a).__name__, type(b).__name__)
    )


def lt(a, b):
    try:
        return a < b
    except TypeError as error:
        return _reflect(a, b, "<", error)


def gt(a, b):
    try:
        return a > b
    except TypeError as error:
        return _reflect(a, b, ">", error)


def le(a, b):
    try:
        return a <= b
    except TypeError as error:
        return _reflect(a, b, "<=", error)


def ge(a, b):
    try:
        return a >= b
    except TypeError as error:
        return _reflect(a, b, ">=", error)


_BY_SYMBOL = {"<": lt, ">": gt, "<=": le, ">=": ge}


def _compare_sequences(a, b, symbol):
    """Two tuples or two lists compared as CPython does: the first pair of items that differ
    decides, compared (with reflection) by themselves, so an error names their types."""
    for x, y in zip(a, b):
        if x is not y and not x == y:
            return _BY_SYMBOL[symbol](x, y)
    n, m = len(a), len(b)
    if symbol == "<":
        return n < m
    if symbol == ">":
        return n > m
    return n <= m if symbol == "<=" else n >= m


class _Reflecting:
    """Wraps a sort key so that the built-in sort's comparisons fall back to reflected ones (the
    built-in compares tuples item by item with `>`)."""

    def __init__(self, value):
        self.value = value

    def __lt__(self, other):
        return lt(self.value, other.value)

    def __gt__(self, other):
        return gt(self.value, other.value)

    def __eq__(self, other):
        return self.value == other.value


# min and max ---------------------------------------------------------------------------------


def _extreme(builtin, better, name, args, key, default):
    if len(args) == 1:
        items = args[0]
        if not isinstance(items, (list, tuple)):
            items = list(items)
        if not items:
            if default is _NOTHING:
                raise ValueError(name + "() arg is an empty sequence")
            return default
    elif not args:
        raise TypeError(name + " expected at least 1 argument, got 0")
    else:
        if default is not _NOTHING:
            raise TypeError("Cannot specify a default for " + name + "() with multiple positional arguments")
        items = args
    try:
        return builtin(items) if key is None else builtin(items, key=key)
    except TypeError as error:
        if not _unsupported(error):
            raise
    best = items[0]
    best_key = best if key is None else key(best)
    for item in items[1:]:
        k = item if key is None else key(item)
        if better(k, best_key):
            best, best_key = item, k
    return best


def min(*args, key=None, default=_NOTHING):
    return _extreme(_builtin_min, lt, "min", args, key, default)


def max(*args, key=None, default=_NOTHING):
    return _extreme(_builtin_max, gt, "max", args, key, default)


# Sorting -------------------------------------------------------------------------------------


def _ascending(keys):
    """Whether keys never decrease, checked in C: the min of each neighbour pair is its first."""
    head = keys[:-1]
    return list(map(_builtin_min, head, keys[1:])) == head


def _shuffle(items):
    """Fisher-Yates with a private generator (the user's random stream is left alone). The
    built-in quicksort takes the last element as its pivot, so ordered runs must be broken up."""
    a = 12345
    b = 6789
    for i in range(len(items) - 1, 0, -1):
        a = a * 171 % 30269
        b = b * 172 % 30307
        j = ((a << 15) ^ b) % (i + 1)
        items[i], items[j] = items[j], items[i]


def _stable_ascending(items, keys):
    """`items` (a list of our own) in ascending order of `keys` (`items` itself when there is no
    key function), equal keys in input order.

    Sorted and strictly reversed input are recognised in C. Otherwise each key is paired with its
    position, which makes every key distinct, so the built-in unstable sort becomes stable; a
    shuffle first keeps its quicksort O(n log n). Pairs, not triples: a 2-tuple is one GC block,
    and MicroPython's allocator is quadratic on long runs of multi-block allocations.
    """
    n = len(items)
    # The first few keys out of order rule out a full check (the common case, unsorted input).
    if n < 2 or (_ascending(keys[:_PROBE]) and _ascending(keys)):
        return items
    if _ascending(keys[_PROBE - 1 :: -1]):
        backwards = keys[::-1]
        if _ascending(backwards) and _ascending(list(zip(backwards, range(n - 1, -1, -1)))):
            return items[::-1]
    if keys is items and _indistinguishable_when_equal(items):
        _shuffle(items)
        items.sort()
        return items
    if _same_length_tuples(keys):
        # (k1, k2, position) orders as ((k1, k2), position) when every key has the same length,
        # and compares one level of tuples instead of two: the sort's comparisons cost half.
        decorated = [key + (position,) for key, position in zip(keys, range(n))]
    else:
        decorated = list(zip(keys, range(n)))
    _shuffle(decorated)
    decorated.sort()
    return [items[entry[-1]] for entry in decorated]


# How many leading keys are checked for order before all of them are.
_PROBE = 16


def _same_length_tuples(keys):
    """Whether every key is a tuple (not a subclass) and all have one length."""
    if set(map(type, keys)) != {tuple}:
        return False
    return len(set(map(len, keys))) == 1


def _indistinguishable_when_equal(values):
    """All ints or all strs: equal values print the same, so the sort need not be stable."""
    kinds = set(map(type, values))
    return len(kinds) == 1 and (int in kinds or _str in kinds)


def _sort(items, key, reverse):
    if reverse:
        # The stable descending order is the reverse of the stable ascending order of the
        # reversed input.
        items = items[::-1]
    keys = items if key is None else list(map(key, items))
    try:
        result = _stable_ascending(items, keys)
    except TypeError as error:
        if not _unsupported(error):
            raise
        result = _stable_ascending(items, [_Reflecting(k) for k in keys])
    return result[::-1] if reverse else result


def sorted(iterable, key=None, reverse=False):
    """A stable sort, O(n log n) on any input, calling `key` once per item."""
    return _sort(list(iterable), key, reverse)


def list_sort(lst, key=None, reverse=False):
    """`lst.sort(...)`: in place for lists; anything else sorts itself."""
    if not isinstance(lst, list):
        return lst.sort(key=key, reverse=reverse)
    lst[:] = _sort(lst[:], key, reverse)
