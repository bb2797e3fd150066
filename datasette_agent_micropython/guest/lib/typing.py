"""typing for the sandbox: every name imports, subscripts (List[int]) and does nothing harmful.

Annotations are not checked at run time, in CPython either; these objects only have to exist,
print sensibly and be usable where CPython lets code use them: as bases (Generic[T], Protocol,
NamedTuple, TypedDict), in cast(), in isinstance() for the abstract collection names.
"""

TYPE_CHECKING = False


class _Alias:
    """A typing name, or one of its subscriptions: List, List[int], Dict[str, List[int]]."""

    def __init__(self, name, origin=None, args=()):
        self._name = name
        self.__origin__ = origin
        self.__args__ = args

    def __getitem__(self, params):
        if not isinstance(params, tuple):
            params = (params,)
        return _Alias(self._name, self.__origin__, params)

    def __call__(self, *args, **kwargs):
        if self.__origin__ is None:
            raise TypeError("Type %s cannot be instantiated" % self._name)
        return self.__origin__(*args, **kwargs)

    def __repr__(self):
        if not self.__args__:
            return "typing." + self._name
        return "typing.%s[%s]" % (self._name, ", ".join([_type_repr(arg) for arg in self.__args__]))

    def __eq__(self, other):
        return isinstance(other, _Alias) and self._name == other._name and self.__args__ == other.__args__

    def __hash__(self):
        return hash((self._name, self.__args__))

    def __or__(self, other):
        return Union[self, other]

    def __ror__(self, other):
        return Union[other, self]


def _type_repr(obj):
    if isinstance(obj, type):
        return obj.__name__
    if obj is Ellipsis:
        return "..."
    if obj is None or obj is type(None):
        return "None"
    if isinstance(obj, (list, tuple)):
        return "[%s]" % ", ".join([_type_repr(item) for item in obj])
    return repr(obj)


Any = _Alias("Any")
NoReturn = _Alias("NoReturn")
Never = _Alias("Never")
Self = _Alias("Self")
LiteralString = _Alias("LiteralString")
TypeAlias = _Alias("TypeAlias")
ClassVar = _Alias("ClassVar")
ClassVar._is_classvar = True
Final = _Alias("Final")
Union = _Alias("Union")
Optional = _Alias("Optional")
Literal = _Alias("Literal")
Annotated = _Alias("Annotated")
TypeGuard = _Alias("TypeGuard")
Required = _Alias("Required")
NotRequired = _Alias("NotRequired")
Unpack = _Alias("Unpack")
Concatenate = _Alias("Concatenate")
Callable = _Alias("Callable")

List = _Alias("List", list)
Dict = _Alias("Dict", dict)
Set = _Alias("Set", set)
FrozenSet = _Alias("FrozenSet", frozenset)
Tuple = _Alias("Tuple", tuple)
Type = _Alias("Type", type)
Text = str
AnyStr = _Alias("AnyStr")


def _collections_alias(name, attribute):
    def origin(*args, **kwargs):
        import collections

        return getattr(collections, attribute)(*args, **kwargs)

    return _Alias(name, origin)


DefaultDict = _collections_alias("DefaultDict", "defaultdict")
OrderedDict = _collections_alias("OrderedDict", "OrderedDict")
Counter = _collections_alias("Counter", "Counter")
Deque = _collections_alias("Deque", "deque")
ChainMap = _collections_alias("ChainMap", "ChainMap")

for _name in (
    "Iterable",
    "Iterator",
    "Generator",
    "Sequence",
    "MutableSequence",
    "Mapping",
    "MutableMapping",
    "AbstractSet",
    "MutableSet",
    "Collection",
    "Container",
    "Sized",
    "Hashable",
    "Reversible",
    "KeysView",
    "ValuesView",
    "ItemsView",
    "MappingView",
    "Awaitable",
    "Coroutine",
    "AsyncIterable",
    "AsyncIterator",
    "AsyncGenerator",
    "ContextManager",
    "AsyncContextManager",
    "SupportsInt",
    "SupportsFloat",
    "SupportsAbs",
    "SupportsIndex",
    "SupportsRound",
    "SupportsBytes",
    "SupportsComplex",
    "IO",
    "TextIO",
    "BinaryIO",
    "Pattern",
    "Match",
    "ByteString",
):
    globals()[_name] = _Alias(_name)
del _name


class TypeVar:
    """A type variable: only its name matters at run time."""

    def __init__(
        self, name, *constraints, bound=None, covariant=False, contravariant=False, infer_variance=False, default=None
    ):
        self.__name__ = name
        self.__constraints__ = constraints
        self.__bound__ = bound
        self.__covariant__ = covariant
        self.__contravariant__ = contravariant

    def __repr__(self):
        prefix = "+" if self.__covariant__ else "-" if self.__contravariant__ else "~"
        return prefix + self.__name__

    def __or__(self, other):
        return Union[self, other]


class ParamSpec(TypeVar):
    args = Any
    kwargs = Any


class TypeVarTuple(TypeVar):
    pass


class _ClassFactory:
    """A base-class stand-in that builds the real class: `class P(NamedTuple): ...`.

    MicroPython builds a class by calling the type of its first base with (name, bases,
    namespace), so an instance of this class as a base hands that call to `build`.
    """

    def __new__(cls, *args, **kwargs):
        if len(args) == 3 and isinstance(args[1], tuple) and isinstance(args[2], dict):
            base = args[1][0]
            return base.build(args[0], args[2])
        raise TypeError("%s is not callable here" % cls.__name__)


def _annotated_names(namespace):
    """The annotated names of a class body in source order (class_records.py records it)."""
    annotations = namespace.get("__annotations__") or {}
    order = namespace.get("__annotation_order__")
    return [name for name in order if name in annotations] if order is not None else list(annotations)


class _NamedTupleFactory(_ClassFactory):
    def build(self, name, namespace):
        annotations = namespace.get("__annotations__")
        if annotations is None:
            raise TypeError("NamedTuple %s: this interpreter discards class annotations and none were recorded" % name)
        fields = _annotated_names(namespace)
        defaults = []
        for field in fields:
            if field in namespace:
                defaults.append(namespace[field])
            elif defaults:
                raise TypeError("Non-default namedtuple field %s cannot follow default field" % field)
        from collections import namedtuple

        made = namedtuple(name, fields, defaults=defaults)
        for key in namespace:
            if key not in fields and key not in (
                "__annotations__",
                "__annotation_order__",
                "__module__",
                "__qualname__",
            ):
                setattr(made, key, namespace[key])
        made.__annotations__ = annotations
        return made

    def __call__(self, typename, fields=None, **kwargs):
        from collections import namedtuple

        pairs = list(fields) if fields is not None else list(kwargs.items())
        return namedtuple(typename, [pair[0] for pair in pairs])


class _TypedDictFactory(_ClassFactory):
    def build(self, name, namespace):
        annotations = namespace.get("__annotations__", {})
        declared = _annotated_names(namespace)

        def make(*args, **kwargs):
            from _odict import odict

            made = odict(*args)
            # Keyword arguments arrive in hash order here: the declared order is the best guess.
            for key in declared:
                if key in kwargs:
                    made[key] = kwargs[key]
            for key in kwargs:
                if key not in made:
                    made[key] = kwargs[key]
            return made

        # Instances of a TypedDict are plain dicts in CPython too.
        return type(
            name, (), {"__new__": lambda cls, *args, **kwargs: make(*args, **kwargs), "__annotations__": annotations}
        )

    def __call__(self, typename, fields=None, total=True, **kwargs):
        pairs = list((fields or kwargs).items())
        return self.build(
            typename, {"__annotations__": dict(pairs), "__annotation_order__": tuple([pair[0] for pair in pairs])}
        )


class _GenericBase:
    pass


class _ProtocolBase:
    pass


class _BaseFactory(_ClassFactory):
    """Generic and Protocol: as a base, bare or subscripted, they stand for a plain base class
    (MicroPython's own types cannot be subscripted or given a metaclass)."""

    def build(self, name, namespace):
        return type(name, (self._base,), namespace)

    def __getitem__(self, params):
        return self._base

    def __repr__(self):
        return "typing." + self._name


def _make(factory, **attributes):
    made = object.__new__(factory)
    for key in attributes:
        setattr(made, key, attributes[key])
    return made


Generic = _make(_BaseFactory, _name="Generic", _base=_GenericBase)
Protocol = _make(_BaseFactory, _name="Protocol", _base=_ProtocolBase)
NamedTuple = object.__new__(_NamedTupleFactory)
TypedDict = object.__new__(_TypedDictFactory)


def cast(typ, val):
    """Return val unchanged: a cast only informs the type checker."""
    return val


def assert_type(val, typ):
    return val


def reveal_type(obj):
    return obj


def assert_never(arg):
    raise AssertionError("Expected code to be unreachable, but got: %r" % (arg,))


def overload(func):
    def _overload_dummy(*args, **kwargs):
        raise NotImplementedError(
            "You should not call an overloaded function. A series of @typing.overload-decorated "
            "functions outside a stub module should always be followed by an implementation "
            "that is not @typing.overload-decorated."
        )

    return _overload_dummy


def final(obj):
    return obj


def no_type_check(obj):
    return obj


def runtime_checkable(cls):
    return cls


def dataclass_transform(**kwargs):
    return lambda obj: obj


def override(obj):
    return obj


def NewType(name, tp):
    """A callable that returns its argument, as CPython's NewType does."""

    def new_type(x):
        return x

    return new_type


def get_type_hints(obj, globalns=None, localns=None, include_extras=False):
    hints = getattr(obj, "__annotations__", None)
    return dict(hints) if hints else {}


def get_origin(tp):
    return tp.__origin__ if isinstance(tp, _Alias) else None


def get_args(tp):
    return tp.__args__ if isinstance(tp, _Alias) else ()
