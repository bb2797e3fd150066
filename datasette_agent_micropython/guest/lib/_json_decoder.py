"""CPython's JSON grammar and error messages in Python, for what json.loads' C fast path cannot
vouch for (invalid text, braces in strings, repeated keys, NaN, surrogate pairs, hooks)."""

from json import JSONDecodeError

from _float_text import float_of_text
from _odict import odict

_INF = float("inf")
_SPACE = " \t\n\r"
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_HEX = "0123456789abcdefABCDEF"
_CONSTANTS = {"NaN": float("nan"), "Infinity": _INF, "-Infinity": -_INF}


class Parser:
    """CPython's JSON grammar and error messages, without recursion (MicroPython's stack is short)."""

    def __init__(self, text, object_hook, parse_float, parse_int, parse_constant, object_pairs_hook):
        self.s = text
        self.object_hook = object_hook
        self.parse_float = parse_float or float_of_text
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
                quote = n
            backslash = s.find("\\", i, quote)
            end = quote if backslash < 0 else backslash
            plain = s[i:end]
            if plain and min(plain) < " ":
                for k in range(len(plain)):
                    if plain[k] < " ":
                        self.fail("Invalid control character at", i + k)
            if end == n:
                self.fail("Unterminated string starting at", start)
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
