"""pprint for the sandbox: pprint, pformat, pp, saferepr and PrettyPrinter, laid out as CPython's.

An object whose repr fits in the width left on its line is written as its repr (with dicts'
keys sorted unless sort_dicts=False). Otherwise dicts, lists, tuples, sets, long strings,
dataclasses, Counters and defaultdicts are broken one item per line, indented under their
opening bracket.
"""

import sys


def _odict_type():
    module = sys.modules.get("_odict")
    return module.odict if module is not None else None


def _is_plain_dict(obj):
    kind = type(obj)
    return kind is dict or kind is _NATIVE_DICT or kind is _odict_type()


_NATIVE_DICT = type({})


class _SafeKey:
    """Sorts values of mixed types: by value when they compare, else by type name then id."""

    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj

    def __eq__(self, other):
        try:
            return self.obj == other.obj
        except TypeError:
            return False

    def __lt__(self, other):
        try:
            return self.obj < other.obj
        except TypeError:
            return (str(type(self.obj)), id(self.obj)) < (str(type(other.obj)), id(other.obj))

    def __gt__(self, other):
        return other.__lt__(self)


def _pair_key(pair):
    return (_SafeKey(pair[0]), _SafeKey(pair[1]))


def _sorted(items, key):
    from _stablesort import stable_sorted

    return stable_sorted(items, key)


def _group_digits(number):
    text = str(abs(number))
    groups = []
    while len(text) > 3:
        groups.insert(0, text[-3:])
        text = text[:-3]
    groups.insert(0, text)
    return ("-" if number < 0 else "") + "_".join(groups)


class PrettyPrinter:
    def __init__(
        self, indent=1, width=80, depth=None, stream=None, *, compact=False, sort_dicts=True, underscore_numbers=False
    ):
        indent = int(indent)
        width = int(width)
        if indent < 0:
            raise ValueError("indent must be >= 0")
        if depth is not None and depth <= 0:
            raise ValueError("depth must be > 0")
        if not width:
            raise ValueError("width must be != 0")
        self._indent_per_level = indent
        self._width = width
        self._depth = depth
        self._stream = stream
        self._compact = bool(compact)
        self._sort_dicts = sort_dicts
        self._underscore_numbers = underscore_numbers

    def pprint(self, object):
        text = self.pformat(object)
        if self._stream is None:
            print(text)
        else:
            self._stream.write(text + "\n")

    def pformat(self, object):
        parts = []
        self._format(object, parts, 0, 0, {}, 0)
        return "".join(parts)

    def isrecursive(self, object):
        return self.format(object, {}, 0, 0)[2]

    def isreadable(self, object):
        text, readable, recursive = self.format(object, {}, 0, 0)
        return readable and not recursive

    def format(self, object, context, maxlevels, level):
        """(repr text, whether eval() could read it back, whether it holds itself)."""
        return self._safe_repr(object, context, maxlevels, level)

    # ------------------------------------------------------------ one line

    def _repr(self, object, context, level):
        text, readable, recursive = self.format(object, dict(context), self._depth, level)
        return text

    def _safe_repr(self, object, context, maxlevels, level):
        kind = type(object)
        if kind in (int, float, complex, str, bytes, bool, type(None)):
            if kind is int and self._underscore_numbers:
                return _group_digits(object), True, False
            return repr(object), True, False
        if _is_plain_dict(object) or kind is list or kind is tuple:
            if not object:
                return ("{}" if _is_plain_dict(object) else repr(kind())), True, False
            key = id(object)
            if maxlevels and level >= maxlevels:
                if _is_plain_dict(object):
                    text = "{...}"
                else:
                    text = "[...]" if kind is list else "(...,)" if len(object) == 1 else "(...)"
                return text, False, key in context
            if key in context:
                return _recursion(object), False, True
            context[key] = 1
            readable, recursive = True, False
            parts = []
            level += 1
            if _is_plain_dict(object):
                items = list(object.items())
                if self._sort_dicts:
                    items = _sorted(items, _pair_key)
                for k, v in items:
                    krepr, kreadable, krecursive = self._safe_repr(k, context, maxlevels, level)
                    vrepr, vreadable, vrecursive = self._safe_repr(v, context, maxlevels, level)
                    parts.append("%s: %s" % (krepr, vrepr))
                    readable = readable and kreadable and vreadable
                    recursive = recursive or krecursive or vrecursive
                text = "{%s}" % ", ".join(parts)
            else:
                for item in object:
                    irepr, ireadable, irecursive = self._safe_repr(item, context, maxlevels, level)
                    parts.append(irepr)
                    readable = readable and ireadable
                    recursive = recursive or irecursive
                if kind is list:
                    text = "[%s]" % ", ".join(parts)
                elif len(parts) == 1:
                    text = "(%s,)" % parts[0]
                else:
                    text = "(%s)" % ", ".join(parts)
            del context[key]
            return text, readable, recursive
        if (kind is set or kind is frozenset) and object:
            # MicroPython's set order is not CPython's; ascending order is what CPython shows
            # for the common small-int sets.
            parts = [
                self._safe_repr(item, context, maxlevels, level + 1)[0] for item in _sorted(list(object), _SafeKey)
            ]
            text = "{%s}" % ", ".join(parts)
            return (text if kind is set else "frozenset(%s)" % text), True, False
        text = repr(object)
        return text, bool(text) and not text.startswith("<"), False

    # ------------------------------------------------------------ across lines

    def _format(self, object, stream, indent, allowance, context, level):
        key = id(object)
        if key in context:
            stream.append(_recursion(object))
            return
        text = self._repr(object, context, level)
        if len(text) > self._width - indent - allowance:
            layout = self._layout_for(object)
            if layout is not None:
                context[key] = 1
                layout(self, object, stream, indent, allowance, context, level + 1)
                del context[key]
                return
        stream.append(text)

    def _layout_for(self, object):
        kind = type(object)
        if _is_plain_dict(object):
            return PrettyPrinter._pprint_dict
        if kind is list:
            return PrettyPrinter._pprint_list
        if kind is tuple:
            return PrettyPrinter._pprint_tuple
        if kind is set or kind is frozenset:
            return PrettyPrinter._pprint_set
        if kind is str:
            return PrettyPrinter._pprint_str
        name = kind.__name__
        if name == "Counter" and hasattr(object, "most_common"):
            return PrettyPrinter._pprint_counter
        if name == "defaultdict" and hasattr(object, "default_factory"):
            return PrettyPrinter._pprint_default_dict
        params = getattr(kind, "__dataclass_params__", None)
        if params is not None and params.repr and not isinstance(object, type):
            return PrettyPrinter._pprint_dataclass
        return None

    def _pprint_dict(self, object, stream, indent, allowance, context, level):
        stream.append("{")
        if self._indent_per_level > 1:
            stream.append(" " * (self._indent_per_level - 1))
        items = list(object.items())
        if self._sort_dicts:
            items = _sorted(items, _pair_key)
        if items:
            self._format_dict_items(items, stream, indent, allowance + 1, context, level)
        stream.append("}")

    def _format_dict_items(self, items, stream, indent, allowance, context, level):
        indent += self._indent_per_level
        separator = ",\n" + " " * indent
        last_index = len(items) - 1
        for index, (key, value) in enumerate(items):
            last = index == last_index
            key_text = self._repr(key, context, level)
            stream.append(key_text)
            stream.append(": ")
            self._format(value, stream, indent + len(key_text) + 2, allowance if last else 1, context, level)
            if not last:
                stream.append(separator)

    def _pprint_list(self, object, stream, indent, allowance, context, level):
        stream.append("[")
        self._format_items(object, stream, indent, allowance + 1, context, level)
        stream.append("]")

    def _pprint_tuple(self, object, stream, indent, allowance, context, level):
        stream.append("(")
        closing = ",)" if len(object) == 1 else ")"
        self._format_items(object, stream, indent, allowance + len(closing), context, level)
        stream.append(closing)

    def _pprint_set(self, object, stream, indent, allowance, context, level):
        if not object:
            stream.append(repr(object))
            return
        if type(object) is set:
            stream.append("{")
            closing = "}"
        else:
            stream.append(type(object).__name__ + "({")
            closing = "})"
            indent += len(type(object).__name__) + 1
        items = _sorted(list(object), _SafeKey)
        self._format_items(items, stream, indent, allowance + len(closing), context, level)
        stream.append(closing)

    def _format_items(self, items, stream, indent, allowance, context, level):
        indent += self._indent_per_level
        if self._indent_per_level > 1:
            stream.append(" " * (self._indent_per_level - 1))
        newline = ",\n" + " " * indent
        delimiter = ""
        room = full = self._width - indent + 1
        last_index = len(items) - 1
        for index, item in enumerate(items):
            last = index == last_index
            if last:
                full -= allowance
                room -= allowance
            if self._compact:
                text = self._repr(item, context, level)
                needed = len(text) + 2
                if room < needed:
                    room = full
                    if delimiter:
                        delimiter = newline
                if room >= needed:
                    room -= needed
                    stream.append(delimiter)
                    delimiter = ", "
                    stream.append(text)
                    continue
            stream.append(delimiter)
            delimiter = newline
            self._format(item, stream, indent, allowance if last else 1, context, level)

    def _pprint_str(self, object, stream, indent, allowance, context, level):
        if not object:
            stream.append(repr(object))
            return
        chunks = []
        lines = object.splitlines(True)
        if level == 1:
            indent += 1
            allowance += 1
        room = first_room = self._width - indent
        for line_index, line in enumerate(lines):
            text = repr(line)
            last_line = line_index == len(lines) - 1
            if last_line:
                first_room -= allowance
            if len(text) <= first_room:
                chunks.append(text)
                continue
            words = _words_with_spaces(line)
            line_room = room
            current = ""
            for word_index, word in enumerate(words):
                candidate = current + word
                if word_index == len(words) - 1 and last_line:
                    line_room -= allowance
                if len(repr(candidate)) > line_room:
                    if current:
                        chunks.append(repr(current))
                    current = word
                else:
                    current = candidate
            if current:
                chunks.append(repr(current))
        if len(chunks) == 1:
            stream.append(chunks[0])
            return
        if level == 1:
            stream.append("(")
        for index, chunk in enumerate(chunks):
            if index:
                stream.append("\n" + " " * indent)
            stream.append(chunk)
        if level == 1:
            stream.append(")")

    def _pprint_counter(self, object, stream, indent, allowance, context, level):
        if not object:
            stream.append(repr(object))
            return
        name = type(object).__name__
        stream.append(name + "({")
        if self._indent_per_level > 1:
            stream.append(" " * (self._indent_per_level - 1))
        self._format_dict_items(object.most_common(), stream, indent + len(name) + 1, allowance + 2, context, level)
        stream.append("})")

    def _pprint_default_dict(self, object, stream, indent, allowance, context, level):
        if not object:
            stream.append(repr(object))
            return
        name = type(object).__name__
        indent += len(name) + 1
        stream.append("%s(%s,\n%s" % (name, self._repr(object.default_factory, context, level), " " * indent))
        self._pprint_dict(object, stream, indent, allowance + 1, context, level)
        stream.append(")")

    def _pprint_dataclass(self, object, stream, indent, allowance, context, level):
        import dataclasses

        name = type(object).__name__
        indent += len(name) + 1
        items = [(field.name, getattr(object, field.name)) for field in dataclasses.fields(object) if field.repr]
        stream.append(name + "(")
        separator = ",\n" + " " * indent
        for index, (key, value) in enumerate(items):
            last = index == len(items) - 1
            stream.append(key + "=")
            if id(value) in context:
                stream.append("...")
            else:
                self._format(value, stream, indent + len(key) + 1, allowance if last else 1, context, level)
            if not last:
                stream.append(separator)
        stream.append(")")


def _words_with_spaces(line):
    """line split into runs of non-space characters, each with the spaces that follow it."""
    words = []
    current = ""
    in_space = False
    for char in line:
        if char.isspace():
            in_space = True
        elif in_space:
            words.append(current)
            current = ""
            in_space = False
        current += char
    if current:
        words.append(current)
    return words


def _recursion(object):
    return "<Recursion on %s with id=%s>" % (type(object).__name__, id(object))


def pformat(object, indent=1, width=80, depth=None, *, compact=False, sort_dicts=True, underscore_numbers=False):
    """The pretty-printed text of object."""
    return PrettyPrinter(
        indent=indent,
        width=width,
        depth=depth,
        compact=compact,
        sort_dicts=sort_dicts,
        underscore_numbers=underscore_numbers,
    ).pformat(object)


def pprint(
    object, stream=None, indent=1, width=80, depth=None, *, compact=False, sort_dicts=True, underscore_numbers=False
):
    """Print object pretty-printed, followed by a newline."""
    PrettyPrinter(
        stream=stream,
        indent=indent,
        width=width,
        depth=depth,
        compact=compact,
        sort_dicts=sort_dicts,
        underscore_numbers=underscore_numbers,
    ).pprint(object)


def pp(object, *args, sort_dicts=False, **kwargs):
    """pprint with dicts in their own order."""
    pprint(object, *args, sort_dicts=sort_dicts, **kwargs)


def saferepr(object):
    """repr(object), safe from recursion, with dict keys sorted."""
    return PrettyPrinter()._safe_repr(object, {}, None, 0)[0]


def isreadable(object):
    return PrettyPrinter().isreadable(object)


def isrecursive(object):
    return PrettyPrinter().isrecursive(object)
