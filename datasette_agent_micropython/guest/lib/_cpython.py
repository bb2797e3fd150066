# The facade that rewritten code (see transform.py on the host) reaches as the hidden global
# `__cp`: one import binds every helper, so a call site costs one attribute lookup.
_native_str = type("")
_native_float = float
import _format
from _format import ascii, format, fs1, fs2, fs3, fv, fv1, percent, round, str_format, str_format_map
from _order import dict_call, dict_from_pairs, iand, ior, list_sort, max, min, odict, sorted
from _order import repr as _order_repr

# Formatting walks lists, tuples and dicts itself (floats and strs inside them as CPython writes
# them); any other object is shown by the ordering module's repr.
_format.use_ordered_dict(odict)
_format.repr_of = _order_repr
# What an f-string field's value must be to reach fs1..fs3 unformatted: `x.__class__ in
# __cp.text_kinds` is the rewrite's inline test of a field that names a variable (a dict: its
# `in` is one hash lookup, cheaper than a tuple's comparisons).
text_kinds = {int: None, _native_str: None}


def __getattr__(name):
    # The str methods (s_title, str_maketrans, ...) load on the first use of one. MicroPython
    # interns every name a loaded module holds, and each time C code makes a str (json.loads, re,
    # split) it searches the interned strings one by one: a session that never calls one of
    # these methods is spared their hundred-odd names.
    import _strmethods

    value = getattr(_strmethods, name)
    globals()[name] = value
    return value


# MicroPython has no format() builtin at all: guest library modules (enum, datetime...) call it in
# their __format__ methods, and untransformed code may too.
import builtins

builtins.format = format
_native_print = print
_native_type = type
_native_exec = exec
_native_eval = eval
_native_dict = {}.__class__


def type(value, *class_parts):
    # The ordered dict is a subclass of the native one; `type(d) is dict` must still hold.
    if class_parts:
        # type(name, bases, namespace): MicroPython takes only a native dict as the namespace.
        bases, namespace = class_parts
        return _native_type(value, bases, _plain_namespace(namespace))
    kind = _native_type(value)
    return _native_dict if kind is odict else kind


def repr(value):
    return _format._repr(value)


# str(x) with one positional argument: the rewrite calls this directly, as often as a loop runs
# (`[str(i) * 10 for i in range(50000)]`), so its own cost counts. An int (not a bool, which is
# its own type here) or a str reads the same in both, without the walk of _format._text. Its
# defaults are what it reads (fast locals, not module lookups), and `__class__` is read without a
# call; MicroPython answers it from the object's type, whatever the class defines.
def str1(value, _int=int, _str=_native_str, _text=_format._text):
    kind = value.__class__
    if kind is _int:
        return _str(value)
    if kind is _str:
        return value
    return _text(value)


# float(text): MicroPython reads text of 20 digits or more a little off (see _float_text); text
# of at most 20 characters has fewer, and everything else is MicroPython's own float().
def float(value=0.0, _float=_native_float, _str=_native_str):
    if value.__class__ is _str and len(value) > 20:
        from _float_text import float_of_text

        return float_of_text(value)
    return _float(value)


def str(*args, **kwargs):
    if len(args) == 1 and not kwargs:
        return str1(args[0])
    return _native_str(*args, **kwargs)


def print(*args, **kwargs):
    # Each argument as CPython's str() shows it; MicroPython's print does the rest.
    text = _format._text
    _native_print(*[text(arg) for arg in args], **kwargs)


def s_format(template, *args, **kwargs):
    if _native_type(template) is not _native_str:
        return template.format(*args, **kwargs)
    return str_format(template, *args, **kwargs)


def s_format_map(template, *args, **kwargs):
    if _native_type(template) is not _native_str:
        return template.format_map(*args, **kwargs)
    return str_format_map(template, *args, **kwargs)


def pairs(mapping):
    # The (key, value) pairs that `**mapping` contributes to a dict display, in its own order.
    items = getattr(mapping, "items", None)
    if items is None or getattr(mapping, "keys", None) is None:
        raise TypeError("'" + _native_type(mapping).__name__ + "' object is not a mapping")
    return [(key, mapping[key]) for key in mapping.keys()]


def star_list(*segments):
    # A PEP 448 list display: each segment is an iterable, starred or a run of plain items.
    out = []
    for segment in segments:
        out.extend(segment)
    return out


def star_tuple(*segments):
    return tuple(star_list(*segments))


def star_set(*segments):
    return set(star_list(*segments))


def sl(obj, start, stop, step):
    # obj[start:stop:step]; MicroPython slices a str (or bytes) only with step 1.
    kind = _native_type(obj)
    if kind is not _native_str and kind is not bytes:
        return obj[start:stop:step]
    if step is None or step == 1:
        return obj[start:stop]
    if step == 0:
        raise ValueError("slice step cannot be zero")
    picked = list(obj)[start:stop:step]
    return "".join(picked) if kind is _native_str else bytes(picked)


def _plain_namespace(namespace):
    # MicroPython's type(), exec() and eval() take only a native dict as a namespace.
    return {key: namespace[key] for key in namespace} if isinstance(namespace, odict) else namespace


def _run_in(run, source, namespace, local_namespace):
    plain = _plain_namespace(namespace)
    plain_locals = plain if local_namespace is None else _plain_namespace(local_namespace)
    try:
        return run(source, plain, plain_locals)
    finally:
        # The ordered namespace sees what the code defined, in the order the code defined it.
        for given, used in ((namespace, plain), (local_namespace, plain_locals)):
            if given is not used and given is not None:
                for key in [key for key in given if key not in used]:
                    del given[key]
                for key in used:
                    given[key] = used[key]


def exec(source, namespace, local_namespace=None):
    _run_in(_native_exec, source, namespace, local_namespace)


def eval(source, namespace, local_namespace=None):
    return _run_in(_native_eval, source, namespace, local_namespace)


class Reflected:
    """The base the rewrite gives a class that defines some of < > <= >= but not their mirrors:
    each missing one asks the other operand's mirror, as CPython does (MicroPython never does)."""

    def __lt__(self, other):
        return _reflect(self, other, "__gt__", "<")

    def __gt__(self, other):
        return _reflect(self, other, "__lt__", ">")

    def __le__(self, other):
        return _reflect(self, other, "__ge__", "<=")

    def __ge__(self, other):
        return _reflect(self, other, "__le__", ">=")


def _reflect(left, right, mirror, symbol):
    method = getattr(_native_type(right), mirror, None)
    if method is not None and method is not getattr(Reflected, mirror):
        result = method(right, left)
        if result is not NotImplemented:
            return result
    raise TypeError(
        "'%s' not supported between instances of '%s' and '%s'"
        % (symbol, _native_type(left).__name__, _native_type(right).__name__)
    )
