"""json for the sandbox: CPython's json over MicroPython's C json.

MicroPython's json has no options, forgets key order, accepts invalid text ([1,], [1 2]), writes
non-ASCII raw and nan as `nan`, and its output buffer grows a few bytes at a time, so one big
dumps is quadratic. Here:
- dumps/dump without options: the C encoder writes small pieces (ordered dicts handed to it as C
  OrderedDicts of a few keys, long lists and strings in slices) that are joined once; a walk
  checks the types first, so unknown objects raise as in CPython. A few C string passes fix
  what it writes differently. With options, the Python JSONEncoder (_json_encoder.py) writes.
- loads/load return odicts in document order. The C parser reads the text with its braces turned
  into brackets and a marker, which yields each object as [marker, k1, v1, k2, v2, ...] in
  document order; C counts then confirm that the text was valid JSON. Anything this fast path
  cannot vouch for goes to a Python parser (_json_decoder.py) that follows CPython, errors too.
"""

import sys

from _odict import from_pairs, odict


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
_LEAVES = {str, int, float, bool, type(None)}
# Pieces the C encoder writes in one call: its buffer growth makes big ones quadratic, and a C
# OrderedDict's lookups are linear.
_ITEMS = 64
_CONTAINERS = 16
_KEYS = 32
_CHARS = 4096


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
    """JSON text that the C encoder copies as it is (it writes an object as its repr)."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


def _in_slices(items, size, text_of):
    """The JSON of `items` written `size` at a time, without each slice's brackets, joined."""
    if len(items) <= size:
        return text_of(items)[1:-1]
    return ", ".join([text_of(items[i : i + size])[1:-1] for i in range(0, len(items), size)])


def _short_leaves(values):
    """Whether every value is a JSON leaf the C encoder may write in one call. Long strings are
    looked for only where every value is a string: the check costs more than it saves in rows
    of mixed values, where a string of many kilobytes is rare."""
    kinds = set(map(type, values))
    if not kinds <= _LEAVES:
        return False
    return not (values and len(kinds) == 1 and str in kinds and max(map(len, values)) > _CHARS)


def _piece(o, path):
    """`o` as something the C encoder writes as CPython would (o itself, an OrderedDict or
    _Raw text), or _NO when only the Python encoder can (unknown types, dict subclasses...)."""
    t = type(o)
    if t is str:
        if len(o) <= _CHARS:
            return o
        return _Raw('"' + "".join([_c_dumps(o[i : i + _CHARS])[1:-1] for i in range(0, len(o), _CHARS)]) + '"')
    if t in _LEAVES:
        return o
    if t is list or t is tuple:
        if _short_leaves(o):
            return o if len(o) <= _ITEMS else _Raw("[" + _in_slices(o, _ITEMS, _c_dumps) + "]")
        items = _pieces(o, o, path)
        if items is _NO:
            return _NO
        return _Raw("[" + _in_slices(items, _CONTAINERS, _c_dumps) + "]")
    if t is odict or t is _dict:
        keys = o._order() if t is odict else list(o)
        if not set(map(type, keys)) <= _LEAVES:
            return _NO
        values = list(map(o.get, keys))
        if not _short_leaves(values):
            values = _pieces(values, o, path)
            if values is _NO:
                return _NO
        if len(keys) <= _KEYS:
            return _OrderedDict(zip(keys, values))
        return _Raw("{" + _in_slices(list(zip(keys, values)), _KEYS, _pairs_text) + "}")
    return _NO


def _pairs_text(pairs):
    return _c_dumps(_OrderedDict(pairs))


def _pieces(values, owner, path):
    me = id(owner)
    if me in path:
        raise ValueError("Circular reference detected")
    path.append(me)
    out = []
    for value in values:
        value = _piece(value, path)
        if value is _NO:
            return _NO
        out.append(value)
    path.pop()
    return out


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


_NUMBER_CHARS = "0123456789.eE+-"


def _cpython_floats(piece):
    # MicroPython's C encoder writes some floats with 17 digits (85.71 as 85.70999999999999);
    # CPython writes the shortest text that reads back the same. Only long numbers can differ.
    out, start, length = [], 0, len(piece)
    i = 0
    while i < length:
        if piece[i] in _NUMBER_CHARS:
            end = i
            while end < length and piece[end] in _NUMBER_CHARS:
                end += 1
            token = piece[i:end]
            if end - i >= 17 and ("." in token or "e" in token or "E" in token):
                from _format import float_repr

                out.append(piece[start:i])
                out.append(float_repr(float(token)))
                start = end
            i = end
        else:
            i += 1
    if not out:
        return piece
    out.append(piece[start:])
    return "".join(out)


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
    if from_c and "." in text:
        text = _outside_strings(text, _cpython_floats)
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
    **kw,
):
    """CPython's json.dumps."""
    if cls is None and not skipkeys and indent is None and separators is None and default is None and not sort_keys:
        ready = _piece(obj, [])
        if ready is not _NO:
            return _finish(_c_dumps(ready), ensure_ascii, allow_nan, True)
    return (cls or JSONEncoder)(
        skipkeys=skipkeys,
        ensure_ascii=ensure_ascii,
        check_circular=check_circular,
        allow_nan=allow_nan,
        indent=indent,
        separators=separators,
        default=default,
        sort_keys=sort_keys,
        **kw,
    ).encode(obj)


def dump(obj, fp, **kw):
    """CPython's json.dump: dumps, written to fp."""
    fp.write(dumps(obj, **kw))


# Decoding ------------------------------------------------------------------------------------


class _Unsure(Exception):
    """The fast path cannot vouch for this text; the Python parser decides."""


_STR_ONLY = {str}
# A number MicroPython reads and CPython refuses: a leading zero (01, -01), or a dot without a
# digit on both sides (1., 1.e5, -.5).
_re = _builtin("re")
_BAD_NUMBER = _re.compile(b"(^|[^0-9.eE+-])-?0[0-9]|[.]([^0-9]|$)|(^|[^0-9])[.]").search
# A \u escape without four hex digits (MicroPython reads \u01f as one).
_SHORT_U = _re.compile(b"\\\\u([^0-9a-fA-F]|.[^0-9a-fA-F]|..[^0-9a-fA-F]|...[^0-9a-fA-F])").search
_VALID_ESCAPES = [b"\\" + c for c in (b'"', b"/", b"b", b"f", b"n", b"r", b"t", b"u")]


def _restore(x, counts):
    """A value of the marked parse, with each [marker, k1, v1, ..., marker] turned into an odict.

    An object's list starts and ends with a marker, an array's with neither: anything else is a
    '{' closed by ']' or a '[' closed by '}'. These functions keep few locals on purpose: a
    MicroPython frame of more than 11 words comes from the GC heap, on every call."""
    if not x:
        return x
    if type(x[0]) is _dict:
        return _object(x, counts)
    if type(x[-1]) is _dict:
        raise _Unsure
    counts[1] += len(x) - 1
    if list in map(type, x):
        # A new list, not the old one changed in place: freeing its items one by one would
        # fragment the heap, and MicroPython's allocator then slows down with every block.
        return [_restore(v, counts) if type(v) is list else v for v in x]
    return x


def _object(x, counts):
    # [marker, k1, v1, ..., marker]: an even length, a marker at both ends, str keys.
    if len(x) % 2 or type(x[-1]) is not _dict:
        raise _Unsure
    keys = x[1:-1:2]
    if keys and _str_keys(keys) is not True:
        raise _Unsure
    values = x[2:-1:2]
    counts[0] += 1
    if keys:
        counts[1] += 2 * len(keys) - 1
    if list in map(type, values):
        values = [_restore(v, counts) if type(v) is list else v for v in values]
    new = from_pairs(keys, zip(keys, values))
    if len(new) != len(keys):
        raise _Unsure  # repeated keys: the Python parser keeps CPython's order for them
    return new


def _str_keys(keys):
    for key in keys:
        if type(key) is not str:
            return False
    return True


def _fast_loads(s):
    if "\\ud" in s or "\\uD" in s:
        raise _Unsure  # surrogate pairs: MicroPython does not join them
    if "\x00" in s:
        raise _Unsure  # never in valid JSON; the C parser stops at it, the marking below uses it
    braces = "{" in s or "}" in s
    if braces:
        # The C parser reads ',' and ':' as spaces, so the markers need no separators.
        s_marked = s.replace("}", "\x00").replace("{", "[{}").replace("\x00", "{}]")
    marked = _c_loads(s_marked if braces else s)
    counts = [0, 0]  # objects; separators that valid text has between items
    value = _restore(marked, counts) if type(marked) is list else marked
    if braces and (counts[0] != s.count("{") or counts[0] != s.count("}")):
        raise _Unsure  # braces inside strings were turned into brackets
    # MicroPython's parser reads invalid text ([1,], [1 2], 01, "\x", raw tabs in strings):
    # look at the text between strings and inside them, split on the quotes once escaped
    # backslashes and quotes are gone. As bytes: their pieces are neither interned nor indexed
    # by walking UTF-8.
    bare = s.encode()
    if b"\\" in bare:
        bare = bare.replace(b"\\\\", b"").replace(b'\\"', b"")
        if bare.count(b"\\") != sum([bare.count(e) for e in _VALID_ESCAPES]) or _SHORT_U(bare):
            raise _Unsure
    pieces = bare.split(b'"')
    between = b"".join(pieces[0::2])
    inside = b"".join(pieces[1::2])
    if between.count(b",") + between.count(b":") != counts[1]:
        raise _Unsure
    if (inside and min(inside) < 32) or _BAD_NUMBER(between):
        raise _Unsure
    return value


def loads(
    s,
    *,
    cls=None,
    object_hook=None,
    parse_float=None,
    parse_int=None,
    parse_constant=None,
    object_pairs_hook=None,
    **kw,
):
    """CPython's json.loads; objects come back as dicts in document order."""
    if isinstance(s, (bytes, bytearray)):
        s = bytes(s).decode()
    elif not isinstance(s, str):
        raise TypeError("the JSON object must be str, bytes or bytearray, not %s" % type(s).__name__)
    if not (object_hook or parse_float or parse_int or parse_constant or object_pairs_hook):
        try:
            return _fast_loads(s)
        except (_Unsure, ValueError, TypeError, RuntimeError):
            pass
    return Parser(s, object_hook, parse_float, parse_int, parse_constant, object_pairs_hook).parse()


def load(fp, **kw):
    """CPython's json.load: loads of fp.read()."""
    return loads(fp.read(), **kw)


# Imported with json, not when first needed: `import json` is compiled on fuel of its own (see
# the bootstrap), a later import inside user code would cost the user's fuel.
from _json_decoder import Parser  # noqa: E402
from _json_encoder import JSONEncoder  # noqa: E402
