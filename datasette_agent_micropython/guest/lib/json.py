"""json for the sandbox: CPython's json over MicroPython's C json.

MicroPython's json has no options, forgets key order, accepts invalid text ([1,], [1 2]), writes
non-ASCII raw and nan as `nan`. Here:
- dumps/dump take CPython's options. Without options the C encoder does the work: a walk checks
  the types (so unknown objects raise as in CPython) and hands ordered dicts to it as C
  OrderedDicts, and a few C string passes fix what it writes differently.
- loads/load return odicts in document order. The C parser reads the text with its braces turned
  into brackets and a marker, which yields each object as [marker, k1, v1, k2, v2, ...] in
  document order; C counts then confirm that the text was valid JSON. Anything the fast path
  cannot vouch for goes to a Python parser that follows CPython, errors included.
"""

import sys
from _odict import odict, from_ordered


def _builtin(name):
    """MicroPython's own module `name`, even when /lib has a module of that name."""
    saved_path = sys.path[:]
    saved_module = sys.modules.pop(name, None)
    sys.path.clear()
    try:
        return __import__(name)
    finally:
        sys.path.extend(saved_path)
        sys.modules.pop(name, None)
        if saved_module is not None:
            sys.modules[name] = saved_module


_c = _builtin("json")
_OrderedDict = _builtin("collections").OrderedDict
_c_dumps = _c.dumps
_c_loads = _c.loads
_dict = dict
_NO = object()
_NoneType = type(None)
_LEAVES = {str, int, float, bool, _NoneType}
_KEYS = _LEAVES
# An ordered dict goes to the C encoder as C OrderedDicts of this many keys at most: their
# lookups are linear, so a big one would be quadratic.
_CHUNK = 32

__all__ = ["dump", "dumps", "load", "loads", "JSONDecodeError", "JSONEncoder"]


class JSONDecodeError(ValueError):
    """Invalid JSON, with CPython's message and position."""

    def __init__(self, msg, doc, pos):
        lineno = doc.count("\n", 0, pos) + 1
        colno = pos - doc.rfind("\n", 0, pos)
        super().__init__("%s: line %d column %d (char %d)" % (msg, lineno, colno, pos))
        self.msg = msg
        self.doc = doc
        self.pos = pos
        self.lineno = lineno
        self.colno = colno


# Encoding ------------------------------------------------------------------------------------


class _Raw:
    """JSON text that the C encoder copies as it is (it prints an object's repr)."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


def _for_c(o, path):
    """`o` in a form MicroPython's C encoder writes as CPython would, or _NO when only the
    Python encoder can do it right (unknown types, dict subclasses, odd keys)."""
    t = type(o)
    if t in _LEAVES:
        return o
    if t is list or t is tuple:
        if set(map(type, o)) <= _LEAVES:
            return o
        return _sequence_for_c(o, path)
    if t is odict or t is _dict:
        return _mapping_for_c(o, t, path)
    return _NO


def _enter(o, path):
    me = id(o)
    if me in path:
        raise ValueError("Circular reference detected")
    path.append(me)


def _sequence_for_c(o, path):
    _enter(o, path)
    out = []
    for item in o:
        if type(item) not in _LEAVES:
            item = _for_c(item, path)
            if item is _NO:
                return _NO
        out.append(item)
    path.pop()
    return out


def _mapping_for_c(o, t, path):
    keys = list(o)
    if not set(map(type, keys)) <= _KEYS:
        return _NO
    values = list(map(o.get, keys))
    if not set(map(type, values)) <= _LEAVES:
        _enter(o, path)
        for i in range(len(values)):
            if type(values[i]) not in _LEAVES:
                values[i] = _for_c(values[i], path)
                if values[i] is _NO:
                    return _NO
        path.pop()
        if t is _dict:
            return _dict(zip(keys, values))
    elif t is _dict:
        return o
    if len(keys) <= _CHUNK:
        return _OrderedDict(zip(keys, values))
    parts = []
    for start in range(0, len(keys), _CHUNK):
        part = _OrderedDict(zip(keys[start : start + _CHUNK], values[start : start + _CHUNK]))
        parts.append(_c_dumps(part)[1:-1])
    return _Raw("{" + ", ".join(parts) + "}")


def _outside_strings(text, fix):
    """Apply `fix` to the parts of JSON text `text` that are not inside strings."""
    pieces = text.split('"')
    inside = False
    for i in range(len(pieces)):
        piece = pieces[i]
        if not inside:
            pieces[i] = fix(piece)
            inside = True
        elif (len(piece) - len(piece.rstrip("\\"))) % 2 == 0:
            inside = False
    return '"'.join(pieces)


def _cpython_constants(piece):
    return piece.replace("-nan", "NaN").replace("nan", "NaN").replace("inf", "Infinity")


def _refuse_constants(piece):
    if "nan" in piece or "inf" in piece:
        raise ValueError("Out of range float values are not JSON compliant")
    return piece


def _escape(char):
    code = ord(char)
    if code < 0x10000:
        return "\\u%04x" % code
    code -= 0x10000
    return "\\u%04x\\u%04x" % (0xD800 | (code >> 10), 0xDC00 | (code & 0x3FF))


def _finish(text, ensure_ascii, allow_nan, from_c):
    """Turn what MicroPython's C encoder wrote into what CPython writes."""
    if from_c and ("nan" in text or "inf" in text):
        text = _outside_strings(text, _cpython_constants if allow_nan else _refuse_constants)
    if "\\u0008" in text or "\\u000c" in text:
        # A backslash the string held is written as a pair, so splitting on pairs leaves only
        # real escapes in each part.
        parts = text.split("\\\\")
        text = "\\\\".join([p.replace("\\u0008", "\\b").replace("\\u000c", "\\f") for p in parts])
    if ensure_ascii and (len(text.encode()) != len(text) or "\x7f" in text):
        for char in set(text):
            if char > "\x7e":
                text = text.replace(char, _escape(char))
    return text


def _float_text(value, allow_nan):
    if value != value or value in (_INF, -_INF):
        if not allow_nan:
            raise ValueError("Out of range float values are not JSON compliant")
        return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    return _c_dumps(value)


_INF = float("inf")


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


def dumps(
    obj,
    *,
    skipkeys=False,
    ensure_ascii=True,
    check_circular=True,
    allow_nan=True,
    cls=None,
    indent=None,
    separators=None,
    default=None,
    sort_keys=False,
    **kw
):
    """CPython's json.dumps."""
    if cls is None and not skipkeys and indent is None and separators is None and default is None and not sort_keys:
        ready = _for_c(obj, [])
        if ready is not _NO:
            return _finish(_c_dumps(ready), ensure_ascii, allow_nan, True)
    encoder = (cls or JSONEncoder)(
        skipkeys=skipkeys,
        ensure_ascii=ensure_ascii,
        check_circular=check_circular,
        allow_nan=allow_nan,
        indent=indent,
        separators=separators,
        default=default,
        sort_keys=sort_keys,
        **kw
    )
    return encoder.encode(obj)


def dump(obj, fp, **kw):
    """CPython's json.dump: dumps, written to fp."""
    fp.write(dumps(obj, **kw))


# Decoding ------------------------------------------------------------------------------------


class _Unsure(Exception):
    """The fast path cannot vouch for this text; the Python parser decides."""


def _restore(x, counts):
    """A value of the marked parse, with each [marker, k1, v1, ...] turned into an odict."""
    if x and type(x[0]) is _dict:
        keys = x[1::2]
        values = x[2::2]
        if len(keys) != len(values) or (keys and set(map(type, keys)) != _STR_ONLY):
            raise _Unsure
        counts[0] += 1
        if keys:
            counts[1] += 1
        if list in map(type, values):
            values = [_restore(v, counts) if type(v) is list else v for v in values]
        native = _dict(zip(keys, values))
        if len(native) != len(keys):
            raise _Unsure  # repeated keys: the Python parser keeps CPython's order for them
        return from_ordered(keys, native)
    if list in map(type, x):
        for i in range(len(x)):
            if type(x[i]) is list:
                x[i] = _restore(x[i], counts)
    return x


_STR_ONLY = {str}


def _fast_loads(s):
    if "\\ud" in s or "\\uD" in s:
        raise _Unsure  # surrogate pairs: MicroPython does not join them
    if "{" in s:
        marked = _c_loads(s.replace("}", "]").replace("{", "[{}"))
    else:
        marked = _c_loads(s)
    counts = [0, 0]  # objects, non-empty objects
    value = _restore(marked, counts) if type(marked) is list else marked
    if counts[0] and (counts[0] != s.count("{") or counts[0] != s.count("}")):
        raise _Unsure  # braces inside strings were turned into brackets
    # MicroPython's parser treats ',' and ':' as spaces. Each non-empty object has one
    # separator more as a C list than in valid text; any other difference means missing or
    # extra separators. Escaped control characters must match too (raw ones are invalid).
    canonical = _c_dumps(marked)
    if canonical.count(",") - s.count(",") - s.count(":") != counts[1] or "\\u00" in canonical:
        raise _Unsure
    for escape in ("\\n", "\\t", "\\r"):
        if canonical.count(escape) != s.count(escape):
            raise _Unsure
    if "\\" in s:
        # Every backslash that is not half of an escaped backslash must start a valid escape
        # (MicroPython reads "\x" as "x").
        for part in s.split("\\\\"):
            if part.count("\\") != sum([part.count(e) for e in _VALID_ESCAPES]):
                raise _Unsure
    return value


_VALID_ESCAPES = ["\\" + c for c in '"/bfnrtu']


def loads(s, *, cls=None, object_hook=None, parse_float=None, parse_int=None, parse_constant=None, object_pairs_hook=None, **kw):
    """CPython's json.loads; objects come back as dicts in document order."""
    if isinstance(s, (bytes, bytearray)):
        s = bytes(s).decode()
    elif not isinstance(s, str):
        raise TypeError("the JSON object must be str, bytes or bytearray, not %s" % type(s).__name__)
    hooks = object_hook or parse_float or parse_int or parse_constant or object_pairs_hook
    if not hooks:
        try:
            return _fast_loads(s)
        except (_Unsure, ValueError, TypeError, RuntimeError):
            pass
    return _Parser(s, object_hook, parse_float, parse_int, parse_constant, object_pairs_hook).parse()


def load(fp, **kw):
    """CPython's json.load: loads of fp.read()."""
    return loads(fp.read(), **kw)


_SPACE = " \t\n\r"
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_HEX = "0123456789abcdefABCDEF"
_CONSTANTS = {"NaN": float("nan"), "Infinity": _INF, "-Infinity": -_INF}


class _Parser:
    """CPython's JSON grammar and error messages, without recursion (MicroPython's stack is short)."""

    def __init__(self, text, object_hook, parse_float, parse_int, parse_constant, object_pairs_hook):
        self.s = text
        self.object_hook = object_hook
        self.parse_float = parse_float or float
        self.parse_int = parse_int or int
        self.parse_constant = parse_constant or _CONSTANTS.__getitem__
        self.object_pairs_hook = object_pairs_hook

    def fail(self, msg, pos):
        raise JSONDecodeError(msg, self.s, pos)

    def skip(self, i):
        s = self.s
        n = len(s)
        while i < n and s[i] in _SPACE:
            i += 1
        return i

    def parse(self):
        s = self.s
        n = len(s)
        stack = []  # [list, None] for arrays, [pairs, key] for objects
        i = self.skip(0)
        while True:
            # A value starts at i.
            c = s[i] if i < n else ""
            if c == "{":
                i = self.skip(i + 1)
                if i < n and s[i] == "}":
                    value = self.make_object([])
                    i += 1
                else:
                    key, i = self.key(i)
                    stack.append([[], key])
                    continue
            elif c == "[":
                i = self.skip(i + 1)
                if i < n and s[i] == "]":
                    value = []
                    i += 1
                else:
                    stack.append([[], None])
                    continue
            else:
                value, i = self.scalar(i)
            # A value ended before i: give it to its container, and close what ends here.
            while True:
                if not stack:
                    i = self.skip(i)
                    if i != n:
                        self.fail("Extra data", i)
                    return value
                top = stack[-1]
                i = self.skip(i)
                c = s[i] if i < n else ""
                if top[1] is None:
                    top[0].append(value)
                    if c == ",":
                        i = self.skip(i + 1)
                        break
                    if c != "]":
                        self.fail("Expecting ',' delimiter", i)
                    stack.pop()
                    value = top[0]
                    i += 1
                else:
                    top[0].append((top[1], value))
                    if c == ",":
                        top[1], i = self.key(self.skip(i + 1))
                        break
                    if c != "}":
                        self.fail("Expecting ',' delimiter", i)
                    stack.pop()
                    value = self.make_object(top[0])
                    i += 1

    def key(self, i):
        """The key at i and where its value starts, past the ':'."""
        s = self.s
        if i >= len(s) or s[i] != '"':
            self.fail("Expecting property name enclosed in double quotes", i)
        key, i = self.string(i)
        i = self.skip(i)
        if i >= len(s) or s[i] != ":":
            self.fail("Expecting ':' delimiter", i)
        return key, self.skip(i + 1)

    def make_object(self, pairs):
        if self.object_pairs_hook is not None:
            return self.object_pairs_hook(pairs)
        new = odict()
        for k, v in pairs:
            new[k] = v
        if self.object_hook is not None:
            return self.object_hook(new)
        return new

    def scalar(self, i):
        s = self.s
        n = len(s)
        c = s[i] if i < n else ""
        if c == '"':
            return self.string(i)
        for word, value in (("null", None), ("true", True), ("false", False)):
            if s.startswith(word, i):
                return value, i + len(word)
        for word in ("NaN", "Infinity", "-Infinity"):
            if s.startswith(word, i):
                return self.parse_constant(word), i + len(word)
        j = i
        if j < n and s[j] == "-":
            j += 1
        if j < n and s[j] == "0":
            j += 1
        elif j < n and "1" <= s[j] <= "9":
            j += 1
            while j < n and "0" <= s[j] <= "9":
                j += 1
        else:
            self.fail("Expecting value", i)
        integer = True
        if j + 1 < n and s[j] == "." and "0" <= s[j + 1] <= "9":
            integer = False
            j += 2
            while j < n and "0" <= s[j] <= "9":
                j += 1
        if j < n and s[j] in "eE":
            k = j + 1
            if k < n and s[k] in "+-":
                k += 1
            if k < n and "0" <= s[k] <= "9":
                integer = False
                j = k + 1
                while j < n and "0" <= s[j] <= "9":
                    j += 1
        text = s[i:j]
        return (self.parse_int(text) if integer else self.parse_float(text)), j

    def string(self, start):
        """The string whose opening quote is at `start`, and the index past its closing quote."""
        s = self.s
        n = len(s)
        chunks = []
        i = start + 1
        while True:
            quote = s.find('"', i)
            if quote < 0:
                self.fail("Unterminated string starting at", start)
            backslash = s.find("\\", i, quote)
            end = quote if backslash < 0 else backslash
            plain = s[i:end]
            if plain and min(plain) < " ":
                for k in range(len(plain)):
                    if plain[k] < " ":
                        self.fail("Invalid control character at", i + k)
            chunks.append(plain)
            if end == quote:
                return "".join(chunks), quote + 1
            i = end + 1
            c = s[i] if i < n else ""
            if c == "u":
                code = self.hex4(i)
                i += 5
                if 0xD800 <= code <= 0xDBFF and s.startswith("\\u", i):
                    low = self.hex4(i + 1)
                    if 0xDC00 <= low <= 0xDFFF:
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                chunks.append(chr(code))
            elif c in _ESCAPES and c:
                chunks.append(_ESCAPES[c])
                i += 1
            elif not c:
                self.fail("Unterminated string starting at", start)
            else:
                self.fail("Invalid \\escape", end)

    def hex4(self, u):
        digits = self.s[u + 1 : u + 5]
        if len(digits) != 4 or not all(d in _HEX for d in digits):
            self.fail("Invalid \\uXXXX escape", u)
        return int(digits, 16)
