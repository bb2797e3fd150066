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
