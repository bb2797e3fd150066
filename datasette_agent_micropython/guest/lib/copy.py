"""copy for the sandbox: shallow and deep copies, honouring __copy__ and __deepcopy__."""


class Error(Exception):
    pass


error = Error

_ATOMIC = (
    type(None),
    int,
    float,
    bool,
    complex,
    str,
    bytes,
    type,
    range,
    type(len),
    type(lambda: 0),
    type(Ellipsis),
    type(NotImplemented),
)


def copy(x):
    """A shallow copy: a new container holding the same items."""
    if isinstance(x, _ATOMIC):
        return x
    method = getattr(x, "__copy__", None)
    if method is not None and not isinstance(x, type):
        return method()
    if isinstance(x, tuple) or isinstance(x, frozenset):
        return x
    if isinstance(x, list):
        return type(x)(x) if type(x) is not list else x[:]
    if isinstance(x, dict):
        if type(x) is dict:
            return x.copy()
        made = _blank_like(x)
        for key in x:
            made[key] = x[key]
        return made
    if isinstance(x, set):
        return x.copy() if type(x) is set else type(x)(x)
    if isinstance(x, bytearray):
        return bytearray(x)
    return _copy_instance(x, None)


_NOTHING = object()


def _blank_like(x):
    factory = getattr(x, "default_factory", _NOTHING)
    if factory is not _NOTHING:
        return type(x)(factory)
    return type(x)()


def _instance_state(x):
    try:
        return x.__dict__
    except AttributeError:
        raise Error("un(deep)copyable object of type %s" % type(x))


def _copy_instance(x, memo):
    state = _instance_state(x)
    cls = type(x)
    made = object.__new__(cls)
    if memo is not None:
        memo[id(x)] = made
    for key in list(state):
        value = state[key]
        object.__setattr__(made, key, value if memo is None else deepcopy(value, memo))
    return made


def deepcopy(x, memo=None, _nil=None):
    """A deep copy: containers and instances copied all the way down, shared parts kept shared."""
    if memo is None:
        memo = {}
    key = id(x)
    found = memo.get(key, _NOTHING)
    if found is not _NOTHING:
        return found
    if isinstance(x, _ATOMIC):
        return x
    method = getattr(x, "__deepcopy__", None)
    if method is not None and not isinstance(x, type):
        made = method(memo)
    elif isinstance(x, list):
        made = [] if type(x) is list else type(x)()
        memo[key] = made
        for item in x:
            made.append(deepcopy(item, memo))
    elif isinstance(x, tuple):
        items = [deepcopy(item, memo) for item in x]
        found = memo.get(key, _NOTHING)
        if found is not _NOTHING:  # the tuple holds itself through a mutable part
            return found
        if all(a is b for a, b in zip(items, x)):
            made = x
        elif hasattr(x, "_make"):
            made = type(x)._make(items)
        else:
            made = tuple(items)
    elif isinstance(x, dict):
        made = {} if type(x) is dict else _blank_like(x)
        memo[key] = made
        for k in list(x):
            made[deepcopy(k, memo)] = deepcopy(x[k], memo)
    elif isinstance(x, (set, frozenset)):
        made = type(x)([deepcopy(item, memo) for item in x])
    elif isinstance(x, bytearray):
        made = bytearray(x)
    elif hasattr(x, "__dict__") and not callable(x):
        return _copy_instance(x, memo)
    else:
        return x
    memo[key] = made
    _keep_alive(x, memo)
    return made


def _keep_alive(x, memo):
    """Hold x in the memo, so that its id is not reused by another object during the copy."""
    try:
        memo[id(memo)].append(x)
    except KeyError:
        memo[id(memo)] = [x]


def replace(obj, **changes):
    """copy.replace (3.13): a copy of a dataclass or namedtuple with some fields changed."""
    if hasattr(obj, "_replace"):
        return obj._replace(**changes)
    if hasattr(type(obj), "__dataclass_fields__"):
        import dataclasses

        return dataclasses.replace(obj, **changes)
    raise TypeError("replace() does not support %s objects" % type(obj).__name__)
