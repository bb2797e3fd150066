# The str methods CPython has and MicroPython lacks. Rewritten code calls `s_<name>(obj, ...)`
# (see transform.py on the host): a str gets CPython's behaviour, anything else its own method.
# Case mapping covers ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic.

_str = type("")


def _upper1(ch):
    c = ord(ch)
    if c < 128:
        return ch.upper()
    if 0xE0 <= c <= 0xFE and c != 0xF7:
        return chr(c - 32)
    if c == 0xFF:
        return "\u0178"
    if c == 0xDF:
        return "SS"
    if c == 0xB5:
        return "\u039c"
    if 0x100 <= c <= 0x17F:
        if (0x139 <= c <= 0x148) or (0x179 <= c <= 0x17E):
            return chr(c - 1) if c & 1 == 0 else ch
        if c in (0x131, 0x138, 0x149, 0x178, 0x17F):
            return {0x131: "I", 0x17F: "S"}.get(c, ch)
        return chr(c - 1) if c & 1 else ch
    if 0x3B1 <= c <= 0x3C9:
        return chr(0x3A3) if c == 0x3C2 else chr(c - 32)
    if 0x3AC <= c <= 0x3AF or 0x3CC <= c <= 0x3CE:
        return chr(
            {0x3AC: 0x386, 0x3AD: 0x388, 0x3AE: 0x389, 0x3AF: 0x38A, 0x3CC: 0x38C, 0x3CD: 0x38E, 0x3CE: 0x38F}[c]
        )
    if 0x430 <= c <= 0x44F:
        return chr(c - 32)
    if 0x450 <= c <= 0x45F:
        return chr(c - 80)
    return ch


def _lower1(ch):
    c = ord(ch)
    if c < 128:
        return ch.lower()
    if 0xC0 <= c <= 0xDE and c != 0xD7:
        return chr(c + 32)
    if c == 0x178:
        return "\xff"
    if c == 0x130:
        return "i\u0307"
    if 0x100 <= c <= 0x17F:
        if (0x139 <= c <= 0x148) or (0x179 <= c <= 0x17E):
            return chr(c + 1) if c & 1 else ch
        if c in (0x131, 0x138, 0x149, 0x17F):
            return ch
        return chr(c + 1) if c & 1 == 0 else ch
    if 0x391 <= c <= 0x3A9 and c != 0x3A2:
        return chr(c + 32)
    if c in (0x386, 0x388, 0x389, 0x38A, 0x38C, 0x38E, 0x38F):
        return chr(
            {0x386: 0x3AC, 0x388: 0x3AD, 0x389: 0x3AE, 0x38A: 0x3AF, 0x38C: 0x3CC, 0x38E: 0x3CD, 0x38F: 0x3CE}[c]
        )
    if 0x410 <= c <= 0x42F:
        return chr(c + 32)
    if 0x400 <= c <= 0x40F:
        return chr(c + 80)
    return ch


def _lower_in(s, i):
    # The lower case of s[i]; a capital sigma that ends a word becomes the final sigma.
    ch = s[i]
    if ch != "\u03a3":
        return _lower1(ch)
    return "\u03c2" if _ends_a_word(s, i) else "\u03c3"


def _ends_a_word(s, i):
    # Unicode's rule: a cased letter comes before s[i] and none after it, looking past the
    # case-ignorable characters on either side ("a.\u03a3" ends a word: "." is one of them).
    from _case_ignorable import RUNS
    from _unicode_tables import in_runs

    j = i - 1
    while j >= 0 and in_runs(ord(s[j]), RUNS):
        j -= 1
    if j < 0 or not _cased(s[j]):
        return False
    j = i + 1
    while j < len(s) and in_runs(ord(s[j]), RUNS):
        j += 1
    return j == len(s) or not _cased(s[j])


def _lower_all(s, start=0):
    return "".join([_lower_in(s, i) for i in range(start, len(s))])


def _is_upper1(ch):
    return _lower1(ch) != ch


def _is_lower1(ch):
    return _upper1(ch) != ch


def _cased(ch):
    return _lower1(ch) != ch or _upper1(ch) != ch


def _is_decimal1(ch):
    c = ord(ch)
    if c < 128:
        return 48 <= c <= 57
    for base in (
        0x660,
        0x6F0,
        0x7C0,
        0x966,
        0x9E6,
        0xA66,
        0xAE6,
        0xB66,
        0xBE6,
        0xC66,
        0xCE6,
        0xD66,
        0xE50,
        0xED0,
        0xF20,
        0x1040,
        0xFF10,
    ):
        if base <= c <= base + 9:
            return True
    return False


def _is_numeric1(ch):
    return (
        _is_decimal1(ch)
        or ch
        in "\xb2\xb3\xb9\xbc\xbd\xbe\u2150\u2151\u2152\u2153\u2154\u2155\u215b\u2160\u2161\u2162\u2163\u2164\u2070\u2074\u2075\u2076\u2077\u2078\u2079\u2080\u2081\u2082\u2083\u2084\u2085\u2086\u2087\u2088\u2089\u3007\u4e00\u4e8c\u4e09\u56db\u4e94\u516d\u4e03\u516b\u4e5d\u5341"
    )


def _is_alpha1(ch):
    c = ord(ch)
    if c < 128:
        return ch.isalpha()
    if c in (0xAA, 0xB5, 0xBA) or (0xC0 <= c <= 0x24F and c not in (0xD7, 0xF7)):
        return True
    for low, high in (
        (0x250, 0x2C1),
        (0x370, 0x373),
        (0x386, 0x3FF),
        (0x400, 0x481),
        (0x48A, 0x52F),
        (0x531, 0x556),
        (0x561, 0x587),
        (0x5D0, 0x5EA),
        (0x620, 0x64A),
        (0x904, 0x939),
        (0xE01, 0xE30),
        (0x1E00, 0x1FFF),
        (0x3041, 0x3096),
        (0x30A1, 0x30FA),
        (0x3400, 0x4DBF),
        (0x4E00, 0x9FFF),
        (0xAC00, 0xD7A3),
        (0xF900, 0xFAFF),
        (0xFF21, 0xFF3A),
        (0xFF41, 0xFF5A),
    ):
        if low <= c <= high:
            return c != 0x387
    return False


def _method(obj, name, args, kwargs):
    return getattr(obj, name)(*args, **kwargs)


def _fill(fillchar):
    if type(fillchar) is not _str or len(fillchar) != 1:
        raise TypeError("The fill character must be exactly one character long")
    return fillchar


def s_ljust(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "ljust", args, kwargs)
    return _ljust(s, *args, **kwargs)


def _ljust(s, width, fillchar=" "):
    fillchar = _fill(fillchar)
    return s + fillchar * (width - len(s)) if width > len(s) else s


def s_rjust(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "rjust", args, kwargs)
    return _rjust(s, *args, **kwargs)


def _rjust(s, width, fillchar=" "):
    fillchar = _fill(fillchar)
    return fillchar * (width - len(s)) + s if width > len(s) else s


def s_center(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "center", args, kwargs)
    return _center(s, *args, **kwargs)


def _center(s, width, fillchar=" "):
    fillchar = _fill(fillchar)
    margin = width - len(s)
    if margin <= 0:
        return s
    left = margin // 2 + (margin & width & 1)
    return fillchar * left + s + fillchar * (margin - left)


def s_zfill(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "zfill", args, kwargs)
    return _zfill(s, *args, **kwargs)


def _zfill(s, width):
    pad = width - len(s)
    if pad <= 0:
        return s
    if s and s[0] in "+-":
        return s[0] + "0" * pad + s[1:]
    return "0" * pad + s


def _ascii_only(s):
    # A str's length counts characters; its UTF-8 encoding is as long only when all are ASCII.
    return len(s.encode()) == len(s)


def _map_chars(s, function):
    return "".join([function(ch) for ch in s])


def s_upper(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "upper", args, kwargs)
    if _ascii_only(s):
        return s.upper()
    return _map_chars(s, _upper1)


def s_lower(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "lower", args, kwargs)
    if _ascii_only(s):
        return s.lower()
    return _lower_all(s)


def s_casefold(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "casefold", args, kwargs)
    return _map_chars(s, lambda ch: "ss" if ch == "\xdf" else ("\u03c3" if ch == "\u03c2" else _lower1(ch)))


def s_swapcase(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "swapcase", args, kwargs)
    out = []
    for i in range(len(s)):
        ch = s[i]
        out.append(_lower_in(s, i) if _is_upper1(ch) else (_upper1(ch) if _is_lower1(ch) else ch))
    return "".join(out)


def _title1(ch):
    return "Ss" if ch == "\xdf" else _upper1(ch)


def s_capitalize(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "capitalize", args, kwargs)
    if not s:
        return s
    return _title1(s[0]) + _lower_all(s, 1)


def s_title(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "title", args, kwargs)
    out = []
    previous_cased = False
    for i in range(len(s)):
        ch = s[i]
        if _cased(ch):
            out.append(_lower_in(s, i) if previous_cased else _title1(ch))
            previous_cased = True
        else:
            out.append(ch)
            previous_cased = False
    return "".join(out)


def s_istitle(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "istitle", args, kwargs)
    seen = False
    previous_cased = False
    for ch in s:
        if _is_upper1(ch):
            if previous_cased:
                return False
            previous_cased = seen = True
        elif _is_lower1(ch):
            if not previous_cased:
                return False
            previous_cased = seen = True
        else:
            previous_cased = False
    return seen


def _all(s, test):
    if not s:
        return False
    for ch in s:
        if not test(ch):
            return False
    return True


def s_isalnum(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "isalnum", args, kwargs)
    return _all(s, lambda ch: _is_alpha1(ch) or _is_numeric1(ch))


def s_isdecimal(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "isdecimal", args, kwargs)
    return _all(s, _is_decimal1)


def s_isnumeric(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "isnumeric", args, kwargs)
    return _all(s, _is_numeric1)


def s_isascii(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "isascii", args, kwargs)
    for ch in s:
        if ord(ch) > 127:
            return False
    return True


def s_isidentifier(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "isidentifier", args, kwargs)
    if not s or not (s[0] == "_" or _is_alpha1(s[0])):
        return False
    for ch in s[1:]:
        if not (ch == "_" or _is_alpha1(ch) or _is_decimal1(ch)):
            return False
    return True


def printable(ch):
    c = ord(ch)
    if c < 128:
        return 32 <= c < 127
    if c <= 0xA0 or c == 0xAD:
        return False
    if 0x200B <= c <= 0x200F or 0x2028 <= c <= 0x202E or 0x2060 <= c <= 0x2064 or c == 0xFEFF:
        return False
    if 0xD800 <= c <= 0xF8FF or c == 0x3000 or 0x2000 <= c <= 0x200A or c >= 0xE0000:
        return False
    return True


def s_isprintable(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "isprintable", args, kwargs)
    for ch in s:
        if not printable(ch):
            return False
    return True


def s_removeprefix(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "removeprefix", args, kwargs)
    return _removeprefix(s, *args)


def _removeprefix(s, prefix):
    if type(prefix) is not _str:
        raise TypeError("removeprefix() argument must be str, not " + type(prefix).__name__)
    return s[len(prefix) :] if prefix and s.startswith(prefix) else s


def s_removesuffix(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "removesuffix", args, kwargs)
    return _removesuffix(s, *args)


def _removesuffix(s, suffix):
    if type(suffix) is not _str:
        raise TypeError("removesuffix() argument must be str, not " + type(suffix).__name__)
    return s[: len(s) - len(suffix)] if suffix and s.endswith(suffix) else s


def s_expandtabs(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "expandtabs", args, kwargs)
    return _expandtabs(s, *args, **kwargs)


def _expandtabs(s, tabsize=8):
    out = []
    column = 0
    for ch in s:
        if ch == "\t":
            if tabsize > 0:
                spaces = tabsize - column % tabsize
                out.append(" " * spaces)
                column += spaces
        elif ch == "\n" or ch == "\r":
            out.append(ch)
            column = 0
        else:
            out.append(ch)
            column += 1
    return "".join(out)


def s_translate(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "translate", args, kwargs)
    return _translate(s, *args)


def _translate(s, table):
    out = []
    for ch in s:
        try:
            mapped = table[ord(ch)]
        except LookupError:
            out.append(ch)
            continue
        if mapped is None:
            continue
        out.append(chr(mapped) if type(mapped) is int else mapped)
    return "".join(out)


def str_maketrans(x, y=None, z=None):
    table = {}
    if y is None:
        if not hasattr(x, "items"):
            raise TypeError("if you give only one argument to maketrans it must be a dict")
        for key, value in x.items():
            if type(key) is _str:
                if len(key) != 1:
                    raise ValueError("string keys in translate table must be of length 1")
                key = ord(key)
            table[key] = value
        return table
    if len(x) != len(y):
        raise ValueError("the first two maketrans arguments must have equal length")
    for a, b in zip(x, y):
        table[ord(a)] = ord(b)
    if z is not None:
        for ch in z:
            table[ord(ch)] = None
    return table


# Methods MicroPython has, but with ASCII-only rules (whitespace, letters, digits, case) or
# without keyword arguments: ASCII text keeps the native method, other text gets CPython's rules.
_WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def _space1(ch):
    return ch in _WHITESPACE


def _native_rules(s):
    # ASCII text without the separators \x1c-\x1f, \x0b and \x0c: MicroPython's own whitespace
    # and line-break rules agree with CPython's on it.
    if not _ascii_only(s):
        return False
    for ch in "\x0b\x0c\x1c\x1d\x1e\x1f":
        if ch in s:
            return False
    return True


def _split_whitespace(s, maxsplit, from_right):
    words = []
    n = len(s)
    if from_right:
        end = n
        while True:
            while end > 0 and s[end - 1] in _WHITESPACE:
                end -= 1
            if end == 0:
                break
            if maxsplit >= 0 and len(words) == maxsplit:
                words.append(s[:end])
                break
            start = end
            while start > 0 and s[start - 1] not in _WHITESPACE:
                start -= 1
            words.append(s[start:end])
            end = start
        words.reverse()
        return words
    start = 0
    while True:
        while start < n and s[start] in _WHITESPACE:
            start += 1
        if start == n:
            break
        if maxsplit >= 0 and len(words) == maxsplit:
            words.append(s[start:])
            break
        end = start
        while end < n and s[end] not in _WHITESPACE:
            end += 1
        words.append(s[start:end])
        start = end
    return words


def s_split(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "split", args, kwargs)
    return _split(s, *args, **kwargs)


def _split(s, sep=None, maxsplit=-1):
    if sep is not None:
        return s.split(sep, maxsplit)
    if _native_rules(s):
        return s.split(None, maxsplit)
    return _split_whitespace(s, maxsplit, False)


def s_rsplit(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "rsplit", args, kwargs)
    return _rsplit(s, *args, **kwargs)


def _rsplit(s, sep=None, maxsplit=-1):
    if sep is not None:
        return s.rsplit(sep, maxsplit)
    return _split_whitespace(s, maxsplit, True)


def s_splitlines(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "splitlines", args, kwargs)
    return _splitlines(s, *args, **kwargs)


def _splitlines(s, keepends=False):
    if _native_rules(s):
        return s.splitlines(keepends)
    lines = []
    start = 0
    i = 0
    n = len(s)
    while i < n:
        ch = s[i]
        if ch in _LINE_BREAKS:
            end = i + 1
            if ch == "\r" and end < n and s[end] == "\n":
                end += 1
            lines.append(s[start : end if keepends else i])
            start = i = end
        else:
            i += 1
    if start < n:
        lines.append(s[start:])
    return lines


def _strip_with(s, chars, left, right):
    if chars is not None:
        if left and right:
            return s.strip(chars)
        return s.lstrip(chars) if left else s.rstrip(chars)
    if _native_rules(s):
        if left and right:
            return s.strip()
        return s.lstrip() if left else s.rstrip()
    start, end = 0, len(s)
    if left:
        while start < end and s[start] in _WHITESPACE:
            start += 1
    if right:
        while end > start and s[end - 1] in _WHITESPACE:
            end -= 1
    return s[start:end]


def s_strip(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "strip", args, kwargs)
    return _strip_with(s, args[0] if args else kwargs.get("chars"), True, True)


def s_lstrip(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "lstrip", args, kwargs)
    return _strip_with(s, args[0] if args else kwargs.get("chars"), True, False)


def s_rstrip(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "rstrip", args, kwargs)
    return _strip_with(s, args[0] if args else kwargs.get("chars"), False, True)


def s_isspace(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "isspace", args, kwargs)
    return _all(s, _space1)


def s_isalpha(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "isalpha", args, kwargs)
    return s.isalpha() or (not _ascii_only(s) and _all(s, _is_alpha1))


def s_isdigit(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "isdigit", args, kwargs)
    return s.isdigit() or (
        not _ascii_only(s)
        and _all(
            s,
            lambda ch: (
                _is_decimal1(ch)
                or ch
                in "\xb2\xb3\xb9\u2070\u2074\u2075\u2076\u2077\u2078\u2079\u2080\u2081\u2082\u2083\u2084\u2085\u2086\u2087\u2088\u2089"
            ),
        )
    )


def _cased_test(s, wanted, other):
    seen = False
    for ch in s:
        if wanted(ch):
            seen = True
        elif other(ch):
            return False
    return seen


def s_isupper(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "isupper", args, kwargs)
    if _ascii_only(s):
        return s.isupper()
    return _cased_test(s, _is_upper1, _is_lower1)


def s_islower(s, *args, **kwargs):
    if type(s) is not _str:
        return _method(s, "islower", args, kwargs)
    if _ascii_only(s):
        return s.islower()
    return _cased_test(s, _is_lower1, _is_upper1)
