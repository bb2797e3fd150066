"""dataclasses for the sandbox: @dataclass, field, fields, asdict, astuple, replace.

MicroPython discards class annotations: `x: int = 0` in a class body only binds x, and `y: int`
leaves no trace at all. The fields therefore come from the class's `__annotations__` and their
order from `__annotation_order__`, which the host's class_records.py records (or, without it,
from the mapping's own order, e.g. make_dataclass's). A class whose annotations were not
recorded is refused with a clear error instead of being given the wrong fields.
"""

try:
    from _odict import odict as _ordered_dict
except ImportError:
    from collections import OrderedDict as _ordered_dict


class _MissingType:
    def __repr__(self):
        return "<dataclasses._MISSING_TYPE object>"


MISSING = _MissingType()


class FrozenInstanceError(AttributeError):
    pass


class InitVar:
    def __init__(self, type):
        self.type = type

    def __class_getitem__(cls, type):
        return InitVar(type)


class KW_ONLY:
    pass


_FIELD = "_FIELD"
_FIELD_CLASSVAR = "_FIELD_CLASSVAR"
_FIELD_INITVAR = "_FIELD_INITVAR"


class Field:
    """One field of a dataclass: its name, type, default and flags."""

    __slots__ = (
        "name",
        "type",
        "default",
        "default_factory",
        "repr",
        "hash",
        "init",
        "compare",
        "metadata",
        "kw_only",
        "_field_type",
    )

    def __init__(self, default, default_factory, init, repr, hash, compare, metadata, kw_only):
        self.name = None
        self.type = None
        self.default = default
        self.default_factory = default_factory
        self.init = init
        self.repr = repr
        self.hash = hash
        self.compare = compare
        self.metadata = {} if metadata is None else metadata
        self.kw_only = kw_only
        self._field_type = None

    def __repr__(self):
        return (
            "Field(name=%r,type=%r,default=%r,default_factory=%r,init=%r,repr=%r,hash=%r,"
            "compare=%r,metadata=%r,kw_only=%r,_field_type=%s)"
            % (
                self.name,
                self.type,
                self.default,
                self.default_factory,
                self.init,
                self.repr,
                self.hash,
                self.compare,
                self.metadata,
                self.kw_only,
                self._field_type,
            )
        )


def field(
    *,
    default=MISSING,
    default_factory=MISSING,
    init=True,
    repr=True,
    hash=None,
    compare=True,
    metadata=None,
    kw_only=MISSING,
):
    """Describe a field beyond its default: a factory, or leaving it out of init/repr/compare."""
    if default is not MISSING and default_factory is not MISSING:
        raise ValueError("cannot specify both default and default_factory")
    return Field(default, default_factory, init, repr, hash, compare, metadata, kw_only)


def _is_classvar(annotation):
    if isinstance(annotation, str):
        return annotation.startswith("ClassVar") or annotation.startswith("typing.ClassVar")
    return getattr(annotation, "_is_classvar", False)


def _own_annotations(cls):
    """(name, annotation) pairs of the class body, in definition order."""
    annotations = cls.__dict__.get("__annotations__")
    if annotations is None:
        # Without the recorded annotations the fields cannot be known: refuse, never guess.
        raise TypeError(
            "@dataclass cannot see the fields of %s: this interpreter discards class annotations "
            "and none were recorded for this class" % cls.__name__
        )
    order = cls.__dict__.get("__annotation_order__")
    names = [name for name in order if name in annotations] if order is not None else list(annotations)
    return [(name, annotations[name]) for name in names]


def _process_class(cls, init, repr, eq, order, unsafe_hash, frozen, match_args, kw_only):
    fields = _ordered_dict()
    for base in reversed(getattr(cls, "__bases__", ())):
        inherited = getattr(base, "__dataclass_fields__", None)
        if inherited is not None:
            for name in base.__dataclass_field_order__:
                fields[name] = inherited[name]

    keyword_only = kw_only
    for name, annotation in _own_annotations(cls):
        if annotation is KW_ONLY or annotation == "KW_ONLY" or annotation == "dataclasses.KW_ONLY":
            keyword_only = True
            continue
        default = cls.__dict__.get(name, MISSING)
        if isinstance(default, Field):
            spec = default
        else:
            spec = field(default=default)
        spec.name = name
        spec.type = annotation
        if spec.kw_only is MISSING:
            spec.kw_only = keyword_only
        if _is_classvar(annotation):
            spec._field_type = _FIELD_CLASSVAR
        elif isinstance(annotation, InitVar) or (isinstance(annotation, str) and annotation.startswith("InitVar")):
            spec._field_type = _FIELD_INITVAR
        else:
            spec._field_type = _FIELD
        if spec._field_type == _FIELD and isinstance(spec.default, (list, dict, set)):
            raise ValueError(
                "mutable default %r for field %s is not allowed: use default_factory" % (type(spec.default), name)
            )
        if isinstance(default, Field):
            if spec.default is MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, spec.default)
        if name in fields:
            del fields[name]
        fields[name] = spec

    cls.__dataclass_fields__ = fields
    cls.__dataclass_field_order__ = tuple([name for name in fields])
    cls.__dataclass_params__ = _Params(init, repr, eq, order, unsafe_hash, frozen)
    real = [f for f in _ordered_fields(cls) if f._field_type == _FIELD]
    if init:
        _check_default_order(cls)
        cls.__init__ = _make_init(cls)
    if repr:
        cls.__repr__ = _make_repr(real)
    if eq:
        cls.__eq__ = _make_eq([f.name for f in real if f.compare])
    if order:
        names = [f.name for f in real if f.compare]
        for op_name, op in (("__lt__", _lt), ("__le__", _le), ("__gt__", _gt), ("__ge__", _ge)):
            if op_name in cls.__dict__:
                raise TypeError(
                    "Cannot overwrite attribute %s in class %s. Consider using functools.total_ordering"
                    % (op_name, cls.__name__)
                )
            setattr(cls, op_name, _make_order(names, op))
    if frozen:
        cls.__setattr__ = _frozen_setattr
        cls.__delattr__ = _frozen_delattr
    hash_names = [f.name for f in real if (f.compare if f.hash is None else f.hash)]
    own_hash = "__hash__" in cls.__dict__
    if unsafe_hash or (eq and frozen):
        if own_hash and unsafe_hash:
            raise TypeError("Cannot overwrite attribute __hash__ in class %s" % cls.__name__)
        cls.__hash__ = _make_hash(hash_names)
    elif eq and not own_hash:
        cls.__hash__ = None
    if match_args and "__match_args__" not in cls.__dict__:
        cls.__match_args__ = tuple([f.name for f in real if f.init and not f.kw_only])
    return cls


class _Params:
    def __init__(self, init, repr, eq, order, unsafe_hash, frozen):
        self.init, self.repr, self.eq, self.order = init, repr, eq, order
        self.unsafe_hash, self.frozen = unsafe_hash, frozen


def _ordered_fields(cls):
    fields = cls.__dataclass_fields__
    return [fields[name] for name in cls.__dataclass_field_order__]


def _check_default_order(cls):
    seen_default = False
    for spec in _ordered_fields(cls):
        if spec._field_type == _FIELD_CLASSVAR or not spec.init or spec.kw_only:
            continue
        has_default = spec.default is not MISSING or spec.default_factory is not MISSING
        if has_default:
            seen_default = True
        elif seen_default:
            raise TypeError("non-default argument %r follows default argument" % spec.name)


def _qualname(cls):
    return getattr(cls, "__qualname__", cls.__name__)


def _missing_message(cls, names):
    quoted = ["'%s'" % name for name in names]
    if len(quoted) == 1:
        listed = quoted[0]
    elif len(quoted) == 2:
        listed = quoted[0] + " and " + quoted[1]
    else:
        listed = ", ".join(quoted[:-1]) + ", and " + quoted[-1]
    plural = "argument" if len(names) == 1 else "arguments"
    return "%s.__init__() missing %d required positional %s: %s" % (_qualname(cls), len(names), plural, listed)


def _make_init(cls):
    specs = [f for f in _ordered_fields(cls) if f._field_type != _FIELD_CLASSVAR and f.init]
    positional = [f for f in specs if not f.kw_only]
    keyword = [f for f in specs if f.kw_only]
    by_name = {}
    for spec in specs:
        by_name[spec.name] = spec
    not_init = [f for f in _ordered_fields(cls) if f._field_type == _FIELD and not f.init]
    initvars = [f.name for f in specs if f._field_type == _FIELD_INITVAR]
    frozen = cls.__dataclass_params__.frozen

    required = len([f for f in positional if f.default is MISSING and f.default_factory is MISSING])

    def __init__(self, *args, **kwargs):
        if len(args) > len(positional):
            if required < len(positional):
                takes = "from %d to %d positional arguments" % (required + 1, len(positional) + 1)
            else:
                takes = "%d positional argument%s" % (len(positional) + 1, "s" if positional else "")
            raise TypeError("%s.__init__() takes %s but %d were given" % (_qualname(type(self)), takes, len(args) + 1))
        values = {}
        for spec, value in zip(positional, args):
            values[spec.name] = value
        for name in kwargs:
            spec = by_name.get(name)
            if spec is None:
                raise TypeError("%s.__init__() got an unexpected keyword argument '%s'" % (_qualname(type(self)), name))
            if name in values:
                raise TypeError("%s.__init__() got multiple values for argument '%s'" % (_qualname(type(self)), name))
            values[name] = kwargs[name]
        missing = []
        for spec in positional + keyword:
            if spec.name in values:
                continue
            if spec.default is not MISSING:
                values[spec.name] = spec.default
            elif spec.default_factory is not MISSING:
                values[spec.name] = spec.default_factory()
            else:
                missing.append(spec.name)
        if missing:
            raise TypeError(_missing_message(type(self), missing))
        setter = object.__setattr__ if frozen else setattr
        for spec in specs:
            if spec._field_type == _FIELD:
                setter(self, spec.name, values[spec.name])
        for spec in not_init:
            if spec.default_factory is not MISSING:
                setter(self, spec.name, spec.default_factory())
            elif spec.default is not MISSING:
                setter(self, spec.name, spec.default)
        post_init = getattr(self, "__post_init__", None)
        if post_init is not None:
            post_init(*[values[name] for name in initvars])

    return __init__


_repr_running = set()


def _make_repr(specs):
    names = [f.name for f in specs if f.repr]

    def __repr__(self):
        key = id(self)
        if key in _repr_running:
            return "..."
        _repr_running.add(key)
        try:
            parts = ["%s=%r" % (name, getattr(self, name)) for name in names]
        finally:
            _repr_running.discard(key)
        return "%s(%s)" % (_qualname(type(self)), ", ".join(parts))

    return __repr__


def _values(obj, names):
    return tuple([getattr(obj, name) for name in names])


def _make_eq(names):
    def __eq__(self, other):
        if other.__class__ is self.__class__:
            return _values(self, names) == _values(other, names)
        return NotImplemented

    return __eq__


def _lt(a, b):
    return a < b


def _le(a, b):
    return a <= b


def _gt(a, b):
    return a > b


def _ge(a, b):
    return a >= b


def _make_order(names, op):
    def compare(self, other):
        if other.__class__ is self.__class__:
            return op(_values(self, names), _values(other, names))
        raise TypeError(
            "'%s' not supported between instances of '%s' and '%s'"
            % (_OP_SYMBOLS[op], type(self).__name__, type(other).__name__)
        )

    return compare


_OP_SYMBOLS = {_lt: "<", _le: "<=", _gt: ">", _ge: ">="}


def _make_hash(names):
    def __hash__(self):
        return hash(_values(self, names))

    return __hash__


def _frozen_setattr(self, name, value):
    if name in type(self).__dataclass_fields__:
        raise FrozenInstanceError("cannot assign to field '%s'" % name)
    object.__setattr__(self, name, value)


def _frozen_delattr(self, name):
    if name in type(self).__dataclass_fields__:
        raise FrozenInstanceError("cannot delete field '%s'" % name)
    object.__delattr__(self, name)


def dataclass(
    cls=None,
    *,
    init=True,
    repr=True,
    eq=True,
    order=False,
    unsafe_hash=False,
    frozen=False,
    match_args=True,
    kw_only=False,
    slots=False,
    weakref_slot=False,
):
    """Add __init__, __repr__, __eq__ (and optionally ordering, hashing, freezing) from the fields."""
    if order and not eq:
        raise ValueError("eq must be true if order is true")

    def wrap(cls):
        return _process_class(cls, init, repr, eq, order, unsafe_hash, frozen, match_args, kw_only)

    if cls is None:
        return wrap
    return wrap(cls)


def is_dataclass(obj):
    """True for a dataclass or an instance of one."""
    cls = obj if isinstance(obj, type) else type(obj)
    return hasattr(cls, "__dataclass_fields__")


def fields(class_or_instance):
    """The fields (not class or init-only variables), in definition order."""
    cls = class_or_instance if isinstance(class_or_instance, type) else type(class_or_instance)
    if not hasattr(cls, "__dataclass_fields__"):
        raise TypeError("must be called with a dataclass type or instance")
    return tuple([f for f in _ordered_fields(cls) if f._field_type == _FIELD])


def _is_dataclass_instance(obj):
    return not isinstance(obj, type) and hasattr(type(obj), "__dataclass_fields__")


def asdict(obj, *, dict_factory=None):
    """The instance as nested dicts, recursing into dataclasses, lists, tuples and dicts."""
    if not _is_dataclass_instance(obj):
        raise TypeError("asdict() should be called on dataclass instances")
    return _convert(obj, dict_factory, True)


def astuple(obj, *, tuple_factory=tuple):
    """The instance as nested tuples."""
    if not _is_dataclass_instance(obj):
        raise TypeError("astuple() should be called on dataclass instances")
    return _convert(obj, tuple_factory, False)


def _convert(obj, factory, as_dict):
    if _is_dataclass_instance(obj):
        pairs = [(f.name, _convert(getattr(obj, f.name), factory, as_dict)) for f in fields(obj)]
        if as_dict:
            if factory is None:
                made = _ordered_dict()
                for name, value in pairs:
                    made[name] = value
                return made
            return factory(pairs)
        return factory([value for _, value in pairs])
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*[_convert(value, factory, as_dict) for value in obj])
    if isinstance(obj, (list, tuple)):
        return type(obj)([_convert(value, factory, as_dict) for value in obj])
    if isinstance(obj, dict):
        made = type(obj)()
        for key in obj:
            made[_convert(key, factory, as_dict)] = _convert(obj[key], factory, as_dict)
        return made
    if hasattr(obj, "__deepcopy__") or isinstance(obj, (set, bytearray)):
        import copy

        return copy.deepcopy(obj)
    return obj


def replace(obj, **changes):
    """A new instance like obj with some fields changed."""
    if not _is_dataclass_instance(obj):
        raise TypeError("replace() should be called on dataclass instances")
    for spec in _ordered_fields(type(obj)):
        if spec._field_type == _FIELD_CLASSVAR:
            continue
        if not spec.init:
            if spec.name in changes:
                raise ValueError(
                    "field %s is declared with init=False, it cannot be specified with replace()" % spec.name
                )
            continue
        if spec.name not in changes:
            if spec._field_type == _FIELD_INITVAR and spec.default is MISSING:
                raise ValueError("InitVar %r must be specified with replace()" % spec.name)
            if spec._field_type == _FIELD:
                changes[spec.name] = getattr(obj, spec.name)
    return type(obj)(**changes)


def make_dataclass(cls_name, fields, *, bases=(), namespace=None, **options):
    """Build a dataclass from (name, type[, field]) specs; order is kept because it is explicit."""
    annotations = _ordered_dict()
    body = dict(namespace or {})
    for item in fields:
        if isinstance(item, str):
            annotations[item] = "typing.Any"
        elif len(item) == 2:
            annotations[item[0]] = item[1]
        else:
            annotations[item[0]] = item[1]
            body[item[0]] = item[2]
    body["__annotations__"] = annotations
    return dataclass(type(cls_name, tuple(bases), body), **options)
