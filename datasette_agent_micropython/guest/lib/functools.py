"""functools for the sandbox: higher-order helpers with CPython's behaviour.

MicroPython functions take no attributes (`f.__wrapped__ = g` raises AttributeError, and on a
closure it is silently ignored), so
update_wrapper and wraps hand back a thin callable object carrying __name__, __doc__ and
__wrapped__ when the wrapper itself refuses them. lru_cache is such an object too.
"""

WRAPPER_ASSIGNMENTS = ("__module__", "__name__", "__qualname__", "__doc__")
WRAPPER_UPDATES = ("__dict__",)

_MISSING = object()


def reduce(function, iterable, *initial):
    """Fold iterable into one value with function, left to right."""
    if len(initial) > 1:
        raise TypeError("reduce expected at most 3 arguments, got %d" % (len(initial) + 2))
    iterator = iter(iterable)
    if initial:
        value = initial[0]
    else:
        value = _MISSING
        for value in iterator:
            break
        if value is _MISSING:
            raise TypeError("reduce() of empty iterable with no initial value")
    for item in iterator:
        value = function(value, item)
    return value


class partial:
    """A callable that calls func with some arguments filled in."""

    def __init__(self, func, *args, **keywords):
        if not callable(func):
            raise TypeError("the first argument must be callable")
        if isinstance(func, partial):
            args = func.args + args
            merged = dict(func.keywords)
            merged.update(keywords)
            keywords = merged
            func = func.func
        self.func = func
        self.args = args
        self.keywords = keywords

    def __call__(self, *args, **keywords):
        if self.keywords:
            merged = dict(self.keywords)
            merged.update(keywords)
            keywords = merged
        return self.func(*(self.args + args), **keywords)

    def __repr__(self):
        parts = [repr(self.func)] + [repr(arg) for arg in self.args]
        parts += ["%s=%r" % (key, value) for key, value in self.keywords.items()]
        return "functools.partial(%s)" % ", ".join(parts)


class partialmethod:
    """partial for methods: the instance comes first, then the filled-in arguments."""

    def __init__(self, func, *args, **keywords):
        self.func = func
        self.args = args
        self.keywords = keywords

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        return partial(self.func, obj, *self.args, **self.keywords)


class _Wrapper:
    """A callable standing in for a function that cannot take the wrapped function's attributes."""

    def __init__(self, function):
        self._wrapper_function = function

    def __call__(self, *args, **kwargs):
        return self._wrapper_function(*args, **kwargs)

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        return partial(self, obj)

    def __repr__(self):
        return "<function %s>" % getattr(self, "__qualname__", getattr(self, "__name__", "?"))


def update_wrapper(wrapper, wrapped, assigned=WRAPPER_ASSIGNMENTS, updated=WRAPPER_UPDATES):
    """Make wrapper look like wrapped (name, doc, __wrapped__), as far as the wrapper allows."""
    try:
        wrapper.__wrapped__ = wrapped
    except AttributeError:
        pass
    # A closure ignores the assignment without an error, so check that it took.
    if getattr(wrapper, "__wrapped__", None) is not wrapped:
        wrapper = _Wrapper(wrapper)
        wrapper.__wrapped__ = wrapped
    for name in assigned:
        value = getattr(wrapped, name, _MISSING)
        if name == "__qualname__" and value is _MISSING:
            value = getattr(wrapped, "__name__", _MISSING)
        if value is not _MISSING:
            try:
                setattr(wrapper, name, value)
            except AttributeError:
                pass
    for name in updated:
        target = getattr(wrapper, name, None)
        source = getattr(wrapped, name, None)
        if isinstance(target, dict) and isinstance(source, dict):
            for key in source:
                if key not in target:
                    target[key] = source[key]
    return wrapper


def wraps(wrapped, assigned=WRAPPER_ASSIGNMENTS, updated=WRAPPER_UPDATES):
    """Decorator form of update_wrapper."""

    def decorate(wrapper):
        return update_wrapper(wrapper, wrapped, assigned, updated)

    return decorate


_CacheInfo = None


def _cache_info_type():
    global _CacheInfo
    if _CacheInfo is None:
        from collections import namedtuple

        _CacheInfo = namedtuple("CacheInfo", ["hits", "misses", "maxsize", "currsize"])
    return _CacheInfo


class _KeywordMark:
    """Separates positional arguments from keyword ones inside a cache key."""

    def __repr__(self):
        return "<kwd_mark>"


_KWD_MARK = _KeywordMark()


def _make_key(args, kwds, typed):
    key = args
    if kwds:
        key += (_KWD_MARK,)
        for item in kwds.items():
            key += item
    if typed:
        key += tuple([type(value) for value in args])
        if kwds:
            key += tuple([type(value) for value in kwds.values()])
    elif len(key) == 1 and type(key[0]) in (int, str):
        return key[0]
    return key


class _LruCacheWrapper:
    """A function with a bounded memo of its results, least recently used evicted first."""

    def __init__(self, function, maxsize, typed):
        self.__wrapped__ = function
        self._maxsize = maxsize
        self._typed = typed
        self._reset()
        for name in WRAPPER_ASSIGNMENTS:
            value = getattr(function, name, _MISSING)
            if name == "__qualname__" and value is _MISSING:
                value = getattr(function, "__name__", _MISSING)
            if value is not _MISSING:
                setattr(self, name, value)

    def _reset(self):
        self._cache = {}
        # A circular doubly linked list of [previous, next, key, result]; _root is the sentinel.
        root = [None, None, None, None]
        root[0] = root[1] = root
        self._root = root
        self._hits = 0
        self._misses = 0

    def __call__(self, *args, **kwargs):
        maxsize = self._maxsize
        if maxsize == 0:
            self._misses += 1
            return self.__wrapped__(*args, **kwargs)
        key = _make_key(args, kwargs, self._typed)
        cache = self._cache
        link = cache.get(key)
        if link is not None:
            self._hits += 1
            if maxsize is not None:
                self._move_to_front(link)
            return link[3]
        self._misses += 1
        result = self.__wrapped__(*args, **kwargs)
        if key in cache:  # the call itself filled the key (recursion)
            return result
        root = self._root
        if maxsize is not None and len(cache) >= maxsize:
            oldest = root[1]
            del cache[oldest[2]]
            root[1] = oldest[1]
            oldest[1][0] = root
        newest = [root[0], root, key, result]
        root[0][1] = newest
        root[0] = newest
        cache[key] = newest
        return result

    def _move_to_front(self, link):
        root = self._root
        link[0][1] = link[1]
        link[1][0] = link[0]
        link[0] = root[0]
        link[1] = root
        root[0][1] = link
        root[0] = link

    def cache_info(self):
        return _cache_info_type()(self._hits, self._misses, self._maxsize, len(self._cache))

    def cache_clear(self):
        self._reset()

    def cache_parameters(self):
        return {"maxsize": self._maxsize, "typed": self._typed}

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        return partial(self, obj)

    def __repr__(self):
        return "<functools._lru_cache_wrapper object at 0x%x>" % id(self)


def lru_cache(maxsize=128, typed=False):
    """Memoize a function; usable as @lru_cache, @lru_cache() and @lru_cache(maxsize=...)."""
    if isinstance(maxsize, int) and not isinstance(maxsize, bool):
        if maxsize < 0:
            maxsize = 0
    elif callable(maxsize) and isinstance(typed, bool):
        return _LruCacheWrapper(maxsize, 128, typed)
    elif maxsize is not None:
        raise TypeError("Expected first argument to be an integer, a callable, or None")

    def decorate(function):
        return _LruCacheWrapper(function, maxsize, typed)

    return decorate


def cache(function):
    """Unbounded memo: lru_cache(maxsize=None)."""
    return _LruCacheWrapper(function, None, False)


def cmp_to_key(mycmp):
    """Turn an old-style cmp(a, b) function into a key= function."""

    class K:
        __slots__ = ("obj",)

        def __init__(self, obj):
            self.obj = obj

        def __lt__(self, other):
            return mycmp(self.obj, other.obj) < 0

        def __gt__(self, other):
            return mycmp(self.obj, other.obj) > 0

        def __eq__(self, other):
            return mycmp(self.obj, other.obj) == 0

        def __le__(self, other):
            return mycmp(self.obj, other.obj) <= 0

        def __ge__(self, other):
            return mycmp(self.obj, other.obj) >= 0

        __hash__ = None

    return K


def _defined(cls, name):
    """True when cls (or a base other than object) defines the comparison `name`."""
    method = getattr(cls, name, None)
    return method is not None and method is not getattr(object, name, None)


def _not(result):
    return result if result is NotImplemented else not result


def _or_equal(result, self, other):
    return result if result is NotImplemented else (result or self == other)


def _and_not_equal(result, self, other):
    return result if result is NotImplemented else (result and self != other)


def _not_and_not_equal(result, self, other):
    return result if result is NotImplemented else (not result and self != other)


def _not_or_equal(result, self, other):
    return result if result is NotImplemented else (not result or self == other)


def total_ordering(cls):
    """Fill in the missing rich comparisons from __eq__ and one of __lt__, __le__, __gt__, __ge__."""
    roots = [name for name in ("__lt__", "__le__", "__gt__", "__ge__") if _defined(cls, name)]
    if not roots:
        raise ValueError("must define at least one ordering operation: < > <= >=")
    root = roots[0]
    op = getattr(cls, root)
    if root == "__lt__":
        derived = {
            "__gt__": lambda self, other: _not_and_not_equal(op(self, other), self, other),
            "__le__": lambda self, other: _or_equal(op(self, other), self, other),
            "__ge__": lambda self, other: _not(op(self, other)),
        }
    elif root == "__le__":
        derived = {
            "__ge__": lambda self, other: _not_or_equal(op(self, other), self, other),
            "__lt__": lambda self, other: _and_not_equal(op(self, other), self, other),
            "__gt__": lambda self, other: _not(op(self, other)),
        }
    elif root == "__gt__":
        derived = {
            "__lt__": lambda self, other: _not_and_not_equal(op(self, other), self, other),
            "__ge__": lambda self, other: _or_equal(op(self, other), self, other),
            "__le__": lambda self, other: _not(op(self, other)),
        }
    else:
        derived = {
            "__le__": lambda self, other: _not_or_equal(op(self, other), self, other),
            "__gt__": lambda self, other: _and_not_equal(op(self, other), self, other),
            "__lt__": lambda self, other: _not(op(self, other)),
        }
    for name in derived:
        if name not in roots:
            setattr(cls, name, derived[name])
    return cls


class cached_property:
    """A property computed once per instance, then stored on the instance."""

    def __init__(self, func):
        self.func = func
        self.attrname = getattr(func, "__name__", None)
        self.__doc__ = getattr(func, "__doc__", None)

    def __set_name__(self, owner, name):
        self.attrname = name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = self.func(instance)
        # An instance attribute now shadows this descriptor, so the function runs once.
        setattr(instance, self.attrname, value)
        return value


def _bases_in_order(cls):
    """cls and its bases, nearest first (a breadth-first stand-in for the MRO)."""
    order = []
    queue = [cls]
    while queue:
        current = queue.pop(0)
        if current in order:
            continue
        order.append(current)
        # MicroPython's bool does not list int among its bases.
        queue.extend((int,) if current is bool else getattr(current, "__bases__", ()))
    if object not in order:
        order.append(object)
    else:
        order.remove(object)
        order.append(object)
    return order


class _SingleDispatch:
    """A generic function dispatching on the type of its first argument."""

    def __init__(self, function):
        self.registry = {object: function}
        self.__wrapped__ = function
        self.__name__ = getattr(function, "__name__", "singledispatch")

    def dispatch(self, cls):
        for base in _bases_in_order(cls):
            if base in self.registry:
                return self.registry[base]
        return self.registry[object]

    def register(self, cls, func=None):
        if func is not None:
            self.registry[cls] = func
            return func
        if isinstance(cls, type):

            def decorate(function):
                self.registry[cls] = function
                return function

            return decorate
        raise TypeError("register() needs a type in this sandbox: annotations are not available")

    def __call__(self, *args, **kwargs):
        if not args:
            raise TypeError("%s requires at least 1 positional argument" % self.__name__)
        return self.dispatch(type(args[0]))(*args, **kwargs)


def singledispatch(function):
    """Turn function into a generic function; add implementations with .register(type)."""
    return _SingleDispatch(function)
