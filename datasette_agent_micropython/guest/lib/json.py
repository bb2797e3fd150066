"""json for the sandbox: CPython's json over MicroPython's C json.

MicroPython's json has no options, forgets key order, accepts invalid text ([1,], [1 2]), writes
non-ASCII raw and nan as `nan`, and its output buffer grows a few bytes at a time, so one big
dumps is quadratic. Here:
- dumps/dump without options: the C encoder writes small pieces (ordered dicts handed to it as C
  OrderedDicts of a few keys, long lists and strings in slices) that are joined once; a walk
  checks the types first, so unknown objects raise as in CPython. A few C string passes fix
  what it writes differently. With options, the Python JSONEncoder (_json_encoder.py) writes.
- loads/load return odicts in document order. The C parser reads the text with each '{' turned
  into '[{}' and each '}' into an end marker and ']', which yields each object as
  [{}, k1, v1, ..., END] in document order; checks with C string methods (counts of separators
  against what the values need, numbers, escapes, control characters) confirm that the text was
  valid JSON. Anything this fast path cannot vouch for goes to a Python parser
  (_json_decoder.py) that follows CPython, errors too.
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
        keys = o._seen_order() if t is odict else list(o)
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


# What '}' becomes for the C parser: a str that ends each object's list. No str of valid text
# can equal it here: raw control characters in strings and the escape \u0001 go to the Python
# parser. (Not NUL: the C parser stops reading at a NUL.)
_END = "\x01"
_join = "".join
_DIGITS = b"0123456789"
# Bytes that may stand right before a digit inside a number (1.5, 1e5, 1e+5, 1e-5, 15).
_IN_NUMBER = b"0123456789.eE+-"
# Bytes that may follow a backslash once escaped backslashes and quotes are gone.
_ESCAPED = b"/bfnrtu"
_HEX = b"0123456789abcdefABCDEF"
# Equal to the dict each object's list starts with in the marked parse, and to no other value.
_MARK_DICT = _dict()
# What the marked parse makes of objects and arrays (an object's list starts with a dict).
_CONTAINERS_PARSED = (list, _dict)
# Around _check_numbers' text: more than the farthest it looks from a dot (17 bytes).
_PAD = b" " * 20


def _restore(x, tally):
    """A list of the marked parse as the value it stands for: [{}, k1, v1, ..., END] is an
    object (an odict), any other list an array. `tally` counts the objects and the ':' and ','
    that valid text has between these items. Lists are restored in place: the parse made them
    for this call alone. These functions keep few locals and shallow expressions on purpose: a
    MicroPython frame of more than 11 words comes from the GC heap, on every call, and each
    bytecode costs much, so the lists among a list's items are found at C speed."""
    if x and type(x[0]) is _dict:
        return _object(x, tally)
    if x:
        tally[2] += len(x) - 1
        if list in map(type, x):
            if len(x) > 1:
                rows = _rows(x, tally)
                if rows is not None:
                    return rows
                if _scalar_arrays(x, tally):
                    return x
            _restore_lists(x, tally)
    return x


def _rows(x, tally):
    """An array of objects with the same keys in the same order (rows), restored column by
    column at C speed, or None for any other array. Each row still needs an odict of its own
    (from_pairs), but the checks, the slicing and the pairing are done by zip, map and count
    over whole columns instead of by bytecode per row."""
    if type(x[0]) is not list:
        return None
    width = len(x[0])
    # At least one key: zip(*values) of no columns would yield no rows at all.
    if width < 4 or width % 2 or type(x[0][0]) is not _dict:
        return None
    try:
        widths = list(map(len, x))  # a TypeError where an item is a number, True, False or None
    except TypeError:
        return None
    if widths.count(width) != len(x):
        return None
    columns = list(zip(*x))
    # Every row an object: its first item the dict of a mark (the parse's only dicts, all
    # empty), not an array's item nor a str's character. Counted by equality at C speed.
    if columns[0].count(_MARK_DICT) != len(x):
        return None
    keys = [column[0] for column in columns[1:-1:2]]
    for column, key in zip(columns[1:-1:2], keys):
        if type(key) is not str or column.count(key) != len(x):
            return None
    if columns[-1].count(_END) != len(x) or len(set(keys)) != len(keys):
        raise _Unsure  # a ']' closed a '{'; or repeated keys, whose order the Python parser keeps
    values = columns[2:-1:2]
    for i in range(len(values)):
        # A column holds a list (an array or an object) when hashing it fails: one C call,
        # where looking at each value's type costs a call per row.
        try:
            hash(values[i])
        except TypeError:
            values[i] = _restored(values[i], tally)
    tally[0] += len(x)
    tally[1] += len(x) * len(keys)
    tally[2] += len(x) * (len(keys) - 1)
    shared = [tuple(keys)] * len(x)  # one tuple of the keys for all the rows (see _odict)
    return list(map(from_pairs, shared, map(zip, shared, zip(*values))))


def _restored(column, tally):
    """A column of values with lists among them, restored: a column of objects with the same
    keys (a nested object in each row) is restored as rows are."""
    if _scalar_arrays(column, tally):
        return column
    rows = _rows(column, tally)
    if rows is not None:
        return rows
    return [_restore(v, tally) if type(v) is list else v for v in column]


def _scalar_arrays(x, tally):
    """Whether every item of `x` is an array of scalars only (a column of tags, an array of
    arrays of numbers): such items are already what they stand for, and are checked and
    counted whole at C speed instead of one call each."""
    # The first array's first item tells at once about a column of objects (or of arrays of
    # them), for which the whole look would be wasted.
    if list(map(type, x)).count(list) != len(x) or (x[0] and type(x[0][0]) in _CONTAINERS_PARSED):
        return False
    try:
        # A TypeError where an array holds a list or the dict of a mark. (Not one list of all the
        # items: extend grows a list to the exact size each time, so building it is quadratic.)
        hash(tuple(map(tuple, x)))
    except TypeError:
        return False
    lengths = list(map(len, x))
    tally[2] += sum(lengths) - len(x) + lengths.count(0)
    return True


def _restore_lists(x, tally):
    kinds = list(map(type, x))
    left = kinds.count(list)
    i = -1
    while left:
        i = kinds.index(list, i + 1)
        item = x[i]
        x[i] = _object(item, tally) if item and type(item[0]) is _dict else _restore(item, tally)
        left -= 1


def _object(x, tally):
    # [{}, k1, v1, ..., kn, vn, END]: an even length, str keys, the end marker last.
    if len(x) % 2 or x[-1] != _END:
        raise _Unsure  # a ']' closed a '{', or a key without a value
    keys = x[1:-1:2]
    _join(keys)  # a TypeError unless every key is a str
    x = x[2:-1:2]
    if list in map(type, x):
        _restore_lists(x, tally)
    tally[0] += 1
    tally[1] += len(keys)
    if keys:
        tally[2] += len(keys) - 1
    x = from_pairs(keys, zip(keys, x))
    if len(x) != len(keys):
        raise _Unsure  # repeated keys: the Python parser keeps CPython's order for them
    return x


def _check_escapes(bare):
    """Refuse what MicroPython reads and CPython does not: an unknown escape, or \\u without four
    hex digits. `bare` has its escaped backslashes and quotes taken out already."""
    for piece in bare.split(b"\\")[1:]:
        if not piece or piece[0] not in _ESCAPED:
            raise _Unsure
        if piece[0] == 117:  # u
            if len(piece) < 5:
                raise _Unsure
            for c in piece[1:5]:
                if c not in _HEX:
                    raise _Unsure


def _check_numbers(text):
    """Refuse numbers MicroPython reads and CPython does not: a dot without a digit on both sides
    (1., -.5, 1.e5), and a leading zero (01, -01); and numbers it reads otherwise: 20 digits or
    more with a dot (see _float_text). `text` is the text outside strings, each string left as
    one quote. Found with find, not split: pieces of more than a heap block each cost a search
    of MicroPython's allocator. The text is padded with spaces, so that the looks around a dot
    or a zero need no bounds checks; a byte is tested for a digit by comparisons, which cost
    half what `in` on a bytes costs."""
    text = _PAD + text + _PAD
    i = text.find(b".")
    while i >= 0:
        if not (47 < text[i - 1] < 58 and 47 < text[i + 1] < 58):
            raise _Unsure
        # 20 digits have 17 after the dot, or 4 before it and then 10 after it or 11 before it:
        # where characters at those distances (and some between) are not digits, the number is
        # short. Looked at one by one (a slice is an allocation, and each brings the next
        # collection nearer), the likeliest to fail first.
        if (47 < text[i + 17] < 58 and 47 < text[i + 9] < 58) or (
            47 < text[i - 4] < 58
            and (
                (47 < text[i + 10] < 58 and 47 < text[i + 5] < 58) or (47 < text[i - 11] < 58 and 47 < text[i - 6] < 58)
            )
        ):
            if _many_digits(text, i):
                raise _Unsure
        i = text.find(b".", i + 2)
    i = text.find(b"0")
    while i >= 0:
        if 47 < text[i + 1] < 58 and _starts_number(text, i):
            raise _Unsure
        i = text.find(b"0", i + 1)


def _many_digits(text, point):
    """Whether the number whose dot is at `point` has 20 significant digits or more."""
    start = point
    while start > 0 and text[start - 1] in _DIGITS:
        start -= 1
    need = 20 - len(text[start:point].lstrip(b"0"))
    if need <= 0:
        return True
    first = point + 1
    if need == 20:
        # No significant digit before the dot: the fraction's leading zeros are none either.
        while first < len(text) and text[first] == 48:  # '0'
            first += 1
    digits = text[first : first + need]
    return len(digits) == need and digits.isdigit()


def _starts_number(text, i):
    """Whether the character at i begins a number (is not preceded by one's characters). The
    text is _check_numbers' padded text: there are characters before i."""
    if text[i - 1] == 45:  # '-'
        return text[i - 2] not in _IN_NUMBER
    return text[i - 1] not in _IN_NUMBER


def _fast_loads(s):
    """The C parser's reading of `s`, with objects in document order, or _Unsure.

    The C parser reads the text with each '{' turned into '[{}' and each '}' into '"END"]', which
    yields each object as [{}, k1, v1, ..., END] in document order. It reads more than JSON: ','
    and ':' anywhere (as spaces), leading zeros, control characters and unknown escapes in
    strings, a '}' closing a '['. Checks done with C string methods refuse those: the separators
    are counted against what the values need, and the rest is looked for in the text split at
    its quotes (strings inside, everything else between)."""
    raw = s.encode()
    bare = raw
    if b"\\" in raw:
        if b"\\ud" in raw or b"\\uD" in raw or b"\\u0001" in raw:
            raise _Unsure  # surrogates (MicroPython does not join them), or the end marker
        bare = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
        if b"\\" in bare:
            _check_escapes(bare)
    pieces = bare.split(b'"')
    if not len(pieces) % 2:
        raise _Unsure  # a string without its closing quote
    inside = b"".join(pieces[1::2])
    # Control characters in strings; a '{' there would be marked. (A '}' there needs no look:
    # its marker's quote ends the string early, and the C parser then fails on the '\x01'.)
    if inside and (min(inside) < 32 or b"{" in inside):
        raise _Unsure
    between = b'"'.join(pieces[0::2])
    if b"\x00" in between or b"\x0b" in between or b"\x0c" in between:
        raise _Unsure  # the C parser stops at a NUL; the others are spaces to it, not to JSON
    value = _c_loads(raw.replace(b"}", b'"\x01"]').replace(b"{", b"[{}"))
    tally = [0, 0, 0]  # objects; the ':' and ',' that valid text has
    if type(value) is list:
        value = _restore(value, tally)
    # Each '}' ended one list, and each object's list was checked to end so: where as many
    # objects as '}' were found, no '}' closed a '['.
    if between.count(b"}") != tally[0] or between.count(b":") != tally[1] or between.count(b",") != tally[2]:
        raise _Unsure
    # Every ':' right after a string (a key), as it follows one in valid text (text that puts
    # more space before it goes to the Python parser).
    keyed = between.count(b'":') if tally[1] else 0
    if keyed != tally[1] and keyed + between.count(b'" :') != tally[1]:
        raise _Unsure
    _check_numbers(between)
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
