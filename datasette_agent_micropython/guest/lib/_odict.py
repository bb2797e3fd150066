"""An insertion-ordered dict for the sandbox, where MicroPython's dict is ordered by hash.

The class is a real dict subclass named `dict`: isinstance(d, dict) holds, and type(d) prints as
CPython's would. Every key and value also lives in the native dict part, so C code that reads the
dict (len, `in`, d[k], get, json's C encoder, `**d`) sees all of it at C speed. The order lives
beside it: a list of keys in insertion order (a store reaches the native part directly, kept on
the instance from its first store), where deleted keys leave a hole that compaction
removes once holes are half of the list, and a key -> slot index built on the first deletion
only, so that dicts that never lose a key pay nothing for it.

Rows built from the same keys (json arrays of objects, SQL rows) share one tuple of them: a
dict copies it into a list of its own on its first insert or delete, or when it is iterated
(an iterator must see the holes that deletions during it leave).
"""

from _reprfix import fix as _fix_repr

_dict = dict


class _Hole:
    """Fills the slot of a deleted key. Code that iterates a dict while deleting from it (an error
    in CPython) gets this instead of a key, and it refuses to be used rather than pass silently."""

    def _refuse(self, *args):
        raise RuntimeError("dictionary changed size during iteration")

    __hash__ = __eq__ = __repr__ = __str__ = __lt__ = __getattr__ = _refuse


_HOLE = _Hole()
_NOTHING = object()
# ids of the dicts whose repr is being built, so that a dict holding itself prints as {...}.
_printing = []
# False while _format writes a container as MicroPython does only to see whether a float hides
# in it (it then writes the container itself): the odicts inside need not mend their floats.
mend_floats = True
_NATIVE_DICT = _dict
# The native part of an odict before its first store (see dict.__setitem__): never stored into.
_UNTAKEN = _dict()
_FLOAT_MARKS = (".", "e+", "e-")


def shown(value):
    """repr(value) with every float inside lists, tuples, dicts and sets in CPython's shortest
    form: MicroPython writes 8.309 as 8.308999999999999. Other values, strs among them, are
    written by MicroPython (a caller mends non-ASCII in the whole text with _reprfix)."""
    kind = type(value)
    if kind is float:
        from _format import float_repr

        return float_repr(value)
    if kind is list or kind is tuple or kind is _NATIVE_DICT or kind is set or kind is frozenset:
        text = repr(value)
        for mark in _FLOAT_MARKS:
            if mark in text:
                return _shown_container(value, kind)
        return text
    return repr(value)


def _shown_container(value, kind):
    me = id(value)
    if me in _printing:
        return "[...]" if kind is list else "{...}"
    _printing.append(me)
    try:
        if kind is _NATIVE_DICT:
            return "{" + ", ".join([shown(k) + ": " + shown(v) for k, v in value.items()]) + "}"
        inner = ", ".join(list(map(shown, value)))
        if kind is list:
            return "[" + inner + "]"
        if kind is tuple:
            return "(" + inner + ("," if len(value) == 1 else "") + ")"
        if not value:
            return kind.__name__ + "()"
        return "{" + inner + "}" if kind is set else "frozenset({" + inner + "})"
    finally:
        _printing.pop()


class dict(_dict):
    # Class-level defaults keep construction cheap: an instance gets its own only when it changes
    # (the key list on its first key: a dict that stays empty, or is loaded whole, never makes one).
    _keys = ()
    _index = None
    _holes = 0
    _native = _UNTAKEN

    def __init__(self, *args, **kwargs):
        super().__init__()
        if args or kwargs:
            self.update(*args, **kwargs)

    def __setitem__(self, key, value):
        # On the native part itself, `in` and the store are single C operations, with none of
        # the dispatch through this class that they cost on self. Until the first store, the
        # part is the class's empty _UNTAKEN, which holds no key.
        native = self._native
        if key not in native:
            if native is _UNTAKEN:
                return self._first_store(key, value)
            keys = self._keys
            if not keys:
                keys = self._keys = []
            if self._index is not None:
                self._index[key] = len(keys)
            keys.append(key)
        native[key] = value

    def _append_key(self, key):
        """Put a new key at the end of the order; return the order list. (__setitem__ writes the
        same lines out: a call there would cost more than the store.)"""
        keys = self._keys
        if not keys:
            keys = self._keys = []
        if self._index is not None:
            self._index[key] = len(keys)
        keys.append(key)
        return keys

    def _first_store(self, key, value):
        kind = type(self)
        if getattr(kind, "__ior__", None) is None:
            # MicroPython's `|=` of a dict subclass without an __ior__ of its own answers with
            # the native part.
            native = self
            native |= {}
            self._native = native
            # Keys shared with other rows become this dict's own here, so that __setitem__
            # never meets a tuple: every odict made by from_ordered comes here on its first store.
            self._own_keys()
            _odict_setitem(self, key, value)
            return
        # A class with its own `|=` (Counter) stores through self; when it inherits this
        # __setitem__, it gets that way at once.
        if kind.__setitem__ is _odict_setitem:
            kind.__setitem__ = _store_through_self
        _store_through_self(self, key, value)

    def _store(self, key, value):
        # Found only until the first store: it binds the native dict's store to the instance,
        # where attribute lookup finds it first from then on (a super() call costs more than the
        # store itself).
        store = self._store = super().__setitem__
        store(key, value)

    def get(self, key, default=None):
        # The native get, bound to the instance on first use as _store is, unless a subclass has
        # its own get (an instance attribute would hide it).
        native = super().get
        if type(self).get is _odict_get:
            self.get = native
        return native(key, default)

    def __delitem__(self, key):
        super().__delitem__(key)
        self._forget(key)

    def _forget(self, key):
        index = self._index
        if index is None:
            index = self._index = _dict()
            i = 0
            for k in self._own_keys():
                index[k] = i
                i += 1
        self._keys[index.pop(key)] = _HOLE
        self._holes += 1
        if self._holes > 8 and self._holes * 2 > len(self._keys):
            self._compact()

    def _compact(self):
        keys = [k for k in self._keys if k is not _HOLE]
        self._keys = keys
        self._holes = 0
        if self._index is not None:
            index = self._index = _dict()
            i = 0
            for k in keys:
                index[k] = i
                i += 1

    def _own_keys(self):
        keys = self._keys
        if type(keys) is tuple and keys:
            keys = self._keys = list(keys)
        return keys

    def _order(self):
        """The keys in insertion order, as the dict's own list without holes."""
        if self._holes:
            self._compact()
        return self._own_keys()

    def _seen_order(self):
        """The keys in insertion order without holes, perhaps a tuple shared with other dicts:
        for reading them at once, where nothing can change the dict meanwhile."""
        if self._holes:
            self._compact()
        return self._keys

    def __iter__(self):
        return iter(self._order())

    def __reversed__(self):
        return reversed(self._order())

    def keys(self):
        return dict_keys(self)

    def values(self):
        return dict_values(self)

    def items(self):
        return dict_items(self)

    def __repr__(self):
        if not self:
            return "{}"
        me = id(self)
        if me in _printing:
            return "{...}"
        _printing.append(me)
        try:
            get = super().__getitem__
            keys = self._seen_order()
            text = "{" + ", ".join([repr(k) + ": " + repr(get(k)) for k in keys]) + "}"
            if mend_floats and ("." in text or "e+" in text or "e-" in text):
                # A float may hide here, which MicroPython does not write in its shortest form.
                text = "{" + ", ".join([shown(k) + ": " + shown(get(k)) for k in keys]) + "}"
        finally:
            _printing.pop()
        return _fix_repr(text) if "\\" in text else text

    __str__ = __repr__

    def __eq__(self, other):
        if not isinstance(other, _dict):
            return False
        if len(self) != len(other):
            return False
        get = super().__getitem__
        for k in other:
            if k not in self or get(k) != other[k]:
                return False
        return True

    def __ne__(self, other):
        return not self.__eq__(other)

    def pop(self, key, default=_NOTHING):
        if key in self:
            value = super().pop(key)
            self._forget(key)
            return value
        if default is _NOTHING:
            raise KeyError(key)
        return default

    def popitem(self):
        keys = self._own_keys()
        while keys and keys[-1] is _HOLE:
            keys.pop()
            self._holes -= 1
        if not keys:
            raise KeyError("popitem(): dictionary is empty")
        key = keys.pop()
        if self._index is not None:
            del self._index[key]
        return key, super().pop(key)

    def setdefault(self, key, default=None):
        if key in self:
            return super().__getitem__(key)
        self[key] = default
        return default

    def update(self, *args, **kwargs):
        if len(args) > 1:
            raise TypeError("update expected at most 1 argument, got %d" % len(args))
        if args:
            other = args[0]
            if isinstance(other, _dict) or hasattr(other, "keys"):
                for k in other.keys():
                    self[k] = other[k]
            else:
                for pair in other:
                    k, v = pair
                    self[k] = v
        for k in kwargs:
            self[k] = kwargs[k]

    def copy(self):
        keys = self._seen_order()
        return from_ordered(keys if type(keys) is tuple else keys[:], super().copy())

    def _load(self, keys, values):
        """Become the dict `values` holds, in the order of the list `keys` (every key of `values`,
        once), which it takes: never a shared tuple, which only a dict's first store replaces."""
        super().update(values)
        self._keys = keys

    def clear(self):
        super().clear()
        self._keys = []
        self._index = None
        self._holes = 0

    @classmethod
    def fromkeys(cls, iterable, value=None):
        new = cls()
        for k in iterable:
            new[k] = value
        return new

    def __or__(self, other):
        if not isinstance(other, _dict):
            return NotImplemented
        new = self.copy()
        new.update(other)
        return new

    def __ror__(self, other):
        if not isinstance(other, _dict):
            return NotImplemented
        new = dict(other)
        new.update(self)
        return new


odict = dict
_odict_get = dict.get
_odict_setitem = dict.__setitem__


def _store_through_self(self, key, value):
    # The store of a class with its own `|=` (see dict._first_store): `in` and the store
    # dispatch through the class, as they did for every odict.
    if key not in self:
        self._append_key(key)
    self._store(key, value)


_new_object = object.__new__


def from_ordered(keys, values, _new=_new_object, _super=super, _odict=odict):
    """An odict of `values` (a plain dict, or (key, value) pairs with no key twice: the caller
    checks the length), in the order of `keys`, which lists each key once: a list the odict
    takes, or a tuple that rows with the same keys share. How json, SQL rows and csv build dicts
    whose order they already know: the native part is filled by one C call, and odict.__init__,
    which costs more than that, is not run. (The defaults are not arguments: they make what it
    looks up once per row fast locals instead of globals.)"""
    new = _new(_odict)
    _super(_odict, new).__init__(values)
    new._keys = keys
    return new


# json and csv build from pairs, without a native dict.
from_pairs = from_ordered


class _View:
    def __init__(self, owner):
        self._owner = owner

    def __len__(self):
        return len(self._owner)

    def __repr__(self):
        return self._name + "(" + repr(list(self)) + ")"

    __str__ = __repr__


class dict_keys(_View):
    _name = "dict_keys"

    def __iter__(self):
        return iter(self._owner)

    def __contains__(self, key):
        return key in self._owner

    def __reversed__(self):
        return reversed(self._owner)

    def __eq__(self, other):
        return set(self) == set(other)

    def __and__(self, other):
        return set(self) & set(other)

    def __or__(self, other):
        return set(self) | set(other)

    def __sub__(self, other):
        return set(self) - set(other)

    def __xor__(self, other):
        return set(self) ^ set(other)


def _native_get(owner):
    return super(odict, owner).__getitem__ if isinstance(owner, odict) else owner.__getitem__


class dict_values(_View):
    _name = "dict_values"

    def __iter__(self):
        owner = self._owner
        return map(_native_get(owner), owner)

    def __contains__(self, value):
        for v in self:
            if v == value:
                return True
        return False

    def __reversed__(self):
        owner = self._owner
        return map(_native_get(owner), reversed(owner))


class dict_items(_View):
    _name = "dict_items"

    def __iter__(self):
        owner = self._owner
        keys = owner._order() if isinstance(owner, odict) else list(owner)
        return zip(keys, map(_native_get(owner), keys))

    def __contains__(self, item):
        k, v = item
        owner = self._owner
        return k in owner and owner[k] == v

    def __reversed__(self):
        owner = self._owner
        keys = list(reversed(owner))
        return zip(keys, map(_native_get(owner), keys))

    def __eq__(self, other):
        return set(self) == set(other)
