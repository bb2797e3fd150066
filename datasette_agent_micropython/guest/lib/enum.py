"""enum for the sandbox: Enum, IntEnum, StrEnum, Flag, IntFlag, auto, unique.

MicroPython ignores `metaclass=` and cannot subclass a class whose type is not `type`, so this
module wraps builtins.__build_class__ when it is imported: a class statement with an enum base
is built as usual, then rebuilt from its namespace with a metaclass of its own that gives the
class iteration, len, `in`, Color[name] and Color(value).

Because an enum class is a metaclass instance wrapping the real class, MicroPython's isinstance
and issubclass refuse it: this module also wraps those two builtins. `type(Color.RED) is Color`
stays False (type() gives the real class inside), and methods that use zero-argument super()
in an enum body see the class statement's first build.

Definition order: MicroPython's class namespace is a hash-ordered dict, so the order of the
members is taken, in this preference, from `_order_`, from the `__definition_order__` that the
host's class_records.py records, from auto() (each auto() knows when it was made), and otherwise
from the interning order of the member names. Identifiers are interned when the snippet is
compiled, in source order, so this is the definition order unless a member's name was already
interned before the class was compiled (a name used by an earlier snippet, or one of
MicroPython's built-in names such as `name`, `value`, `read`).
"""

import builtins

_NOTHING = object()
_auto_made = [0]


class auto:
    """A member value chosen for you: the next integer, the next bit for Flag, the name for StrEnum."""

    def __init__(self, value=_NOTHING):
        self.value = value
        _auto_made[0] += 1
        self._made = _auto_made[0]

    def __repr__(self):
        return "auto(%r)" % (self.value,) if self.value is not _NOTHING else "auto()"


_DESCRIPTORS = ("function", "closure", "bound_method", "classmethod", "staticmethod", "property", "_EnumClassMethod")


def _is_descriptor(value):
    return type(value).__name__ in _DESCRIPTORS


def _member_names(namespace):
    names = []
    for key in namespace:
        if key[:1] == "_" or _is_descriptor(namespace[key]):
            continue
        names.append(key)
    return names


def _ordered(names, namespace):
    order = namespace.get("_order_")
    if order is None:
        order = namespace.get("__definition_order__")
    if order is not None:
        if isinstance(order, str):
            order = order.replace(",", " ").split()
        listed = [name for name in order if name in names]
        return listed + [name for name in names if name not in listed]
    if names and all(isinstance(namespace[name], auto) for name in names):
        return sorted(names, key=lambda name: namespace[name]._made)
    return sorted(names, key=id)


class EnumType(type):
    """The metaclass of every enum class (each enum gets its own subclass of it)."""

    def __iter__(cls):
        return iter(cls._member_list_)

    def __reversed__(cls):
        return reversed(cls._member_list_)

    def __len__(cls):
        return len(cls._member_list_)

    def __bool__(cls):
        return True

    def __contains__(cls, value):
        if type(value) is cls._native_:
            return True
        try:
            return value in cls._value2member_map_
        except TypeError:
            return any(member._value_ == value for member in cls._member_list_)

    def __getitem__(cls, name):
        return cls._member_map_[name]

    def __repr__(cls):
        kind = "flag" if issubclass(cls._native_, Flag) else "enum"
        return "<%s %r>" % (kind, cls.__name__)

    __str__ = __repr__


EnumMeta = EnumType


def _lookup(cls, value=_NOTHING, *args, **kwargs):
    """Color(value): the member with that value (members are never made again)."""
    if value is _NOTHING or args or kwargs:
        raise TypeError("%s() takes a single value" % cls.__name__)
    if type(value) is cls._native_:
        return value
    try:
        return cls._value2member_map_[value]
    except (KeyError, TypeError):
        pass
    for member in cls._member_list_:
        if member._value_ == value:
            return member
    if issubclass(cls._native_, Flag) and isinstance(value, int):
        return cls._compose_(value)
    missing = getattr(cls, "_missing_", None)
    if missing is not None:
        found = missing(value)
        if found is not None:
            if type(found) is not cls._native_:
                raise TypeError(
                    "error in %s._missing_: returned %r instead of None or a valid member" % (cls.__name__, found)
                )
            return found
    raise ValueError("%r is not a valid %s" % (value, cls._native_.__name__))


def _data_type(bases):
    for base in bases:
        for native in (int, str, float):
            if base is native or (isinstance(base, type) and issubclass(base, native)):
                return native
    return None


def _natives_last(bases, data_type):
    """The bases with the enum ones first: MicroPython looks a special method up base by base
    and stops at the first native type, whose own repr and comparisons would win."""
    if data_type is None:
        return bases
    enums = [base for base in bases if issubclass(base, Enum)]
    natives = [base for base in bases if not issubclass(base, Enum)]
    front = [_IntOperations] if data_type is int and not any(issubclass(b, _IntOperations) for b in enums) else []
    return tuple(front + enums + natives)


def _next_value(cls_kind, generate, name, start, count, last_values):
    if generate is not None:
        return generate(name, start, count, last_values[:])
    if cls_kind is str:
        return name.lower()
    if cls_kind is Flag:
        highest = 0
        for value in last_values:
            if isinstance(value, int) and value > highest:
                highest = value
        bit = 1
        while bit <= highest:
            bit <<= 1
        return bit
    for value in reversed(last_values):
        try:
            return value + 1
        except TypeError:
            pass
    return start


def _build_enum(plain, name, bases):
    """Rebuild the class statement's result `plain` as an enum class with its members."""
    namespace = {}
    for key in plain.__dict__:
        namespace[key] = plain.__dict__[key]
    names = _ordered(_member_names(namespace), namespace)
    if not names:
        return plain  # a base for other enums: it stays a plain class so that it can be subclassed
    for base in bases:
        if issubclass(type(base), EnumType):
            raise TypeError("<enum %r> cannot extend <enum %r>" % (name, base.__name__))
    data_type = _data_type(bases)
    is_flag = any(isinstance(base, type) and issubclass(base, Flag) for base in bases)
    is_str = any(isinstance(base, type) and issubclass(base, StrEnum) for base in bases)
    kind = Flag if is_flag else (str if is_str else None)
    generate = namespace.get("_generate_next_value_")
    if generate is not None and type(generate).__name__ == "staticmethod":
        generate = plain._generate_next_value_
    user_init = namespace.get("__init__")
    values = []
    last_values = []
    for index, member_name in enumerate(names):
        value = namespace.pop(member_name)
        if isinstance(value, auto):
            value = (
                value.value
                if value.value is not _NOTHING
                else _next_value(kind, generate, member_name, 1, index, last_values)
            )
        values.append(value)
        last_values.append(value)
    namespace["__init__"] = _quiet_init
    namespace.pop("__dict__", None)
    meta = type("EnumType", (EnumType,), {})
    cls = meta(name, _natives_last(bases, data_type), namespace)
    native = None
    member_map = _new_odict()
    value_map = {}
    member_list = []
    for member_name, value in zip(names, values):
        canonical = None
        try:
            canonical = value_map.get(value)
        except TypeError:
            for existing in member_list:
                if existing._value_ == value:
                    canonical = existing
        if canonical is None:
            args = value if isinstance(value, tuple) else (value,)
            if data_type is None:
                member = cls()
            else:
                member = cls(*args)
            if native is None:
                native = type(member)
                native._enum_class_ = cls
            if user_init is not None:
                user_init(member, *args)
            member._name_ = member_name
            member._value_ = value if data_type is None else data_type(*args)
            member._sort_order_ = len(member_list)
            member_list.append(member)
            try:
                value_map[value] = member
            except TypeError:
                pass
            canonical = member
        member_map[member_name] = canonical
        setattr(native, member_name, canonical)
    # Attributes set on the metaclass instance `cls` would be invisible from type(member), the
    # real class MicroPython keeps inside it; set on that real class, both see them.
    native._native_ = native
    native._member_list_ = member_list
    native._member_names_ = [member._name_ for member in member_list]
    native._member_map_ = member_map
    native.__members__ = member_map
    native._value2member_map_ = value_map
    for key in namespace:
        if isinstance(namespace[key], _EnumClassMethod):
            namespace[key].owner = cls
    meta.__call__ = _lookup
    native.__new__ = _lookup_from_real_class
    return cls


def _lookup_from_real_class(real, *args, **kwargs):
    return _lookup(real._enum_class_, *args, **kwargs)


def _new_odict():
    try:
        from _odict import odict

        return odict()
    except ImportError:
        return {}


def _quiet_init(self, *args, **kwargs):
    """Members are made once, by the class statement; Color(value) only looks them up."""


_previous_build_class = builtins.__build_class__
_builtin_isinstance = builtins.isinstance
_builtin_issubclass = builtins.issubclass


class _EnumClassMethod:
    """A classmethod of an enum body: it gets the enum class, which iterates and subscripts,
    instead of the real class inside it, which does neither."""

    def __init__(self, function):
        self.function = function
        self.owner = None

    def __get__(self, instance, owner=None):
        function, enum_class = self.function, self.owner
        return lambda *args, **kwargs: function(enum_class, *args, **kwargs)

    def __call__(self, *args, **kwargs):
        # Reached through the enum class, MicroPython hands out the object itself.
        return self.function(self.owner, *args, **kwargs)


def _build_class(body, name, *bases, **kwargs):
    for base in bases:
        if _builtin_isinstance(base, type) and _builtin_issubclass(base, Enum):
            break
    else:
        return _previous_build_class(body, name, *bases, **kwargs)
    builtin_classmethod = builtins.classmethod
    builtins.classmethod = _EnumClassMethod
    try:
        plain = _previous_build_class(body, name, *bases, **kwargs)
    finally:
        builtins.classmethod = builtin_classmethod
    return _build_enum(plain, name, bases)


class Enum:
    """Base of enumerations: a fixed set of named members with values."""

    @property
    def name(self):
        return self._name_

    @property
    def value(self):
        return self._value_

    def __repr__(self):
        return "<%s.%s: %r>" % (type(self).__name__, self._name_, self._value_)

    def __str__(self):
        return "%s.%s" % (type(self).__name__, self._name_)

    def __format__(self, spec):
        return format(str(self), spec)

    def __hash__(self):
        return hash(self._name_)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __reduce_ex__(self, protocol):
        return type(self), (self._value_,)


class ReprEnum(Enum):
    """An enum whose str() and format() are its value's (IntEnum, StrEnum)."""

    def __str__(self):
        return str(self._value_)

    def __format__(self, spec):
        return format(self._value_, spec)


def _plain(value):
    """An enum member's value, anything else unchanged: MicroPython's int operations refuse an
    int-subclass instance on their right-hand side."""
    return value._value_ if isinstance(value, Enum) else value


class _IntOperations:
    """The int operators for int-valued members, applied to their plain values."""

    def __eq__(self, other):
        return self._value_ == _plain(other)

    def __ne__(self, other):
        return self._value_ != _plain(other)

    def __lt__(self, other):
        return self._value_ < _plain(other)

    def __le__(self, other):
        return self._value_ <= _plain(other)

    def __gt__(self, other):
        return self._value_ > _plain(other)

    def __ge__(self, other):
        return self._value_ >= _plain(other)

    def __hash__(self):
        return hash(self._value_)

    def __add__(self, other):
        return self._value_ + _plain(other)

    def __sub__(self, other):
        return self._value_ - _plain(other)

    def __mul__(self, other):
        return self._value_ * _plain(other)

    def __truediv__(self, other):
        return self._value_ / _plain(other)

    def __floordiv__(self, other):
        return self._value_ // _plain(other)

    def __mod__(self, other):
        return self._value_ % _plain(other)

    def __pow__(self, other):
        return self._value_ ** _plain(other)

    def __neg__(self):
        return -self._value_

    def __abs__(self):
        return abs(self._value_)

    def __int__(self):
        return self._value_

    def __index__(self):
        return self._value_

    def __float__(self):
        return float(self._value_)


class IntEnum(_IntOperations, ReprEnum, int):
    """Members are ints too: they compare and compute as their values."""


class StrEnum(ReprEnum, str):
    """Members are strs too; auto() gives the lower-cased member name."""

    def __hash__(self):
        return hash(self._value_)


class Flag(Enum):
    """Members are bits that combine with | & ^ ~."""

    @classmethod
    def _compose_(cls, value):
        known = 0
        for member in cls._member_list_:
            known |= member._value_
        if value & ~known:
            raise ValueError("%r is not a valid %s" % (value, cls.__name__))
        pseudo = cls._value2member_map_.get(value)
        if pseudo is not None:
            return pseudo
        native = cls._native_
        del native.__new__  # make a new instance, this once, instead of looking one up
        try:
            pseudo = native(value) if issubclass(native, int) else native()
        finally:
            native.__new__ = _lookup_from_real_class
        parts = [
            member._name_
            for member in cls._member_list_
            if member._value_ and member._value_ & value == member._value_ and _is_single_bit(member._value_)
        ]
        pseudo._name_ = "|".join(parts) if parts else None
        pseudo._value_ = value
        cls._value2member_map_[value] = pseudo
        return pseudo

    def _members_in(self):
        return [
            member
            for member in type(self)._member_list_
            if _is_single_bit(member._value_) and member._value_ & self._value_ == member._value_
        ]

    def __iter__(self):
        return iter(self._members_in())

    def __len__(self):
        return len(self._members_in())

    def __contains__(self, other):
        if not isinstance(other, type(self)):
            raise TypeError(
                "unsupported operand type(s) for 'in': %r and %r" % (type(other).__name__, type(self).__name__)
            )
        return other._value_ & self._value_ == other._value_

    def __bool__(self):
        return bool(self._value_)

    def __or__(self, other):
        return type(self)._enum_class_(self._value_ | _flag_value(self, other))

    def __and__(self, other):
        return type(self)._enum_class_(self._value_ & _flag_value(self, other))

    def __xor__(self, other):
        return type(self)._enum_class_(self._value_ ^ _flag_value(self, other))

    def __invert__(self):
        everything = 0
        for member in type(self)._member_list_:
            everything |= member._value_
        return type(self)._enum_class_(everything & ~self._value_)

    __ror__ = __or__
    __rand__ = __and__
    __rxor__ = __xor__

    def __eq__(self, other):
        if isinstance(other, Flag):
            return type(self) is type(other) and self._value_ == other._value_
        return NotImplemented

    def __hash__(self):
        return hash(self._value_)

    def __repr__(self):
        if self._name_ is None:
            return "<%s: %r>" % (type(self).__name__, self._value_)
        return "<%s.%s: %r>" % (type(self).__name__, self._name_, self._value_)

    def __str__(self):
        if self._name_ is None:
            return "%s(%r)" % (type(self).__name__, self._value_)
        return "%s.%s" % (type(self).__name__, self._name_)


class IntFlag(_IntOperations, Flag, int):
    """Flags that are ints too."""

    __or__ = Flag.__or__
    __and__ = Flag.__and__
    __xor__ = Flag.__xor__
    __invert__ = Flag.__invert__

    def __str__(self):
        return str(self._value_)

    def __format__(self, spec):
        return format(self._value_, spec)


def _flag_value(flag, other):
    if isinstance(other, Flag):
        if type(other) is not type(flag):
            raise TypeError("unsupported operand types: %r and %r" % (type(flag).__name__, type(other).__name__))
        return other._value_
    if isinstance(other, int) and isinstance(flag, int):
        return other
    raise TypeError("unsupported operand type: %r" % type(other).__name__)


def _is_single_bit(value):
    return value > 0 and value & (value - 1) == 0


def unique(enumeration):
    """Refuse an enum in which two names share a value (aliases)."""
    aliases = [(name, member._name_) for name, member in enumeration.__members__.items() if name != member._name_]
    if aliases:
        details = ", ".join(["%s -> %s" % pair for pair in aliases])
        raise ValueError("duplicate values found in %r: %s" % (enumeration, details))
    return enumeration


def _real(classinfo):
    """The class MicroPython checks against, for an enum class (a metaclass instance)."""
    if _builtin_isinstance(classinfo, tuple):
        return tuple([_real(item) for item in classinfo])
    if _builtin_isinstance(classinfo, EnumType):
        return classinfo._native_
    return classinfo


def _isinstance(obj, classinfo):
    """isinstance that also accepts enum classes, which MicroPython's own refuses (and, inside a
    tuple, silently never matches)."""
    if type(classinfo) is tuple:
        return _builtin_isinstance(obj, classinfo) or _builtin_isinstance(obj, _real(classinfo))
    try:
        return _builtin_isinstance(obj, classinfo)
    except TypeError:
        return _builtin_isinstance(obj, _real(classinfo))


def _issubclass(cls, classinfo):
    try:
        return _builtin_issubclass(cls, classinfo)
    except TypeError:
        return _builtin_issubclass(_real(cls), _real(classinfo))


builtins.__build_class__ = _build_class
builtins.isinstance = _isinstance
builtins.issubclass = _issubclass
