"""collections for the sandbox: Counter, defaultdict, OrderedDict, namedtuple, deque, ChainMap.

Counter, defaultdict and OrderedDict are insertion-ordered dicts (built on _odict), so that they
iterate, print and compare in CPython's order. namedtuple builds on MicroPython's C namedtuple,
so its instances are real tuples that print as CPython's do. MicroPython's C deque has a fixed
capacity and drops items silently once full, so deque here is written in Python.
"""

import sys

from _odict import odict, shown
from _stablesort import stable_sorted

_path = sys.path[:]
sys.path.clear()
try:
    import collections as _native
finally:
    sys.path.extend(_path)
del _path

_dict = type({})  # the native dict, whatever builtins.dict has become
_NOTHING = object()


def _shown_pair(pair):
    return shown(pair[0]) + ": " + shown(pair[1])


def _by_count(pairs):
    """(key, count) pairs, highest count first, ties in their original order."""
    return stable_sorted(pairs, _count_of, reverse=True)


def _count_of(pair):
    return pair[1]


# ---------------------------------------------------------------- Counter

# most_common(n) for n up to this takes the largest one by one instead of keeping a heap.
_FEW = 16
# MicroPython's dict grows only once its table is full, and probes linearly: lookups in a nearly
# full table of similar keys ('w1', 'w2', ... have neighbouring 16-bit hashes) compare many keys.
# Counting goes into a native dict kept at most a quarter full, several times cheaper per item.
# A tally starts with room for this many distinct keys, and takes 4 times more at each move ...
_ROOM = 16
# ... into a table of this many slots per key of room ...
_SPREAD = 4
# ... of at most this many slots (strs hash to 16 bits: a larger table would not spread them).
_MOST_SLOTS = 1 << 16
# A Counter loaded with at least this many keys first grows its own table (see _make_room), and
# one that gains keys one by one regrows it as they pass 4 times as many (see _regrow).
_ROOMY_FROM = 64
_UNHASHABLE = "unsupported type for __hash__: "
_NEVER = (1 << 30) - 1  # more keys than memory holds, as a small int


class _Slots:
    """Has a length and no items: dict.fromkeys sizes its table from len()."""

    def __init__(self, slots):
        self._slots = slots

    def __len__(self):
        return self._slots

    def __iter__(self):
        return iter(())


def _table(slots, counts=None):
    """An empty native dict of `slots` slots, then holding `counts`; `counts` itself when
    memory is short (it then grows as MicroPython grows it)."""
    try:
        table = _dict.fromkeys(_Slots(slots))
    except MemoryError:
        return counts
    if counts:
        table.update(counts)
    return table


def _tally(iterable, first_seen, held):
    """Count the items of `iterable` into the native dict held[0] (replaced by larger ones as
    keys arrive), appending each distinct key to `first_seen` when first seen; on an error,
    what was counted before it is there.

    A repeated item costs one `+= 1`; a new one raises KeyError there, which costs more, so
    after each move to a larger table (new keys are coming) a stretch of items is counted
    with a test instead."""
    counts = held[0]
    room = _ROOM
    items = iter(iterable)
    key = _NOTHING
    try:
        while True:
            try:
                for key in items:
                    counts[key] += 1
                return
            except KeyError:
                # Not this loop's lookup: the iterator itself raised.
                if key is _NOTHING or key in counts:
                    raise
            counts[key] = 1
            first_seen.append(key)
            if len(first_seen) > room:
                room *= 4
                if room * _SPREAD <= _MOST_SLOTS:
                    counts = held[0] = _table(room * _SPREAD, counts)
                for _, key in zip(range(room), items):
                    if key in counts:
                        counts[key] += 1
                    else:
                        counts[key] = 1
                        first_seen.append(key)
    except TypeError as error:
        _raise_as_cpython(error)


def _count_one_by_one(counter, iterable):
    """Count through the Counter's own get and store, one item at a time: how CPython counts
    into a subclass that has its own get() or __setitem__."""
    get = counter.get
    try:
        for key in iterable:
            # MicroPython's get() finds no unhashable key in a table of interned strs without
            # hashing it; CPython's get() raises.
            hash(key)
            counter[key] = get(key, 0) + 1
    except TypeError as error:
        _raise_as_cpython(error)


def _raise_as_cpython(error):
    text = str(error)
    if text.startswith(_UNHASHABLE):
        raise TypeError("unhashable type: " + text[len(_UNHASHABLE) :])
    raise error


def _make_room(counter, keys):
    """Grow the native table of `counter` (holding no key) to about two slots per key, so that
    lookups in it stay short, and note when it should grow again. Small ints fill slots 0, 1,
    ... of a table grown past their number (a power of two, never one of MicroPython's table
    sizes), and are deleted from the last, each before an empty slot, which leaves the slot
    empty rather than marked deleted. The layout only affects speed, never what it holds."""
    slots = 2 * _ROOMY_FROM
    while slots < 2 * keys:
        slots *= 2
    if slots > _MOST_SLOTS:
        counter._roomy_until = _NEVER
        return
    native = super(odict, counter)
    try:
        native.update(_dict.fromkeys(range(slots)))
    except MemoryError:
        native.clear()
        counter._roomy_until = _NEVER
        return
    # Each pop returns None, so any() runs them all, at C speed.
    any(map(native.pop, range(slots - 1, -1, -1)))
    counter._roomy_until = slots // 2


def _regrow(counter, key):
    """Regrow the native table of `counter`, which has just taken `key`. Not for an int: ints
    hash to themselves, which MicroPython's modulo spreads (strs' 16-bit hashes cluster)."""
    if type(key) is int:
        counter._roomy_until = 4 * len(counter._keys)
        return
    native = super(odict, counter)
    try:
        held = native.copy()
    except MemoryError:
        counter._roomy_until = _NEVER
        return
    native.clear()
    try:
        _make_room(counter, 4 * len(held))
    finally:
        native.update(held)


def _counted(counter):
    """The keys of `counter` in order, and their counts."""
    keys = counter._order()[:]
    return keys, list(map(counter._peek, keys))


def _counts_in(counter, keys):
    """counter[key] for each of `keys`, at C speed when its __getitem__ is Counter's."""
    if type(counter).__getitem__ is Counter.__getitem__:
        return list(map(counter._peek, keys, [0] * len(keys)))
    return [counter[key] for key in keys]


def _sized(keys):
    """An empty native dict roomy enough for `keys` keys."""
    return _table(min(_SPREAD * keys, _MOST_SLOTS), _dict())


def _ranked(keys, counts):
    """(key, count) pairs, highest count first, ties in first-seen order, when every count is an
    int (None otherwise): keys grouped by count, and only the distinct counts sorted."""
    groups = _dict()
    for key, count in zip(keys, counts):
        if type(count) is not int:
            return None
        group = groups.get(count)
        if group is None:
            groups[count] = [key]
        else:
            group.append(key)
    ranked = []
    for count in stable_sorted(list(groups), _itself, reverse=True):
        for key in groups[count]:
            ranked.append((key, count))
    return ranked


def _itself(value):
    return value


def _plain_iter(mapping):
    """Whether `mapping` iterates as odict does, so that its native storage is what it holds."""
    return type(mapping).__iter__ is odict.__iter__


def _loaded(order, values):
    """A new Counter of the native dict `values`, in the order of the list `order`."""
    result = Counter()
    if len(order) >= _ROOMY_FROM:
        _make_room(result, len(order))
    result._load(order, values)
    return result


# Helpers of Counter live outside its class, and _roomy_until on each instance: MicroPython looks
# for a special method Counter lacks (__contains__, for `in`) in the class's table first, and that
# table, full before it grows, is slower to miss in with every name added.
class Counter(odict):
    """A dict of counts: missing keys count 0, most_common() ranks, + - & | combine."""

    def __init__(self, iterable=None, **kwds):
        odict.__init__(self)
        self._peek = super(odict, self).get  # the native dict's get, at C speed
        # Past this many keys, the next new key regrows the native table (see _make_room).
        self._roomy_until = _ROOMY_FROM
        self.update(iterable, **kwds)

    def __getitem__(self, key):
        return self._peek(key, 0)

    def __setitem__(self, key, value):
        # odict's store through self (_store_through_self), which also regrows the table.
        if key not in self:
            if len(self._append_key(key)) > self._roomy_until:
                self._store(key, value)
                _regrow(self, key)
                return
        self._store(key, value)

    def __missing__(self, key):
        return 0

    def __delitem__(self, key):
        if key in self:
            odict.__delitem__(self, key)

    def total(self):
        return sum(self.values())

    def most_common(self, n=None):
        if n is None or n >= len(self):
            keys, counts = _counted(self)
            return _ranked(keys, counts) or _by_count(list(zip(keys, counts)))
        if n <= 0:
            return []
        if n <= _FEW:
            # A few of the largest: each is the first maximum left, found and taken out at C
            # speed, so ties come out in insertion order as from CPython's stable sort.
            keys = list(self._order())
            counts = list(map(self._peek, keys))
            top = []
            for _ in range(n):
                at = counts.index(max(counts))
                top.append((keys.pop(at), counts.pop(at)))
            return top
        # The n largest through a bounded heap, as CPython does: entries (count, -position)
        # rank ties by first insertion.
        import heapq

        items = list(self.items())
        heap = []
        for position, (key, count) in enumerate(items):
            entry = (count, -position, key)
            if len(heap) < n:
                heapq.heappush(heap, entry)
            elif heap[0] < entry:
                heapq.heappop(heap)
                heapq.heappush(heap, entry)
        heap.sort(reverse=True)
        return [(key, count) for count, _, key in heap]

    def elements(self):
        for key, count in self.items():
            for _ in range(count):
                yield key

    @classmethod
    def fromkeys(cls, iterable, v=None):
        raise NotImplementedError("Counter.fromkeys() is undefined.  Use Counter(iterable) instead.")

    def update(self, iterable=None, **kwds):
        if iterable is not None:
            peek = self._peek
            if not self and self._index is None and isinstance(iterable, odict) and _plain_iter(iterable):
                # CPython's dict.update: an empty Counter takes the mapping's own storage.
                keys = iterable._order()[:]
                if len(keys) >= _ROOMY_FROM:
                    _make_room(self, len(keys))
                self._load(keys, super(odict, iterable).copy())
            elif isinstance(iterable, _dict) or hasattr(iterable, "keys"):
                for key in iterable.keys():
                    self[key] = peek(key, 0) + iterable[key]
            elif type(self).__setitem__ is not Counter.__setitem__ or type(self).get is not odict.get:
                _count_one_by_one(self, iterable)
            else:
                first_seen, held = [], [_table(_ROOM * _SPREAD, _dict())]
                try:
                    _tally(iterable, first_seen, held)
                finally:
                    # On an error too: CPython has counted the items before it. An empty
                    # Counter that never lost a key (no deletion index) is loaded whole.
                    counts = held[0]
                    if not self and self._index is None:
                        if len(first_seen) >= _ROOMY_FROM:
                            _make_room(self, len(first_seen))
                        self._load(first_seen, counts)
                    else:
                        for key in first_seen:
                            self[key] = peek(key, 0) + counts[key]
        if kwds:
            self.update(kwds)

    def subtract(self, iterable=None, **kwds):
        if iterable is not None:
            peek = self._peek
            if isinstance(iterable, _dict) or hasattr(iterable, "keys"):
                for key in iterable.keys():
                    self[key] = peek(key, 0) - iterable[key]
            else:
                for key in iterable:
                    self[key] = peek(key, 0) - 1
        if kwds:
            self.subtract(kwds)

    def copy(self):
        return self.__class__(self)

    def __copy__(self):
        return self.copy()

    def __repr__(self):
        if not self:
            return "%s()" % self.__class__.__name__
        try:
            parts = list(map(_shown_pair, self.most_common()))
        except TypeError:
            parts = list(map(_shown_pair, self.items()))
        return "%s({%s})" % (self.__class__.__name__, ", ".join(parts))

    __str__ = __repr__

    # Comparisons treat missing keys as zero counts (CPython 3.10+).
    def _all(self, other, test):
        for key in self:
            if not test(self[key], other[key]):
                return False
        for key in other:
            if key not in self and not test(0, other[key]):
                return False
        return True

    def __eq__(self, other):
        if not isinstance(other, Counter):
            return NotImplemented if not isinstance(other, _dict) else odict.__eq__(self, other)
        return self._all(other, lambda a, b: a == b)

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __le__(self, other):
        if not isinstance(other, Counter):
            return NotImplemented
        return self._all(other, lambda a, b: a <= b)

    def __lt__(self, other):
        if not isinstance(other, Counter):
            return NotImplemented
        return self <= other and self != other

    def __ge__(self, other):
        if not isinstance(other, Counter):
            return NotImplemented
        return self._all(other, lambda a, b: a >= b)

    def __gt__(self, other):
        if not isinstance(other, Counter):
            return NotImplemented
        return self >= other and self != other

    def __add__(self, other):
        if not isinstance(other, Counter):
            return NotImplemented
        keys, counts = _counted(self)
        order, values = [], _sized(len(keys) + len(other))
        for key, count, theirs in zip(keys, counts, _counts_in(other, keys)):
            total = count + theirs
            if total > 0:
                order.append(key)
                values[key] = total
        for key, count in other.items():
            if key not in self and count > 0:
                order.append(key)
                values[key] = count
        return _loaded(order, values)

    def __sub__(self, other):
        if not isinstance(other, Counter):
            return NotImplemented
        keys, counts = _counted(self)
        order, values = [], _sized(len(keys) + len(other))
        for key, count, theirs in zip(keys, counts, _counts_in(other, keys)):
            left = count - theirs
            if left > 0:
                order.append(key)
                values[key] = left
        for key, count in other.items():
            if key not in self and count < 0:
                order.append(key)
                values[key] = 0 - count
        return _loaded(order, values)

    def __or__(self, other):
        if not isinstance(other, Counter):
            return NotImplemented
        keys, counts = _counted(self)
        order, values = [], _sized(len(keys) + len(other))
        for key, count, theirs in zip(keys, counts, _counts_in(other, keys)):
            larger = theirs if count < theirs else count
            if larger > 0:
                order.append(key)
                values[key] = larger
        for key, count in other.items():
            if key not in self and count > 0:
                order.append(key)
                values[key] = count
        return _loaded(order, values)

    def __and__(self, other):
        if not isinstance(other, Counter):
            return NotImplemented
        keys, counts = _counted(self)
        order, values = [], _sized(len(keys))
        for key, count, theirs in zip(keys, counts, _counts_in(other, keys)):
            smaller = count if count < theirs else theirs
            if smaller > 0:
                order.append(key)
                values[key] = smaller
        return _loaded(order, values)

    def __pos__(self):
        keys, counts = _counted(self)
        order, values = [], _sized(len(keys))
        for key, count in zip(keys, counts):
            if count > 0:
                order.append(key)
                values[key] = count
        return _loaded(order, values)

    def __neg__(self):
        keys, counts = _counted(self)
        order, values = [], _sized(len(keys))
        for key, count in zip(keys, counts):
            if count < 0:
                order.append(key)
                values[key] = 0 - count
        return _loaded(order, values)

    def _keep_positive(self):
        for key in [key for key, count in self.items() if not count > 0]:
            del self[key]
        return self

    def __iadd__(self, other):
        for key, count in other.items():
            self[key] += count
        return self._keep_positive()

    def __isub__(self, other):
        for key, count in other.items():
            self[key] -= count
        return self._keep_positive()

    def __ior__(self, other):
        for key, count in other.items():
            if count > self[key]:
                self[key] = count
        return self._keep_positive()

    def __iand__(self, other):
        for key, count in self.items():
            other_count = other[key]
            if other_count < count:
                self[key] = other_count
        return self._keep_positive()


# ---------------------------------------------------------------- defaultdict


class defaultdict(odict):
    """A dict that makes a value with default_factory() for a missing key."""

    def __init__(self, default_factory=None, *args, **kwargs):
        if default_factory is not None and not callable(default_factory):
            raise TypeError("first argument must be callable or None")
        odict.__init__(self)
        self.default_factory = default_factory
        self._peek = super(odict, self).get
        if args or kwargs:
            self.update(*args, **kwargs)

    def __getitem__(self, key):
        value = self._peek(key, _NOTHING)
        if value is _NOTHING:
            return self.__missing__(key)
        return value

    def __missing__(self, key):
        if self.default_factory is None:
            raise KeyError(key)
        value = self.default_factory()
        self[key] = value
        return value

    def copy(self):
        made = defaultdict(self.default_factory)
        for key in self:
            made[key] = self._peek(key)
        return made

    __copy__ = copy

    def __repr__(self):
        factory = self.default_factory
        if factory is None:
            shown = "None"
        else:
            shown = repr(factory)
            name = getattr(factory, "__name__", None)
            if type(factory).__name__ in ("function", "closure", "bound_method") and name is not None:
                shown = "<function %s>" % name
        return "defaultdict(%s, %s)" % (shown, odict.__repr__(self))

    __str__ = __repr__


# ---------------------------------------------------------------- OrderedDict


class OrderedDict(odict):
    """A dict with move_to_end, popitem(last=) and order-sensitive equality."""

    def move_to_end(self, key, last=True):
        if key not in self:
            raise KeyError(key)
        value = odict.pop(self, key)
        odict.__setitem__(self, key, value)
        if not last:
            keys = self._order()
            keys.pop()
            keys.insert(0, key)
            self._index = None  # slots moved: _odict rebuilds its index when it next needs it

    def popitem(self, last=True):
        if not self:
            raise KeyError("dictionary is empty")
        if last:
            return odict.popitem(self)
        key = self._order()[0]
        return key, odict.pop(self, key)

    def __eq__(self, other):
        if isinstance(other, OrderedDict):
            return odict.__eq__(self, other) and list(self) == list(other)
        return odict.__eq__(self, other)

    def __ne__(self, other):
        return not self.__eq__(other)

    def copy(self):
        made = OrderedDict()
        for key, value in self.items():
            made[key] = value
        return made

    __copy__ = copy

    def __repr__(self):
        if not self:
            return "OrderedDict()"
        return "OrderedDict(%s)" % odict.__repr__(self)

    __str__ = __repr__


# ---------------------------------------------------------------- namedtuple

_KEYWORDS = frozenset(
    (
        "False",
        "None",
        "True",
        "and",
        "as",
        "assert",
        "async",
        "await",
        "break",
        "class",
        "continue",
        "def",
        "del",
        "elif",
        "else",
        "except",
        "finally",
        "for",
        "from",
        "global",
        "if",
        "import",
        "in",
        "is",
        "lambda",
        "nonlocal",
        "not",
        "or",
        "pass",
        "raise",
        "return",
        "try",
        "while",
        "with",
        "yield",
    )
)


def _is_identifier(name):
    if not name or not (name[0].isalpha() or name[0] == "_" or ord(name[0]) > 127):
        return False
    for char in name:
        if not (char.isalpha() or char.isdigit() or char == "_" or ord(char) > 127):
            return False
    return True


def _field_names(typename, field_names, rename):
    if isinstance(field_names, str):
        field_names = field_names.replace(",", " ").split()
    names = [str(name) for name in field_names]
    if rename:
        seen = set()
        for index, name in enumerate(names):
            if not _is_identifier(name) or name in _KEYWORDS or name.startswith("_") or name in seen:
                names[index] = "_%d" % index
            seen.add(names[index])
    for name in [typename] + names:
        if not isinstance(name, str):
            raise TypeError("Type names and field names must be strings")
        if not _is_identifier(name):
            raise ValueError("Type names and field names must be valid identifiers: %r" % name)
        if name in _KEYWORDS:
            raise ValueError("Type names and field names cannot be a keyword: %r" % name)
    seen = set()
    for name in names:
        if name.startswith("_") and not rename:
            raise ValueError("Field names cannot start with an underscore: %r" % name)
        if name in seen:
            raise ValueError("Encountered duplicate field name: %r" % name)
        seen.add(name)
    return tuple(names)


def namedtuple(typename, field_names, *, rename=False, defaults=None, module=None):
    """A tuple subclass with named fields, _asdict, _replace, _make, _fields and defaults."""
    fields = _field_names(typename, field_names, rename)
    defaults = tuple(defaults) if defaults is not None else ()
    if len(defaults) > len(fields):
        raise TypeError("Got more default values than field names")
    field_defaults = odict()
    for name, value in zip(fields[len(fields) - len(defaults) :], defaults):
        field_defaults[name] = value
    count = len(fields)
    positions = {}
    for index, name in enumerate(fields):
        positions[name] = index

    def __init__(self, *args, **kwargs):
        if len(args) == count and not kwargs:
            values = args
        else:
            if len(args) > count:
                raise TypeError(
                    "%s.__new__() takes %d positional arguments but %d were given"
                    % (typename, count + 1, len(args) + 1)
                )
            values = list(args) + [_NOTHING] * (count - len(args))
            for key in kwargs:
                index = positions.get(key)
                if index is None:
                    raise TypeError("%s.__new__() got an unexpected keyword argument '%s'" % (typename, key))
                if values[index] is not _NOTHING:
                    raise TypeError("%s.__new__() got multiple values for argument '%s'" % (typename, key))
                values[index] = kwargs[key]
            missing = []
            for index, value in enumerate(values):
                if value is _NOTHING:
                    name = fields[index]
                    if name in field_defaults:
                        values[index] = field_defaults[name]
                    else:
                        missing.append(name)
            if missing:
                listed = (
                    " and ".join(["'%s'" % name for name in missing])
                    if len(missing) <= 2
                    else ", ".join(["'%s'" % name for name in missing[:-1]]) + ", and '%s'" % missing[-1]
                )
                raise TypeError(
                    "%s.__new__() missing %d required positional argument%s: %s"
                    % (typename, len(missing), "" if len(missing) == 1 else "s", listed)
                )
        super(made, self).__init__(*values)

    def _asdict(self):
        result = odict()
        for name, value in zip(fields, self):
            result[name] = value
        return result

    def _replace(self, **changes):
        values = list(self)
        for key in changes:
            index = positions.get(key)
            if index is None:
                raise ValueError("Got unexpected field names: %r" % list(changes))
            values[index] = changes[key]
        return made(*values)

    def _make(cls, iterable):
        values = tuple(iterable)
        if len(values) != count:
            raise TypeError("Expected %d arguments, got %d" % (count, len(values)))
        return cls(*values)

    def __getnewargs__(self):
        return tuple(self)

    def __repr__(self):
        pairs = [f + "=" + shown(v) for f, v in zip(fields, self)]
        return self.__class__.__name__ + "(" + ", ".join(pairs) + ")"

    namespace = {
        "__init__": __init__,
        "_asdict": _asdict,
        "_replace": _replace,
        "_make": classmethod(_make),
        "__getnewargs__": __getnewargs__,
        "__repr__": __repr__,
        "__str__": __repr__,
        "_fields": fields,
        "_field_defaults": field_defaults,
        "__match_args__": fields,
        "__module__": module or "__main__",
    }
    made = type(typename, (_native.namedtuple(typename, fields),), namespace)
    return made


# ---------------------------------------------------------------- deque


class deque:
    """A double-ended queue with an optional maxlen, kept in a list with a moving head.

    The list is the same object for the deque's whole life, so that without a maxlen, append
    and extend are the list's own C methods, bound on the instance.
    """

    def __init__(self, iterable=(), maxlen=None):
        if maxlen is not None:
            if not isinstance(maxlen, int):
                raise TypeError("an integer is required")
            if maxlen < 0:
                raise ValueError("maxlen must be non-negative")
        self._items = []
        self._head = 0
        self._maxlen = maxlen
        if maxlen is None:
            self.append = self._items.append
            self.extend = self._items.extend
        self.extend(iterable)

    @property
    def maxlen(self):
        return self._maxlen

    def _compact(self):
        if self._head:
            del self._items[: self._head]
            self._head = 0

    def __len__(self):
        return len(self._items) - self._head

    def __bool__(self):
        return len(self._items) > self._head

    def append(self, item):
        self._items.append(item)
        if self._maxlen is not None and len(self._items) - self._head > self._maxlen:
            self.popleft()

    def appendleft(self, item):
        if self._maxlen == 0:
            return
        if self._head == 0:
            # Room at the front for the next appends, so that appendleft stays amortised O(1).
            room = max(8, len(self._items))
            self._items[0:0] = [None] * room
            self._head = room
        self._head -= 1
        self._items[self._head] = item
        if self._maxlen is not None and len(self._items) - self._head > self._maxlen:
            self._items.pop()

    def pop(self):
        if len(self._items) == self._head:
            raise IndexError("pop from an empty deque")
        item = self._items.pop()
        if len(self._items) == self._head:
            self._items.clear()
            self._head = 0
        return item

    def popleft(self):
        items = self._items
        head = self._head
        if len(items) == head:
            raise IndexError("pop from an empty deque")
        item = items[head]
        items[head] = None
        head += 1
        if head == len(items):
            items.clear()
            head = 0
        elif head > 32 and head * 2 > len(items):
            del items[:head]
            head = 0
        self._head = head
        return item

    def extend(self, iterable):
        if iterable is self:
            iterable = list(iterable)
        if self._maxlen is None:
            self._items.extend(iterable)
        else:
            for item in iterable:
                self.append(item)

    def extendleft(self, iterable):
        if iterable is self:
            iterable = list(iterable)
        for item in iterable:
            self.appendleft(item)

    def clear(self):
        self._items.clear()
        self._head = 0

    def copy(self):
        return deque(self, self._maxlen)

    __copy__ = copy

    def __deepcopy__(self, memo):
        import copy

        made = deque((), self._maxlen)
        memo[id(self)] = made
        made.extend(copy.deepcopy(list(self), memo))
        return made

    def count(self, value):
        return sum(1 for item in self if item is value or item == value)

    def index(self, value, start=0, stop=None):
        size = len(self)
        stop = size if stop is None else stop
        if start < 0:
            start = max(size + start, 0)
        if stop < 0:
            stop += size
        for position in range(start, min(stop, size)):
            item = self._items[self._head + position]
            if item is value or item == value:
                return position
        raise ValueError("%r is not in deque" % (value,))

    def insert(self, index, value):
        if self._maxlen is not None and len(self) >= self._maxlen:
            raise IndexError("deque already at its maximum size")
        self._compact()
        self._items.insert(index, value)

    def remove(self, value):
        for position in range(self._head, len(self._items)):
            item = self._items[position]
            if item is value or item == value:
                del self._items[position]
                return
        raise ValueError("deque.remove(x): x not in deque")

    def reverse(self):
        self._compact()
        self._items.reverse()

    def rotate(self, n=1):
        size = len(self)
        if size <= 1:
            return
        n %= size
        if n:
            self._compact()
            self._items[:] = self._items[-n:] + self._items[:-n]

    def _position(self, index):
        size = len(self)
        if not isinstance(index, int):
            raise TypeError("sequence index must be integer, not '%s'" % type(index).__name__)
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError("deque index out of range")
        return self._head + index

    def __getitem__(self, index):
        return self._items[self._position(index)]

    def __setitem__(self, index, value):
        self._items[self._position(index)] = value

    def __delitem__(self, index):
        del self._items[self._position(index)]

    def __iter__(self):
        return iter(self._items[self._head :])

    def __reversed__(self):
        return reversed(self._items[self._head :])

    def __contains__(self, value):
        for item in self:
            if item is value or item == value:
                return True
        return False

    def _compare(self, other, op):
        if not isinstance(other, deque):
            return NotImplemented
        return op(list(self), list(other))

    def __eq__(self, other):
        if not isinstance(other, deque):
            return False
        return list(self) == list(other)

    def __ne__(self, other):
        return not self.__eq__(other)

    def __lt__(self, other):
        return self._compare(other, lambda a, b: a < b)

    def __le__(self, other):
        return self._compare(other, lambda a, b: a <= b)

    def __gt__(self, other):
        return self._compare(other, lambda a, b: a > b)

    def __ge__(self, other):
        return self._compare(other, lambda a, b: a >= b)

    __hash__ = None

    def __add__(self, other):
        if not isinstance(other, deque):
            raise TypeError('can only concatenate deque (not "%s") to deque' % type(other).__name__)
        made = deque(self, self._maxlen)
        made.extend(other)
        return made

    def __iadd__(self, other):
        self.extend(other)
        return self

    def __mul__(self, times):
        made = deque((), self._maxlen)
        for _ in range(times):
            made.extend(list(self))
        return made

    def __repr__(self):
        items = shown(self._items[self._head :])
        if self._maxlen is None:
            return "deque(%s)" % items
        return "deque(%s, maxlen=%d)" % (items, self._maxlen)


# ---------------------------------------------------------------- ChainMap


class ChainMap:
    """Several mappings searched in turn; writes go to the first."""

    def __init__(self, *maps):
        self.maps = list(maps) or [odict()]

    def __getitem__(self, key):
        for mapping in self.maps:
            if key in mapping:
                return mapping[key]
        return self.__missing__(key)

    def __missing__(self, key):
        raise KeyError(key)

    def get(self, key, default=None):
        return self[key] if key in self else default

    def __contains__(self, key):
        for mapping in self.maps:
            if key in mapping:
                return True
        return False

    def _keys(self):
        order = odict()
        for mapping in reversed(self.maps):
            for key in mapping:
                order[key] = None
        return list(order)

    def __iter__(self):
        return iter(self._keys())

    def __len__(self):
        return len(self._keys())

    def __bool__(self):
        return any(self.maps)

    def keys(self):
        return self._keys()

    def items(self):
        return [(key, self[key]) for key in self._keys()]

    def values(self):
        return [self[key] for key in self._keys()]

    def __setitem__(self, key, value):
        self.maps[0][key] = value

    def __delitem__(self, key):
        try:
            del self.maps[0][key]
        except KeyError:
            raise KeyError("Key not found in the first mapping: %r" % (key,))

    def pop(self, key, *default):
        try:
            return self.maps[0].pop(key, *default)
        except KeyError:
            raise KeyError("Key not found in the first mapping: %r" % (key,))

    def popitem(self):
        try:
            return self.maps[0].popitem()
        except KeyError:
            raise KeyError("No keys found in the first mapping.")

    def clear(self):
        self.maps[0].clear()

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args, **kwargs):
        self.maps[0].update(*args, **kwargs)

    def new_child(self, m=None, **kwargs):
        if m is None:
            m = odict()
        m.update(kwargs)
        return self.__class__(m, *self.maps)

    @property
    def parents(self):
        return self.__class__(*self.maps[1:])

    def copy(self):
        first = self.maps[0]
        return self.__class__(first.copy(), *self.maps[1:])

    __copy__ = copy

    def __eq__(self, other):
        if isinstance(other, ChainMap):
            other = dict(other.items())
        mine = dict(self.items())
        return mine == other

    def __repr__(self):
        return "%s(%s)" % (self.__class__.__name__, ", ".join([repr(mapping) for mapping in self.maps]))
