"""string for the sandbox: CPython's constants, capwords and Template."""

whitespace = " \t\n\r\x0b\x0c"
ascii_lowercase = "abcdefghijklmnopqrstuvwxyz"
ascii_uppercase = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ascii_letters = ascii_lowercase + ascii_uppercase
digits = "0123456789"
hexdigits = digits + "abcdef" + "ABCDEF"
octdigits = "01234567"
punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
printable = digits + ascii_letters + punctuation + whitespace


def capwords(s, sep=None):
    """Split on sep, capitalise each word, join with sep (or one space)."""
    words = s.split(sep)
    capitalised = [word[:1].upper() + word[1:].lower() for word in words]
    return (" " if sep is None else sep).join(capitalised)


def _is_identifier_start(c):
    return c == "_" or ("a" <= c <= "z") or ("A" <= c <= "Z")


def _is_identifier_char(c):
    return _is_identifier_start(c) or "0" <= c <= "9"


class Template:
    """$-substitution: $name, ${name} and $$, as CPython's string.Template (ASCII identifiers)."""

    delimiter = "$"

    def __init__(self, template):
        self.template = template

    def _scan(self, mapping, safe):
        text = self.template
        delimiter = self.delimiter
        out = []
        at = 0
        length = len(text)
        while True:
            found = text.find(delimiter, at)
            if found < 0:
                out.append(text[at:])
                return "".join(out)
            out.append(text[at:found])
            at = found + len(delimiter)
            if text.startswith(delimiter, at):
                out.append(delimiter)
                at += len(delimiter)
                continue
            braced = at < length and text[at] == "{"
            start = at + 1 if braced else at
            end = start
            if end < length and _is_identifier_start(text[end]):
                end += 1
                while end < length and _is_identifier_char(text[end]):
                    end += 1
            name = text[start:end]
            if not name or (braced and not text.startswith("}", end)):
                if safe:
                    out.append(delimiter)
                    continue
                line = text[:found].count("\n") + 1
                column = found - (text.rfind("\n", 0, found) + 1) + 1
                raise ValueError("Invalid placeholder in string: line %d, col %d" % (line, column))
            stop = end + 1 if braced else end
            if name in mapping:
                out.append(str(mapping[name]))
            elif safe:
                out.append(text[found:stop])
            else:
                raise KeyError(name)
            at = stop

    def substitute(self, mapping=None, **kws):
        return self._scan(_merge(mapping, kws), False)

    def safe_substitute(self, mapping=None, **kws):
        return self._scan(_merge(mapping, kws), True)

    def get_identifiers(self):
        names = []
        text = self.template
        at = 0
        while True:
            found = text.find(self.delimiter, at)
            if found < 0:
                return names
            at = found + len(self.delimiter)
            if text.startswith(self.delimiter, at):
                at += len(self.delimiter)
                continue
            braced = text.startswith("{", at)
            start = at + 1 if braced else at
            end = start
            if end < len(text) and _is_identifier_start(text[end]):
                end += 1
                while end < len(text) and _is_identifier_char(text[end]):
                    end += 1
            name = text[start:end]
            if name and (not braced or text.startswith("}", end)) and name not in names:
                names.append(name)
            at = end

    def is_valid(self):
        try:
            self._scan(_AnyName(), False)
        except ValueError:
            return False
        return True


class _AnyName:
    def __contains__(self, name):
        return True

    def __getitem__(self, name):
        return ""


def _merge(mapping, keywords):
    if mapping is None:
        return keywords
    if not keywords:
        return mapping
    merged = {}
    for key in mapping:
        merged[key] = mapping[key]
    for key in keywords:
        merged[key] = keywords[key]
    return merged


class Formatter:
    """str.format as a class with CPython's overridable steps (parse, get_field, get_value,
    check_unused_args, format_field, convert_field)."""

    def format(self, format_string, *args, **kwargs):
        return self.vformat(format_string, args, kwargs)

    def vformat(self, format_string, args, kwargs):
        used = set()
        result = self._vformat(format_string, args, kwargs, used, 2, [0])
        self.check_unused_args(used, args, kwargs)
        return result

    def _vformat(self, format_string, args, kwargs, used, depth, auto):
        if depth < 0:
            raise ValueError("Max string recursion exceeded")
        out = []
        for literal, field_name, spec, conversion in self.parse(format_string):
            if literal:
                out.append(literal)
            if field_name is None:
                continue
            if field_name == "":
                if auto[0] is None:
                    raise ValueError("cannot switch from manual field specification to automatic field numbering")
                field_name = str(auto[0])
                auto[0] += 1
            elif field_name.isdigit():
                if auto[0]:
                    raise ValueError("cannot switch from manual field specification to automatic field numbering")
                auto[0] = None
            value, key = self.get_field(field_name, args, kwargs)
            used.add(key)
            value = self.convert_field(value, conversion)
            spec = self._vformat(spec, args, kwargs, used, depth - 1, auto) if spec else spec
            out.append(self.format_field(value, spec))
        return "".join(out)

    def parse(self, format_string):
        """(literal, field name, format spec, conversion) tuples, as _string.formatter_parser gives."""
        result = []
        literal = []
        at = 0
        length = len(format_string)
        while at < length:
            c = format_string[at]
            if c == "}":
                if format_string.startswith("}", at + 1):
                    literal.append("}")
                    result.append(("".join(literal), None, None, None))
                    literal = []
                    at += 2
                    continue
                raise ValueError("Single '}' encountered in format string")
            if c != "{":
                literal.append(c)
                at += 1
                continue
            if at + 1 == length:
                raise ValueError("Single '{' encountered in format string")
            if format_string.startswith("{", at + 1):
                literal.append("{")
                result.append(("".join(literal), None, None, None))
                literal = []
                at += 2
                continue
            nesting = 1
            end = at + 1
            while end < length and nesting:
                if format_string[end] == "{":
                    nesting += 1
                elif format_string[end] == "}":
                    nesting -= 1
                end += 1
            if nesting:
                raise ValueError("expected '}' before end of string")
            field = format_string[at + 1 : end - 1]
            name, conversion, spec = field, None, ""
            colon = -1
            bracket = False
            for i in range(len(field)):
                if field[i] == "[":
                    bracket = True
                elif field[i] == "]":
                    bracket = False
                elif field[i] in "!:" and not bracket:
                    colon = i
                    break
            if colon >= 0:
                name = field[:colon]
                rest = field[colon:]
                if rest[0] == "!":
                    if len(rest) < 2:
                        raise ValueError("end of string while looking for conversion specifier")
                    conversion = rest[1]
                    if len(rest) > 2 and rest[2] != ":":
                        raise ValueError("expected ':' after conversion specifier")
                    spec = rest[3:]
                else:
                    spec = rest[1:]
            result.append(("".join(literal), name, spec, conversion))
            literal = []
            at = end
        if literal:
            result.append(("".join(literal), None, None, None))
        return result

    def get_field(self, field_name, args, kwargs):
        first = field_name
        cut = len(field_name)
        for mark in ".[":
            found = field_name.find(mark)
            if 0 <= found < cut:
                cut = found
        first = field_name[:cut]
        key = int(first) if first.isdigit() else first
        value = self.get_value(key, args, kwargs)
        rest = field_name[cut:]
        while rest:
            if rest[0] == ".":
                end = len(rest)
                for mark in ".[":
                    found = rest.find(mark, 1)
                    if 0 <= found < end:
                        end = found
                value = getattr(value, rest[1:end])
                rest = rest[end:]
            else:
                end = rest.find("]")
                if end < 0:
                    raise ValueError("Missing ']' in format string")
                index = rest[1:end]
                value = value[int(index) if index.isdigit() else index]
                rest = rest[end + 1 :]
        return value, key

    def get_value(self, key, args, kwargs):
        if isinstance(key, int):
            return args[key]
        return kwargs[key]

    def check_unused_args(self, used_args, args, kwargs):
        pass

    def format_field(self, value, format_spec):
        return ("{:" + format_spec + "}").format(value) if format_spec else "{}".format(value)

    def convert_field(self, value, conversion):
        if conversion is None:
            return value
        if conversion == "s":
            return str(value)
        if conversion == "r":
            return repr(value)
        if conversion == "a":
            return repr(value)
        raise ValueError("Unknown conversion specifier %s" % conversion)
