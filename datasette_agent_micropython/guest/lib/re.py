"""re for the sandbox: CPython's API over MicroPython's built-in regular expression engine.

Patterns are translated for the engine ({m,n}, named groups, '.', escapes, IGNORECASE), and what the
engine cannot do (lookarounds, backreferences, \\b, MULTILINE...) raises `re.error` instead of
matching differently. The matching itself stays in C: searches first skip, with str.find, to a
literal every match must hold, and findall without such a literal runs inside the engine's sub.
"""

import sys

_path = sys.path[:]
sys.path.clear()
try:
    import re as _engine
finally:
    sys.path.extend(_path)
del _path

A = ASCII = 256
I = IGNORECASE = 2
L = LOCALE = 4
M = MULTILINE = 8
S = DOTALL = 16
U = UNICODE = 32
X = VERBOSE = 64
NOFLAG = 0

_MAX_PATTERN = 20000
_SPECIAL = "()[]{}?*+-|^$\\.&~# \t\n\r\v\f"
_CONTROL = {"t": "\t", "n": "\n", "r": "\r", "f": "\f", "v": "\v", "a": "\x07"}
# Characters CPython's \s matches for str patterns beyond the engine's ASCII whitespace.
_EXTRA_SPACES = (
    "\x1c",
    "\x1d",
    "\x1e",
    "\x1f",
    "\x85",
    "\xa0",
    "\u1680",
    "\u2000",
    "\u2001",
    "\u2002",
    "\u2003",
    "\u2004",
    "\u2005",
    "\u2006",
    "\u2007",
    "\u2008",
    "\u2009",
    "\u200a",
    "\u2028",
    "\u2029",
    "\u202f",
    "\u205f",
    "\u3000",
)
_INLINE_FLAGS = {"i": I, "s": S, "m": M, "x": X, "a": A, "u": U, "L": L}


class error(Exception):
    """A pattern that is malformed, or that the sandbox's engine cannot match as CPython would."""

    def __init__(self, msg, pattern=None, pos=None):
        self.msg = msg
        self.pattern = pattern
        self.pos = pos
        super().__init__(msg if pos is None else "%s at position %d" % (msg, pos))


PatternError = error


def _literal(c, icase):
    """The engine's form of one literal character."""
    if icase and ord(c) > 127 and icase != "ascii":
        raise error("IGNORECASE with a non-ASCII character is not supported by the sandbox's regular expression engine")
    if icase and c.lower() != c.upper():
        return "[%s%s]" % (c.lower(), c.upper())
    if c in "()[]{}?*+|^$\\.":
        return "\\" + c
    if ord(c) > 127:
        return "(?:%s)" % c
    return c


def _hex_escape(pattern, at, digits):
    text = pattern[at : at + digits]
    if len(text) != digits or any(c not in "0123456789abcdefABCDEF" for c in text):
        raise error("incomplete escape \\%s" % pattern[at - 1 : at + digits], pattern, at - 2)
    return chr(int(text, 16))


def _escapes_before(pattern, at):
    """How many backslashes directly precede pattern[at]."""
    count = 0
    while at - count - 1 >= 0 and pattern[at - count - 1] == "\\":
        count += 1
    return count


_WORD_SET_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"


def _single_end(body):
    """Whether every match of body from a given start but the engine's own ends before a word
    character: a literal, or one word class repeated greedily (optionally in one group)."""
    if body.startswith("(") and body.endswith(")") and body.count("(") == 1 and body.count(")") == 1:
        body = body[1:-1]
        if body.startswith("?P<"):
            body = body[body.find(">") + 1 :]
        elif body.startswith("?:"):
            body = body[2:]
    if not body:
        return False
    at = 0
    literal = True
    while at < len(body):
        c = body[at]
        if c == "\\":
            if at + 1 >= len(body) or body[at + 1].isalpha() or body[at + 1].isdigit():
                literal = False
                break
            at += 2
        elif c in ".^$*+?{}[]|()":
            literal = False
            break
        else:
            at += 1
    if literal:
        return True
    if body.startswith("\\w") or body.startswith("\\d"):
        rest = body[2:]
    elif body.startswith("[") and not body.startswith("[^") and "]" in body[2:]:
        close = body.index("]", 2)
        inside = body[1:close]
        if (
            any(c not in _WORD_SET_CHARS and c != "\\" for c in inside)
            or inside.startswith("-")
            or inside.endswith("-")
            or any(inside[i] == "\\" and inside[i + 1 : i + 2] not in ("w", "d") for i in range(len(inside)))
        ):
            return False
        rest = body[close + 1 :]
    elif body[0] in _WORD_SET_CHARS and body[0] != "-":
        rest = body[1:]
    else:
        return False
    if rest == "+" or rest == "":
        return True
    if rest.startswith("{") and rest.endswith("}"):
        low, _, high = rest[1:-1].partition(",")
        # At least one: an empty match could end at a boundary the engine's match does not.
        return low.isdigit() and int(low) >= 1 and (not high or high.isdigit())
    return False


def _refuse_empty():
    raise NotImplementedError(
        "re: after an empty match CPython tries a longer match at the same place, which "
        "the sandbox's engine cannot do for a pattern with lazy repeats or '|'"
    )


def _word_at(text, at, ascii_only):
    if at < 0 or at >= len(text):
        return False
    c = text[at]
    if c < "\x80":
        return c.isalpha() or c.isdigit() or c == "_"
    if ascii_only:
        return False
    import _unicode_tables

    return _unicode_tables.is_word(c)


def _strip_verbose(pattern):
    """The pattern without the whitespace and # comments that VERBOSE ignores outside sets and escapes."""
    out = []
    at = 0
    length = len(pattern)
    in_set = False
    while at < length:
        c = pattern[at]
        if c == "\\":
            out.append(pattern[at : at + 2])
            at += 2
            continue
        if in_set:
            if c == "]" and not (pattern[at - 1] == "[" or pattern[at - 2 : at] == "[^"):
                in_set = False
            out.append(c)
        elif c == "[":
            in_set = True
            out.append(c)
        elif c == "#":
            end = pattern.find("\n", at)
            at = length if end < 0 else end
            continue
        elif c not in " \t\n\r\x0b\x0c":
            out.append(c)
        at += 1
    return "".join(out)


class _Translation:
    """The engine's pattern, with what the wrapper needs to know about it."""

    def __init__(self, pattern, flags):
        self.pattern = pattern
        self.flags = flags
        self.groups = 0
        self.names = {}
        self.dollar = False
        self.caret = False
        self.bytewise = False  # '.', negated sets, \W \S \D: may split a non-ASCII character
        self.word = False  # \w: ASCII only in the engine
        self.digit = False  # \d: ASCII only in the engine
        self.space = False  # \s \S: ASCII whitespace only in the engine
        # Engine-text offsets of the capturing groups that open at the top level of a pattern without
        # a top-level '|': a group's position can be found for those.
        self.top_level = {}
        self.top_level_bar = False
        self.boundary_start = False
        self.boundary_end = False
        # Lazy quantifiers and alternation can prefer an empty match where a longer one exists.
        self.prefers_less = False
        self.engine_text = self._translate(pattern)

    def _unsupported(self, what, at):
        raise error("%s is not supported by the sandbox's regular expression engine" % what, self.pattern, at)

    def _translate(self, pattern):
        at = 0
        length = len(pattern)
        while pattern.startswith("(?", at) and at + 2 < length and pattern[at + 2] in _INLINE_FLAGS:
            end = pattern.find(")", at)
            if end < 0:
                raise error("missing -, : or )", pattern, at)
            for letter in pattern[at + 2 : end]:
                if letter not in _INLINE_FLAGS:
                    raise error("unknown flag", pattern, at)
                self.flags |= _INLINE_FLAGS[letter]
            at = end + 1
        if self.flags & (M | L):
            self._unsupported("the MULTILINE or LOCALE flag", None)
        if self.flags & X:
            pattern = _strip_verbose(pattern[at:])
            length = len(pattern)
            at = 0
        # \b is checked by the wrapper, around what the engine matches: at the start of any pattern,
        # and at its end when the engine's match is the only one that could end there.
        if pattern.startswith("\\b", at):
            self.boundary_start = True
            at += 2
        tail = len(pattern) - 2
        if tail >= at and pattern.endswith("\\b") and _escapes_before(pattern, tail) % 2 == 0:
            if not _single_end(pattern[at:tail]):
                self._unsupported("\\b at the end of a pattern other than a literal or one repeated word class", tail)
            self.boundary_end = True
            pattern = pattern[:tail]
            length = len(pattern)
        # Under ASCII, only ASCII letters fold, which is what the engine's pattern can express.
        icase = ("ascii" if self.flags & A else True) if self.flags & I else False
        dotall = self.flags & S
        out = []
        opened = []  # (index in out, group count before it) of each open parenthesis
        atom = None  # (index in out, group count before it) of the last quantifiable atom
        start = at
        while at < length:
            c = pattern[at]
            here = at
            at += 1
            if c == "\\":
                piece, at = self._escape(pattern, at, icase, here == start)
                out.append(piece)
                atom = (len(out) - 1, self.groups) if piece not in ("^", "$") else None
            elif c == "[":
                piece, at = self._class(pattern, at, icase)
                out.append(piece)
                atom = (len(out) - 1, self.groups)
            elif c == "(":
                if pattern.startswith("?:", at):
                    at += 2
                    out.append("(?:")
                    opened.append((len(out) - 1, self.groups))
                elif pattern.startswith("?P<", at):
                    end = pattern.find(">", at)
                    name = pattern[at + 3 : end] if end > 0 else ""
                    if (
                        not name
                        or not (name[0].isalpha() or name[0] == "_")
                        or name in self.names
                        or any(not (ch.isalpha() or ch.isdigit() or ch == "_") for ch in name)
                    ):
                        raise error("bad character in group name %r" % name, pattern, at + 3)
                    if not opened:
                        self.top_level[self.groups + 1] = len("".join(out))
                    opened.append((len(out), self.groups))
                    self.groups += 1
                    self.names[name] = self.groups
                    out.append("(")
                    at = end + 1
                elif pattern.startswith("?", at):
                    self._unsupported(
                        "'(%s' (lookaround, backreference, comment or inline flag)" % pattern[here + 1 : here + 4], here
                    )
                else:
                    if not opened:
                        self.top_level[self.groups + 1] = len("".join(out))
                    opened.append((len(out), self.groups))
                    self.groups += 1
                    out.append("(")
                atom = None
            elif c == ")":
                if not opened:
                    raise error("unbalanced parenthesis", pattern, here)
                out.append(")")
                atom = opened.pop()
            elif c in "*+?":
                if atom is None:
                    raise error("nothing to repeat", pattern, here)
                if at < length and pattern[at] == "?":
                    c += "?"
                    at += 1
                    self.prefers_less = True
                elif at < length and pattern[at] == "+":
                    self._unsupported("a possessive quantifier", at)
                out.append(c)
                atom = None
                if (
                    at < length
                    and pattern[at] in "*+?{"
                    and not (pattern[at] == "{" and not self._is_count(pattern, at))
                ):
                    raise error("multiple repeat", pattern, at)
            elif c == "{" and self._is_count(pattern, here):
                if atom is None:
                    raise error("nothing to repeat", pattern, here)
                end = pattern.find("}", here)
                low, _, high = pattern[here + 1 : end].partition(",")
                low = int(low) if low else 0
                high = None if "," in pattern[here:end] and not high else int(high) if high else low
                at = end + 1
                lazy = at < length and pattern[at] == "?"
                if lazy:
                    at += 1
                    self.prefers_less = True
                if high is not None and high < low:
                    raise error("min repeat greater than max repeat", pattern, here)
                index, groups_before = atom
                if self.groups > groups_before and not (low == 1 and high == 1):
                    self._unsupported("a counted repeat {m,n} of a capturing group", here)
                body = "".join(out[index:])
                del out[index:]
                out.append(self._repeat(body, low, high, lazy))
                atom = None
            elif c == ".":
                out.append("." if dotall else "[^\n]")
                self.bytewise = True
                atom = (len(out) - 1, self.groups)
            elif c == "^":
                if here != start:
                    self._unsupported("'^' after the start of the pattern", here)
                self.caret = True
                out.append("^")
                atom = None
            elif c == "$":
                self.dollar = True
                out.append("$")
                atom = None
            elif c == "|":
                self.prefers_less = True
                if not opened:
                    self.top_level_bar = True
                out.append("|")
                atom = None
            else:
                out.append(_literal(c, icase))
                atom = (len(out) - 1, self.groups)
        if opened:
            raise error("missing ), unterminated subpattern", pattern, opened[-1][0])
        if (self.boundary_start or self.boundary_end) and (self.caret or self.dollar):
            self._unsupported("\\b together with '^' or '$'", None)
        if self.flags & A:
            # ASCII makes \w, \d and \s ASCII-only in CPython too: the engine then agrees on any text.
            self.word = self.digit = self.space = False
        text = "".join(out)
        if "\0" in text:
            # The engine reads its pattern as a C string, which ends at the first NUL.
            self._unsupported("a NUL character", None)
        if len(text) > _MAX_PATTERN:
            self._unsupported("a pattern this large once counted repeats are expanded", None)
        return text

    @staticmethod
    def _atom_end(text, at):
        """Where the engine-pattern atom starting at text[at] ends: a set, an escape, a group or one character."""
        c = text[at]
        if c == "\\":
            return at + 2
        if c == "[":
            at += 2 if text.startswith("^", at + 1) else 1
            while text[at] != "]":
                at += 2 if text[at] == "\\" else 1
            return at + 1
        if c == "(":
            depth = 0
            while True:
                c = text[at]
                if c == "\\" or c == "[":
                    at = _Translation._atom_end(text, at)
                    continue
                if c == "(":
                    depth += 1
                elif c == ")":
                    depth -= 1
                    if depth == 0:
                        return at + 1
                at += 1
        return at + 1

    @staticmethod
    def _may_hold_space(text):
        """Whether some match of the engine pattern text can contain a space: whether any of its
        one-character atoms matches one."""
        at = 0
        while at < len(text):
            if text.startswith("(?:", at):
                at += 3
            elif text[at] in "()|*+?":
                at += 1
            else:
                end = _Translation._atom_end(text, at)
                if _engine.compile(text[at:end]).match(" ") is not None:
                    return True
                at = end
        return False

    @staticmethod
    def _is_literal(text, at, end):
        c = text[at]
        if c in "([.^$|" or (c == "\\" and text[at + 1] in "wdsWDS"):
            return False
        return end >= len(text) or text[end] not in "*+?"

    @staticmethod
    def _required_literal(text):
        """(literal, lead) for an engine pattern without a top-level '|' or '^': its first run of
        unrepeated literal characters, which every match holds, and what can come before it in a
        match: 0 nothing, 1 characters other than a space, 2 anything. None without such a run."""
        at = 0
        length = len(text)
        while at < length:
            if text[at] == "$":
                return None
            end = _Translation._atom_end(text, at)
            if _Translation._is_literal(text, at, end):
                break
            at = end
            while at < length and text[at] in "*+?":
                at += 1
        else:
            return None
        lead = text[:at]
        literal = []
        while at < length:
            end = _Translation._atom_end(text, at)
            if not _Translation._is_literal(text, at, end):
                break
            literal.append(text[end - 1])
            at = end
        return "".join(literal), 0 if not lead else 2 if _Translation._may_hold_space(lead) else 1

    @staticmethod
    def _is_count(pattern, at):
        end = pattern.find("}", at)
        if end < 0:
            return False
        inside = pattern[at + 1 : end]
        low, comma, high = inside.partition(",")
        return (low.isdigit() or (comma and not low)) and (not high or high.isdigit()) and (low or comma) != ""

    def _repeat(self, body, low, high, lazy):
        if (high or low) > 1000:
            self._unsupported("a counted repeat over 1000", None)
        unit = (
            body
            if len(body) == 1 or body.startswith("[") and body.endswith("]") and body.count("[") == 1
            else "(?:%s)" % body
        )
        mark = "??" if lazy else "?"
        if high is None:
            return unit * low + unit + ("*?" if lazy else "*")
        optional = ""
        for _ in range(high - low):
            optional = "(?:%s%s)%s" % (unit, optional, mark)
        return unit * low + optional

    def _escape(self, pattern, at, icase, first):
        if at >= len(pattern):
            raise error("bad escape (end of pattern)", pattern, at - 1)
        c = pattern[at]
        at += 1
        if c in "dwsDWS":
            self.bytewise = self.bytewise or c in "DWS"
            self.digit = self.digit or c in "dD"
            self.word = self.word or c in "wW"
            self.space = self.space or c in "sS"
            return "\\" + c, at
        if c in _CONTROL:
            return _CONTROL[c], at
        if c == "x":
            return _literal(_hex_escape(pattern, at, 2), icase), at + 2
        if c == "u":
            return _literal(_hex_escape(pattern, at, 4), icase), at + 4
        if c == "U":
            return _literal(_hex_escape(pattern, at, 8), icase), at + 8
        if c == "0":
            return _literal("\0", icase), at
        if c == "A":
            if not first:
                self._unsupported("\\A after the start of the pattern", at - 2)
            self.caret = True
            return "^", at
        if c == "Z":
            return "$", at
        if c in "bB":
            self._unsupported("\\%s (word boundary)" % c, at - 2)
        if c.isdigit():
            self._unsupported("a backreference", at - 2)
        if c.isalpha() or c.isdigit():
            raise error("bad escape \\%s" % c, pattern, at - 2)
        return _literal(c, icase), at

    def _class(self, pattern, at, icase):
        """A [...] set from just after its '[', as (engine text, position after its ']')."""
        parts = []
        negated = pattern.startswith("^", at)
        if negated:
            at += 1
            self.bytewise = True
        first = True
        while True:
            if at >= len(pattern):
                raise error("unterminated character set", pattern, at)
            c = pattern[at]
            if c == "]" and not first:
                at += 1
                break
            first = False
            at += 1
            if c == "\\":
                if at >= len(pattern):
                    raise error("unterminated character set", pattern, at)
                e = pattern[at]
                at += 1
                if e in "dws":
                    self.digit = self.digit or e == "d"
                    self.word = self.word or e == "w"
                    self.space = self.space or e == "s"
                    parts.append("\\" + e)
                    continue
                if e in "DWS":
                    self._unsupported("\\%s inside a character set" % e, at - 2)
                if e in _CONTROL:
                    c = _CONTROL[e]
                elif e == "b":
                    c = "\b"
                elif e == "x":
                    c = _hex_escape(pattern, at, 2)
                    at += 2
                elif e == "u":
                    c = _hex_escape(pattern, at, 4)
                    at += 4
                elif e.isalpha() or e.isdigit():
                    raise error("bad escape \\%s" % e, pattern, at - 2)
                else:
                    c = e
            if ord(c) > 127:
                self._unsupported("a non-ASCII character inside a character set", at - 1)
            if pattern.startswith("-", at) and at + 1 < len(pattern) and pattern[at + 1] != "]":
                high = pattern[at + 1]
                at += 2
                if high == "\\":
                    high = pattern[at : at + 1]
                    at += 1
                    high = _CONTROL.get(high, high)
                if ord(high) > 127:
                    self._unsupported("a non-ASCII character inside a character set", at - 1)
                if ord(high) < ord(c):
                    raise error("bad character range %s-%s" % (c, high), pattern, at - 3)
                parts.append(self._member(c) + "-" + self._member(high))
                if icase:
                    for low_c, high_c in ((c.lower(), high.lower()), (c.upper(), high.upper())):
                        if (low_c, high_c) != (c, high) and low_c.isalpha() and high_c.isalpha():
                            parts.append(low_c + "-" + high_c)
                continue
            parts.append(self._member(c))
            if icase and c.lower() != c.upper():
                parts.append(c.upper() if c.islower() else c.lower())
        return "[" + ("^" if negated else "") + "".join(parts) + "]", at

    @staticmethod
    def _member(c):
        return "\\" + c if c in "]\\^-" else c


_cache = {}


def _compile(pattern, flags):
    if isinstance(pattern, Pattern):
        if flags:
            raise ValueError("cannot process flags argument with a compiled pattern")
        return pattern
    key = (pattern, flags)
    compiled = _cache.get(key)
    if compiled is None:
        if type(pattern) is not str:
            raise TypeError("first argument must be string or compiled pattern")
        compiled = Pattern(pattern, flags)
        if len(_cache) >= 100:
            _cache.clear()
        _cache[key] = compiled
    return compiled


def _is_ascii(text):
    return len(text) == len(text.encode())


def _byte_offset(text, pos):
    """The engine counts positions in UTF-8 bytes; the API counts characters."""
    return len(text[:pos].encode()) if pos else 0


def _has_code_point(text, runs_name, inside):
    """Whether text has a non-ASCII character inside the named runs (or outside them, when inside is
    False). The tables are loaded only for non-ASCII text."""
    import _unicode_tables

    runs = getattr(_unicode_tables, runs_name)
    in_runs = _unicode_tables.in_runs
    for c in text:
        if c >= "\x80" and in_runs(ord(c), runs) == inside:
            return True
    return False


class Pattern:
    """A compiled pattern with CPython's methods."""

    def __init__(self, pattern, flags=0):
        translation = _Translation(pattern, flags)
        self.pattern = pattern
        self.flags = translation.flags | U
        self.groups = translation.groups
        self.groupindex = translation.names
        self._translation = translation
        try:
            self._engine = _engine.compile(translation.engine_text)
        except (ValueError, RuntimeError) as failure:
            raise error("the sandbox's engine rejected the pattern (%s)" % failure, pattern)
        self._full = None
        self._templates = {}
        # The engine's own sub skips empty matches, so it serves only patterns that never match empty.
        self._native_sub = self._engine.match("") is None
        # Whether the engine's answer can depend on the text holding characters it mishandles:
        # 0 never, 1 only when the text is not ASCII, 2 also for some ASCII texts.
        self._text_matters = (
            2
            if translation.dollar or translation.space
            else 1
            if translation.bytewise or translation.word or translation.digit
            else 0
        )
        self._bounded = translation.boundary_start or translation.boundary_end
        if self._bounded:
            self._native_sub = False
        # A literal every match holds lets str.find skip text where no match can start (see _narrow).
        self._literal = None
        self._lead = 2
        if not (translation.top_level_bar or translation.caret):
            self._literal, self._lead = _Translation._required_literal(translation.engine_text) or (None, 2)

    def __repr__(self):
        return "re.compile(%r)" % (self.pattern,)

    def _check(self, text):
        """Raise where the engine could answer differently from CPython on this text; return
        whether the text is known to be ASCII (its engine byte offsets are then its indexes)."""
        if type(text) is not str:
            raise TypeError("expected string or bytes-like object, got '%s'" % type(text).__name__)
        matters = self._text_matters
        if matters == 1 and len(text) == len(text.encode()):
            return True
        if not matters:
            return False
        translation = self._translation
        if translation.dollar and text.endswith("\n"):
            raise NotImplementedError("re: '$' before a trailing newline is not supported by the sandbox's engine")
        if translation.space and any(space in text for space in _EXTRA_SPACES):
            raise NotImplementedError(
                "re: \\s and \\S know only ASCII whitespace in the sandbox's engine, and this text has other whitespace"
            )
        if (translation.bytewise or translation.word or translation.digit) and not _is_ascii(text):
            if translation.bytewise:
                raise NotImplementedError(
                    "re: '.', \\W, \\S, \\D and negated sets match bytes, not "
                    "characters, on non-ASCII text in the sandbox's engine"
                )
            if translation.word and _has_code_point(text, "NOT_WORD", False):
                raise NotImplementedError(
                    "re: \\w matches only ASCII letters and digits in the sandbox's engine, and this text has others"
                )
            if translation.digit and _has_code_point(text, "DIGITS", True):
                raise NotImplementedError(
                    "re: \\d matches only ASCII digits in the sandbox's engine, and this text has other decimal digits"
                )

    def _locate(self, text, pos, anchored, engine):
        """(engine match, start) of the first match at or after pos (or at pos, when anchored) whose
        ends pass the pattern's \\b checks; (None, -1) when there is none."""
        translation = self._translation
        ascii_only = bool(self.flags & A)
        ascii = len(text.encode()) == len(text)
        while pos <= len(text):
            offset = pos if ascii else _byte_offset(text, pos)
            if anchored:
                native = engine.match(text, offset) if pos else engine.match(text)
            else:
                native = engine.search(text, offset) if pos else engine.search(text)
            if native is None:
                return None, -1
            whole = native.group(0)
            start = pos if anchored else text.find(whole, pos)
            end = start + len(whole)
            if (
                not translation.boundary_start
                or _word_at(text, start - 1, ascii_only) != _word_at(text, start, ascii_only)
            ) and (
                not translation.boundary_end or _word_at(text, end - 1, ascii_only) != _word_at(text, end, ascii_only)
            ):
                return native, start
            if anchored:
                return None, -1
            pos = start + 1
        return None, -1

    def _narrow(self, text, pos):
        """The first position at or after pos where a match can start, or -1 when none can.

        A match holds the pattern's required literal at some place at or after its own start, so
        not before the literal's first occurrence from pos; and when what precedes the literal in
        a match never holds a space, the match starts after the last space before that occurrence.
        """
        at = text.find(self._literal, pos)
        lead = self._lead
        if at <= pos or not lead:
            return at
        if lead == 1:
            space = text.rfind(" ", pos, at)
            if space >= 0:
                return space + 1
        return pos

    def _wrap(self, native, text, pos, start):
        if native is None:
            return None
        found = Match(self, native, text)
        if pos:
            found.pos = pos
        if start >= 0:
            found._start = start
        return found

    def match(self, string, pos=0, endpos=None):
        if pos or endpos is not None or self._bounded:
            return self._match_from(string, pos, endpos)
        self._check(string)
        return self._wrap(self._engine.match(string), string, 0, 0)

    def _match_from(self, string, pos, endpos):
        self._check(string)
        text = string if endpos is None else string[:endpos]
        if pos > 0 and self._translation.caret:
            return None
        if self._bounded:
            native, start = self._locate(text, pos, True, self._engine)
            return self._wrap(native, text, pos, start)
        native = self._engine.match(text, _byte_offset(text, pos)) if pos else self._engine.match(text)
        return self._wrap(native, text, pos, pos)

    def search(self, string, pos=0, endpos=None):
        # The common call, search(text), in a frame small enough for MicroPython to keep it off
        # the GC heap (more than 11 words of locals and stack are allocated on every call): pos
        # and endpos are reused below, and _narrow is inlined, as a call costs about as much as
        # the engine saves on a short line.
        if pos or endpos is not None or self._bounded:
            return self._search_from(string, pos, endpos)
        if type(string) is str and self._text_matters == 1 and len(string) == len(string.encode()):
            endpos = True  # the text is ASCII
        else:
            endpos = self._check(string)
        if self._literal is not None:
            pos = string.find(self._literal)
            if pos < 0:
                return None
            if pos and self._lead:
                pos = string.rfind(" ", 0, pos) + 1 if self._lead == 1 else 0
            if pos and not endpos:
                pos = _byte_offset(string, pos)
        native = self._engine.search(string, pos) if pos else self._engine.search(string)
        return None if native is None else Match(self, native, string)

    def _search_from(self, string, pos, endpos):
        self._check(string)
        text = string if endpos is None else string[:endpos]
        if self._bounded:
            native, start = self._locate(text, pos, False, self._engine)
            return self._wrap(native, text, pos, start)
        at = pos if self._literal is None else self._narrow(text, pos)
        if at < 0:
            return None
        native = self._engine.search(text, _byte_offset(text, at)) if at else self._engine.search(text)
        return self._wrap(native, text, pos, -1)

    def fullmatch(self, string, pos=0, endpos=None):
        self._check(string)
        text = string if endpos is None else string[:endpos]
        if pos > 0 and self._translation.caret:
            return None
        if self._full is None:
            self._full = _engine.compile("(?:%s)$" % self._translation.engine_text)
        if self._bounded:
            native, start = self._locate(text, pos, True, self._full)
            return self._wrap(native, text, pos, start)
        native = self._full.match(text, _byte_offset(text, pos)) if pos else self._full.match(text)
        return self._wrap(native, text, pos, pos)

    def finditer(self, string, pos=0, endpos=None):
        self._check(string)
        text = string if endpos is None else string[:endpos]
        length = len(text)
        search = self._engine.search
        ascii = len(text.encode()) == length
        char_base = byte_base = 0
        origin = pos
        while pos <= length:
            if pos > 0 and self._translation.caret:
                return
            if self._bounded:
                native, start = self._locate(text, pos, False, self._engine)
                if native is None:
                    return
                found = self._wrap(native, text, pos, start)
            else:
                if self._literal is not None:
                    # The match, if any, is the first at or after the narrowed pos.
                    pos = self._narrow(text, pos)
                    if pos < 0:
                        return
                if pos and not ascii:
                    byte_base += len(text[char_base:pos].encode())
                    char_base = pos
                native = search(text, byte_base if not ascii else pos) if pos else search(text)
                if native is None:
                    return
                found = self._wrap(native, text, pos, -1)
            start = found._whole_start()
            if pos != origin:
                # Located from where this search began; CPython reports the pos finditer was given.
                found.pos = origin
            end = start + len(native.group(0))
            yield found
            if end == start and self._translation.prefers_less:
                _refuse_empty()
            pos = end + 1 if end == start else end

    def findall(self, string, pos=0, endpos=None):
        result = []
        groups = self.groups
        if self._native_sub and self._literal is None and not pos and endpos is None:
            # The engine's sub visits the same matches as findall for a pattern that never matches
            # empty, and calls a function on each without a Python loop or locating its text. With
            # a literal to skip to, the loop below scans less.
            self._check(string)
            if groups == 0:
                self._engine.sub(lambda found: result.append(found.group(0)) or "", string)
            elif groups == 1:
                self._engine.sub(lambda found: result.append(found.group(1) or "") or "", string)
            else:
                numbers = range(1, groups + 1)
                self._engine.sub(
                    lambda found: result.append(tuple(found.group(i) or "" for i in numbers)) or "", string
                )
            return result
        if not self._translation.dollar and endpos is None and not self._bounded:
            # Without '$' a match starts at the first occurrence of its text: no Match objects needed.
            self._check(string)
            length = len(string)
            search = self._engine.search
            ascii = len(string.encode()) == length
            caret = self._translation.caret
            literal = self._literal
            char_base = byte_base = 0
            while pos <= length:
                if pos and caret:
                    break
                if literal is not None:
                    # The match, if any, is the first at or after the narrowed pos.
                    pos = self._narrow(string, pos)
                    if pos < 0:
                        break
                if pos and not ascii:
                    byte_base += len(string[char_base:pos].encode())
                    char_base = pos
                native = search(string, byte_base if not ascii else pos) if pos else search(string)
                if native is None:
                    break
                whole = native.group(0)
                start = string.find(whole, pos)
                if groups == 0:
                    result.append(whole)
                elif groups == 1:
                    result.append(native.group(1) or "")
                else:
                    result.append(tuple(native.group(i) or "" for i in range(1, groups + 1)))
                end = start + len(whole)
                if end == start and self._translation.prefers_less:
                    _refuse_empty()
                pos = end + 1 if end == start else end
            return result
        for found in self.finditer(string, pos, endpos):
            if groups == 0:
                result.append(found._native.group(0))
            elif groups == 1:
                result.append(found._native.group(1) or "")
            else:
                result.append(found.groups(""))
        return result

    def split(self, string, maxsplit=0):
        pieces = []
        last = 0
        for found in self.finditer(string):
            if maxsplit and len(pieces) >= maxsplit * (self.groups + 1):
                break
            start = found._whole_start()
            pieces.append(string[last:start])
            pieces.extend(found.groups())
            last = start + len(found._native.group(0))
        pieces.append(string[last:])
        return pieces

    def subn(self, repl, string, count=0):
        if callable(repl):
            render = repl
        else:
            if type(repl) is not str:
                raise TypeError("expected str instance, %s found" % type(repl).__name__)
            # Parsed once per pattern and template: sub in a loop over lines repeats both.
            template = self._templates.get(repl)
            if template is None:
                template = _parse_template(repl, self)
                if len(self._templates) >= 32:
                    self._templates.clear()
                self._templates[repl] = template
            render = lambda found: _expand(template, found)
        pieces = []
        last = 0
        done = 0
        for found in self.finditer(string):
            if count and done >= count:
                break
            start = found._whole_start()
            pieces.append(string[last:start])
            pieces.append(render(found))
            last = start + len(found._native.group(0))
            done += 1
        pieces.append(string[last:])
        return "".join(pieces), done

    def sub(self, repl, string, count=0):
        if self._native_sub and type(repl) is str and "\\" not in repl:
            self._check(string)
            if self._literal is not None and self._literal not in string:
                return string
            return self._engine.sub(repl, string, count)
        return self.subn(repl, string, count)[0]


def _parse_template(repl, pattern):
    """A replacement template as a list of literal strings and group numbers."""
    if "\\" not in repl:
        return [repl]
    parts = []
    literal = []
    at = 0
    length = len(repl)
    while at < length:
        c = repl[at]
        at += 1
        if c != "\\":
            literal.append(c)
            continue
        if at >= length:
            raise error("bad escape (end of pattern)", repl, at - 1)
        e = repl[at]
        at += 1
        group = None
        if e == "g":
            end = repl.find(">", at)
            if not repl.startswith("<", at) or end < 0:
                raise error("missing <", repl, at)
            name = repl[at + 1 : end]
            at = end + 1
            if name.isdigit():
                group = int(name)
            elif name in pattern.groupindex:
                group = pattern.groupindex[name]
            else:
                raise IndexError("unknown group name '%s'" % name)
        elif e.isdigit():
            digits = e
            if at < length and repl[at].isdigit():
                digits += repl[at]
                at += 1
            group = int(digits)
        elif e in _CONTROL:
            literal.append(_CONTROL[e])
        elif e == "\\":
            literal.append("\\")
        elif e.isalpha():
            raise error("bad escape \\%s" % e, repl, at - 2)
        else:
            literal.append("\\" + e)
        if group is not None:
            if group > pattern.groups:
                raise error("invalid group reference %d" % group, repl, at - 1)
            parts.append("".join(literal))
            literal = []
            parts.append(group)
    parts.append("".join(literal))
    return parts


def _expand(template, found):
    if len(template) == 1:
        return template[0]
    return "".join(part if type(part) is str else (found._native.group(part) or "") for part in template)


class Match:
    """One match: groups by number or name, and where they lie in the string."""

    # A search from the start of the text, the common case, leaves these at the class's values:
    # each attribute stored on an instance costs MicroPython a dictionary slot and its growth.
    pos = 0
    _start = -1  # where the match starts, -1 until located

    def __init__(self, pattern, native, text):
        self.re = pattern
        self.string = text
        self._native = native

    @property
    def endpos(self):
        return len(self.string)

    def _index(self, group):
        if type(group) is int:
            if 0 <= group <= self.re.groups:
                return group
        elif group in self.re.groupindex:
            return self.re.groupindex[group]
        raise IndexError("no such group")

    def group(self, group=0, *more):
        # One group by number, the common call: the engine checks the number itself, and
        # anything it refuses (a name, a number out of range) takes the general path.
        if not more:
            try:
                return self._native.group(group)
            except (IndexError, TypeError):
                return self._native.group(self._index(group))
        return tuple(self._native.group(self._index(g)) for g in (group,) + more)

    def __getitem__(self, group):
        try:
            return self._native.group(group)
        except (IndexError, TypeError):
            return self._native.group(self._index(group))

    def groups(self, default=None):
        native = self._native
        return tuple(
            default if value is None else value for value in (native.group(i) for i in range(1, self.re.groups + 1))
        )

    def groupdict(self, default=None):
        result = {}
        for name, index in self.re.groupindex.items():
            value = self._native.group(index)
            result[name] = default if value is None else value
        return result

    def _whole_start(self):
        if self._start < 0:
            text = self.string
            whole = self._native.group(0)
            at = text.find(whole, self.pos)
            if at < 0:
                raise RuntimeError("re: the sandbox could not locate its own match")
            if self.re._translation.dollar:
                # '$' ties a match to the end: the first occurrence that matches there is the match.
                engine = self.re._engine
                while at >= 0:
                    again = engine.match(text, _byte_offset(text, at)) if at else engine.match(text)
                    if again is not None and again.group(0) == whole:
                        break
                    at = text.find(whole, at + 1)
                if at < 0:
                    raise RuntimeError("re: the sandbox could not locate its own match")
            self._start = at
        return self._start

    def span(self, group=0):
        index = self._index(group)
        start = self._whole_start()
        whole = self._native.group(0)
        if index == 0:
            return start, start + len(whole)
        value = self._native.group(index)
        if value is None:
            return -1, -1
        if value == whole:
            return start, start + len(whole)
        offset = whole.find(value)
        translation = self.re._translation
        if index in translation.top_level and not translation.top_level_bar:
            # The same pattern with everything before the group captured: its length is the offset.
            split = translation.top_level[index]
            prefix = _engine.compile("(%s)%s" % (translation.engine_text[:split], translation.engine_text[split:]))
            again = prefix.match(self.string, _byte_offset(self.string, start)) if start else prefix.match(self.string)
            offset = len(again.group(1))
        elif not value or whole.find(value, offset + 1) >= 0:
            raise NotImplementedError(
                "re: the position of group %r is ambiguous in the sandbox's engine, "
                "which reports only group texts" % (group,)
            )
        return start + offset, start + offset + len(value)

    def start(self, group=0):
        return self.span(group)[0]

    def end(self, group=0):
        return self.span(group)[1]

    @property
    def lastindex(self):
        last = None
        for i in range(1, self.re.groups + 1):
            if self._native.group(i) is not None:
                last = i
        return last

    @property
    def lastgroup(self):
        index = self.lastindex
        for name, value in self.re.groupindex.items():
            if value == index:
                return name
        return None

    def expand(self, template):
        return _expand(_parse_template(template, self.re), self)

    def __bool__(self):
        return True

    def __repr__(self):
        return "<re.Match object; span=%r, match=%r>" % (self.span(), self.group(0))


def compile(pattern, flags=0):
    return _compile(pattern, flags)


def match(pattern, string, flags=0):
    return _compile(pattern, flags).match(string)


def search(pattern, string, flags=0):
    return _compile(pattern, flags).search(string)


def fullmatch(pattern, string, flags=0):
    return _compile(pattern, flags).fullmatch(string)


def findall(pattern, string, flags=0):
    return _compile(pattern, flags).findall(string)


def finditer(pattern, string, flags=0):
    return _compile(pattern, flags).finditer(string)


def split(pattern, string, maxsplit=0, flags=0):
    return _compile(pattern, flags).split(string, maxsplit)


def sub(pattern, repl, string, count=0, flags=0):
    return _compile(pattern, flags).sub(repl, string, count)


def subn(pattern, repl, string, count=0, flags=0):
    return _compile(pattern, flags).subn(repl, string, count)


def escape(pattern):
    """The pattern with every character that is special in a regular expression escaped."""
    return "".join("\\" + c if c in _SPECIAL else c for c in pattern)


def purge():
    _cache.clear()
