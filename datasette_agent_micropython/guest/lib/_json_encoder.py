"""json.JSONEncoder for the sandbox: CPython's encoder in Python. json.dumps uses it for options
(indent, sort_keys, separators, default, cls, skipkeys) and for data that MicroPython's C encoder
cannot write as CPython does; json.py reaches the C encoder."""

from json import _NO, _c_dumps, _finish

from _format import float_repr

_INF = float("inf")


def _float_text(value, allow_nan):
    if value != value or value in (_INF, -_INF):
        if not allow_nan:
            raise ValueError("Out of range float values are not JSON compliant")
        return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    return float_repr(value)


class JSONEncoder:
    """CPython's JSONEncoder: subclass it and override default() to encode other types."""

    item_separator = ", "
    key_separator = ": "

    def __init__(
        self,
        *,
        skipkeys=False,
        ensure_ascii=True,
        check_circular=True,
        allow_nan=True,
        sort_keys=False,
        indent=None,
        separators=None,
        default=None,
    ):
        self.skipkeys = skipkeys
        self.ensure_ascii = ensure_ascii
        self.check_circular = check_circular
        self.allow_nan = allow_nan
        self.sort_keys = sort_keys
        if indent is not None and not isinstance(indent, str):
            indent = " " * indent
        self.indent = indent
        if separators is not None:
            self.item_separator, self.key_separator = separators
        elif indent is not None:
            self.item_separator = ","
        if default is not None:
            self.default = default

    def default(self, o):
        raise TypeError("Object of type %s is not JSON serializable" % type(o).__name__)

    def encode(self, o):
        chunks = []
        self._value(o, chunks, 0, [])
        return _finish("".join(chunks), self.ensure_ascii, self.allow_nan, False)

    def iterencode(self, o, _one_shot=False):
        return iter([self.encode(o)])

    def _value(self, o, out, level, path):
        t = type(o)
        if t is str:
            out.append(_c_dumps(o))
        elif o is None:
            out.append("null")
        elif o is True:
            out.append("true")
        elif o is False:
            out.append("false")
        elif isinstance(o, int):
            out.append(_c_dumps(int(o)))
        elif isinstance(o, float):
            out.append(_float_text(float(o), self.allow_nan))
        elif isinstance(o, str):
            out.append(_c_dumps(str(o)))
        elif isinstance(o, (list, tuple)):
            self._list(o, out, level, path)
        elif isinstance(o, dict):
            self._dict(o, out, level, path)
        else:
            self._enter(o, path)
            self._value(self.default(o), out, level, path)
            self._leave(path)

    def _enter(self, o, path):
        if self.check_circular:
            me = id(o)
            if me in path:
                raise ValueError("Circular reference detected")
            path.append(me)

    def _leave(self, path):
        if self.check_circular:
            path.pop()

    def _newline(self, level):
        return "\n" + self.indent * level

    def _list(self, o, out, level, path):
        if not o:
            out.append("[]")
            return
        self._enter(o, path)
        out.append("[")
        separator = self.item_separator
        if self.indent is not None:
            level += 1
            separator += self._newline(level)
            out.append(self._newline(level))
        first = True
        for item in o:
            if not first:
                out.append(separator)
            first = False
            self._value(item, out, level, path)
        if self.indent is not None:
            out.append(self._newline(level - 1))
        out.append("]")
        self._leave(path)

    def _key(self, key):
        if isinstance(key, str):
            return key
        if key is True:
            return "true"
        if key is False:
            return "false"
        if key is None:
            return "null"
        if isinstance(key, int):
            return _c_dumps(int(key))
        if isinstance(key, float):
            return _float_text(float(key), self.allow_nan)
        if self.skipkeys:
            return _NO
        raise TypeError("keys must be str, int, float, bool or None, not %s" % type(key).__name__)

    def _dict(self, o, out, level, path):
        if not o:
            out.append("{}")
            return
        self._enter(o, path)
        items = list(o.items())
        if self.sort_keys:
            from _order import sorted as stable_sorted

            items = stable_sorted(items, key=_first)
        out.append("{")
        separator = self.item_separator
        if self.indent is not None:
            level += 1
            separator += self._newline(level)
            out.append(self._newline(level))
        first = True
        for key, value in items:
            key = self._key(key)
            if key is _NO:
                continue
            if not first:
                out.append(separator)
            first = False
            out.append(_c_dumps(key))
            out.append(self.key_separator)
            self._value(value, out, level, path)
        if self.indent is not None:
            out.append(self._newline(level - 1))
        out.append("}")
        self._leave(path)


def _first(pair):
    return pair[0]
