"""strptime and the less common ISO 8601 forms of the sandbox's datetime, compiled on first use."""

from datetime import (
    _MAX_ORDINAL,
    _UTC,
    MAXYEAR,
    MINYEAR,
    _delta,
    _is_leap,
    _iso_to_ordinal,
    _ordinal_to_ymd,
    _type_name,
    _ymd_to_ordinal,
    timezone,
)

# ISO 8601 parsing, with the forms and quirks of CPython 3.11's C implementation.


def _digits(text, start, count):
    """The int of exactly `count` ASCII digits at text[start:], or -1."""
    chunk = text[start : start + count]
    if len(chunk) != count or not chunk.isdigit():
        return -1
    return int(chunk)


def _parse_iso_date(text):
    """(year, month, day) from YYYY-MM-DD, YYYYMMDD, YYYY-Www[-D] or YYYYWww[D]; None when malformed."""
    year = _digits(text, 0, 4)
    if year < 0:
        return None
    at = 4
    dashed = text[4:5] == "-"
    if dashed:
        at = 5
    if text[at : at + 1] == "W":
        week = _digits(text, at + 1, 2)
        if week < 0:
            return None
        at += 3
        day = 1
        if at < len(text):
            if dashed:
                if text[at] != "-":
                    return None
                at += 1
            day = _digits(text, at, 1)
            if day < 0:
                return None
        if not MINYEAR <= year <= MAXYEAR:
            return None
        ordinal = _iso_to_ordinal(year, week, day)
        if ordinal is None or not 1 <= ordinal <= _MAX_ORDINAL:
            return None
        return _ordinal_to_ymd(ordinal)
    month = _digits(text, at, 2)
    if month < 0:
        return None
    at += 2
    if dashed:
        if text[at : at + 1] != "-":
            return None
        at += 1
    day = _digits(text, at, 2)
    if day < 0:
        return None
    return year, month, day


def _parse_hms(text, start, end):
    """[hour, minute, second, microsecond, status] from HH[:MM[:SS[.ffffff]]] in text[start:end].

    status is 0 when the fields end exactly at `end`, 1 when something follows, None when malformed.
    `text` ends in a NUL sentinel, like the C string CPython parses.
    """
    values = [0, 0, 0, 0]
    at = start
    separated = True
    for index in range(3):
        value = _digits(text, at, 2)
        if value < 0:
            return None
        values[index] = value
        at += 2
        c = text[at]
        at += 1
        if index == 0:
            separated = c == ":"
        if at >= end:
            values.append(0 if c == "\0" else 1)
            return values
        if separated and c == ":":
            continue
        if c == "." or c == ",":
            break
        if not separated:
            at -= 1
        else:
            return None
    count = min(end - at, 6)
    value = _digits(text, at, count) if count > 0 else -1
    if value < 0:
        return None
    values[3] = value * (1, 100000, 10000, 1000, 100, 10, 1)[count]
    at += count
    while text[at].isdigit():
        at += 1
    values.append(0 if text[at] == "\0" else 1)
    return values


def _parse_iso_time(text):
    """[hour, minute, second, microsecond, tzinfo] from an ISO time; None when malformed."""
    text += "\0"
    end = len(text) - 1
    tz_at = 0
    while tz_at < end and text[tz_at] not in "Z+-":
        tz_at += 1
    values = _parse_hms(text, 0, tz_at)
    if values is None:
        return None
    status = values.pop()
    if tz_at == end:
        return None if status else values + [None]
    if text[tz_at] == "Z":
        return None if tz_at + 1 != end else values + [_UTC]
    zone = _parse_hms(text, tz_at + 1, end)
    if zone is None or zone[4]:
        return None
    us = ((zone[0] * 3600 + zone[1] * 60 + zone[2]) * 1000000 + zone[3]) * (-1 if text[tz_at] == "-" else 1)
    if not us:
        return values + [_UTC]
    if not -86400000000 < us < 86400000000:
        raise ValueError(
            "offset must be a timedelta strictly between -timedelta(hours=24) and "
            "timedelta(hours=24), not %r." % _delta(0, 0, us)
        )
    return values + [timezone(_delta(0, 0, us))]


def _iso_separator(text):
    """Where the date ends in an ISO datetime string, as CPython 3.11 decides it."""
    length = len(text)
    if length == 7:
        return 7
    if text[4] == "-":
        if text[5] != "W":
            return 10
        if length < 8:
            return -1
        if length > 8 and text[8] == "-":
            if length == 9:
                return -1
            if length > 10 and text[10].isdigit():
                return 8
            return 10
        return 8
    if text[4] == "W":
        at = 7
        while at < length and text[at].isdigit():
            at += 1
        if at < 9:
            return at
        return 7 if at % 2 == 0 else 8
    return 8


def _parse_iso_datetime(text):
    if len(text) < 7:
        return None
    split = _iso_separator(text)
    if split < 0:
        return None
    ymd = _parse_iso_date(text[:split])
    if ymd is None:
        return None
    if len(text) <= split + 1:
        return None if len(text) > split else ymd
    hms = _parse_iso_time(text[split + 1 :])
    if hms is None:
        return None
    return ymd + tuple(hms)


# strptime: the format becomes a list of tokens matched by backtracking, which gives the same
# answer as the regular expression CPython's _strptime builds (first match by priority, then the
# rest of the string must be empty).

_D = "0123456789"
_NUMERIC = {
    "d": (("3", "01"), ("12", _D), ("0", "123456789"), ("123456789",), (" ", "123456789")),
    "H": (("2", "0123"), ("01", _D), (_D,)),
    "I": (("1", "012"), ("0", "123456789"), ("123456789",)),
    "G": ((_D, _D, _D, _D),),
    "j": (
        ("3", "6", "0123456"),
        ("3", "012345", _D),
        ("12", _D, _D),
        ("0", "123456789", _D),
        ("0", "0", "123456789"),
        ("123456789", _D),
        ("0", "123456789"),
        ("123456789",),
    ),
    "m": (("1", "012"), ("0", "123456789"), ("123456789",)),
    "M": (("012345", _D), (_D,)),
    "S": (("6", "01"), ("012345", _D), (_D,)),
    "U": (("5", "0123"), ("01234", _D), (_D,)),
    "W": (("5", "0123"), ("01234", _D), (_D,)),
    "V": (("5", "0123"), ("0", "123456789"), ("1234", _D), (_D,)),
    "w": (("0123456",),),
    "u": (("1234567",),),
    "y": ((_D, _D),),
    "Y": ((_D, _D, _D, _D),),
}
_NAMES = {
    "a": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
    "b": [
        "",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ],
    "p": ["am", "pm"],
    "Z": ["utc", "gmt"],
}
_STRPTIME_ALIASES = {"c": "%a %b %d %H:%M:%S %Y", "x": "%m/%d/%y", "X": "%H:%M:%S"}
_strptime_cache = {}


def _name_choices(names):
    """Names longest first, as CPython orders a regular expression's alternatives."""
    by_length = {}
    for name in names:
        if name:
            by_length.setdefault(len(name), []).append(name)
    return [name for length in sorted(by_length, reverse=True) for name in by_length[length]]


_CHOICES = {
    "A": _name_choices(_NAMES["a"]),
    "a": _name_choices([n[:3] for n in _NAMES["a"]]),
    "B": _name_choices(_NAMES["b"]),
    "b": _name_choices([n[:3] for n in _NAMES["b"]]),
    "p": _name_choices(_NAMES["p"]),
    "Z": _name_choices(_NAMES["Z"]),
}


def _compile_strptime(format):
    """Tokens: ('lit', char), ('space',) or ('dir', code)."""
    tokens = []
    at = 0
    length = len(format)
    while at < length:
        c = format[at]
        if c == "%":
            if at + 1 >= length:
                raise ValueError("stray %% in format '%s'" % format)
            code = format[at + 1]
            at += 2
            if code in _STRPTIME_ALIASES:
                tokens.extend(_compile_strptime(_STRPTIME_ALIASES[code]))
            elif code == "%":
                tokens.append(("lit", "%"))
            elif code in _NUMERIC or code in _CHOICES or code in "fz":
                tokens.append(("dir", code))
            else:
                raise ValueError("'%s' is a bad directive in format '%s'" % (code, format))
        elif c.isspace():
            while at < length and format[at].isspace():
                at += 1
            tokens.append(("space",))
        else:
            tokens.append(("lit", c.lower()))
            at += 1
    return tokens


def _ends(token, text, lowered, at):
    """Where a token may end when it starts at `at`, in the order the regular expression tries them."""
    kind = token[0]
    if kind == "lit":
        return (at + 1,) if lowered[at : at + 1] == token[1] else ()
    if kind == "space":
        end = at
        while end < len(text) and text[end].isspace():
            end += 1
        return range(end, at, -1)
    code = token[1]
    pattern = _NUMERIC.get(code)
    if pattern is not None:
        found = []
        for alternative in pattern:
            end = at
            for allowed in alternative:
                if end < len(text) and text[end] in allowed:
                    end += 1
                else:
                    end = -1
                    break
            if end > 0:
                found.append(end)
        return found
    if code == "f":
        end = at
        while end < len(text) and end - at < 6 and text[end] in _D:
            end += 1
        return range(end, at, -1)
    if code == "z":
        return _z_ends(text, at)
    return [at + len(name) for name in _CHOICES[code] if lowered.startswith(name, at)]


def _z_ends(text, at):
    """Ends for [+-]HH:?MM(:?SS(.f{1,6})?)? or a literal Z, longest first."""
    if text[at : at + 1] == "Z":
        return (at + 1,)
    if text[at : at + 1] not in ("+", "-") or len(text) < at + 3 or not text[at + 1 : at + 3].isdigit():
        return ()
    end = at + 3
    if text[end : end + 1] == ":":
        end += 1
    if len(text) < end + 2 or text[end] not in "012345" or text[end + 1] not in _D:
        return ()
    end += 2
    found = []
    seconds = end + 1 if text[end : end + 1] == ":" else end
    if len(text) >= seconds + 2 and text[seconds] in "012345" and text[seconds + 1] in _D:
        seconds += 2
        if text[seconds : seconds + 1] == ".":
            digits = seconds + 1
            while digits < len(text) and digits - seconds <= 6 and text[digits] in _D:
                digits += 1
            found.extend(range(digits, seconds + 1, -1))
        found.append(seconds)
    found.append(end)
    return found


def _first_lengths(code):
    """For a numeric directive of at most two characters: the first alternative's length, by the
    next two characters (or one, when the second cannot continue any alternative)."""
    table = {}
    chars = _D + " "
    # Longer alternatives never match two characters; plain loops, as this runs when a format is
    # first used, and generators made it cost milliseconds.
    alternatives = [alternative for alternative in _NUMERIC[code] if len(alternative) <= 2]
    for a in chars:
        for alternative in alternatives:
            if len(alternative) == 1 and a in alternative[0]:
                table[a] = 1
                break
        for b in chars:
            for alternative in alternatives:
                if a in alternative[0] and (len(alternative) == 1 or b in alternative[1]):
                    table[a + b] = len(alternative)
                    break
    return table


_FIRST = {}


def _greedy_spans(tokens, text):
    """The spans when every token takes its first choice, which is the regular expression's answer
    whenever it gets through all tokens; None when that path fails."""
    spans = []
    at = 0
    length = len(text)
    for token in tokens:
        kind = token[0]
        if kind == "dir":
            code = token[1]
            if code == "Y" or code == "y" or code == "G":
                width = 2 if code == "y" else 4
                end = at + width
                if end > length or not text[at:end].isdigit():
                    return None
            elif code == "f":
                end = at
                while end < length and end - at < 6 and text[end] in _D:
                    end += 1
                if end == at:
                    return None
            elif code in _NUMERIC and code != "j":
                table = _FIRST.get(code)
                if table is None:
                    table = _FIRST[code] = _first_lengths(code)
                width = table.get(text[at : at + 2]) or table.get(text[at : at + 1])
                if width is None:
                    return None
                end = at + width
            else:
                ends = _ends(token, text, text.lower(), at)
                if not ends:
                    return None
                end = ends[0]
            spans.append((at, end))
            at = end
        elif kind == "lit":
            if at >= length or (text[at] != token[1] and text[at].lower() != token[1]):
                return None
            spans.append(None)
            at += 1
        else:
            end = at
            while end < length and text[end].isspace():
                end += 1
            if end == at:
                return None
            spans.append(None)
            at = end
    return spans, at


def _match_tokens(tokens, text):
    """(start, end) spans of each token on the first match by priority, and where the match ends; or None."""
    lowered = text.lower()
    count = len(tokens)
    if count == 0:
        return [], 0
    choices = [None] * count
    picks = [0] * count
    starts = [0] * count
    index = 0
    at = 0
    while True:
        if choices[index] is None:
            starts[index] = at
            choices[index] = _ends(tokens[index], text, lowered, at)
            picks[index] = 0
        options = choices[index]
        if picks[index] < len(options):
            at = options[picks[index]]
            picks[index] += 1
            index += 1
            if index == count:
                return [
                    (starts[i], choices[i][picks[i] - 1]) if tokens[i][0] == "dir" else None for i in range(count)
                ], at
            choices[index] = None
        else:
            choices[index] = None
            index -= 1
            if index < 0:
                return None


_SIMPLE_FIELDS = {"Y": "Y", "y": "Y", "m": "m", "d": "d", "H": "H", "M": "M", "S": "S", "f": "f"}
_PAIRS = {}


def _pair_table(code):
    """For a directive of at most two characters: first character's code -> (second character's
    code -> width, width when the second cannot continue), following the alternatives' order."""
    table = {}
    lengths = _FIRST.get(code)
    if lengths is None:
        lengths = _FIRST[code] = _first_lengths(code)
    for a in _D + " ":
        pairs = {ord(b): lengths[a + b] for b in _D + " " if a + b in lengths}
        if pairs or a in lengths:
            table[ord(a)] = (pairs, lengths.get(a))
    return table


# The ASCII codes that str.isspace() accepts (tab to carriage return, the four separators, space), as
# the fast parser reads codes rather than characters.
_SPACE_CODES = {9, 10, 11, 12, 13, 28, 29, 30, 31, 32}


def _first_name(choices, text, at):
    """Where the first of the names (longest first) that text has at `at`, in any case, ends; or -1."""
    ahead = text[at : at + len(choices[0])].lower()
    for name in choices:
        if ahead.startswith(name):
            return at + len(name)
    return -1


_MONTHS = {"b": [n[:3] for n in _NAMES["b"]], "B": _NAMES["b"]}


def _compile_fast(tokens):
    """For formats of numbers, month and day names, AM/PM and literals: a function that parses a
    string along every token's first choice and returns the fields; it returns None when that path
    fails (the general matcher then gives the answer or the error). None when the format has other
    directives. It reads an ASCII string's bytes, whose items are small ints: indexing the string
    would make a string of each character, and other text goes to the general matcher."""
    codes = [token[1] for token in tokens if token[0] == "dir"]
    if "I" in codes and "H" in codes:
        return None
    lines = ["def parse(text):", " t = text.encode()", " n = len(t)", " if n != len(text): return None", " a = 0"]
    lines.append(" I = P = None")
    names = {
        "_PAIRS": _PAIRS,
        "_CHOICES": _CHOICES,
        "_first_name": _first_name,
        "_MONTHS": _MONTHS,
        "_SPACES": _SPACE_CODES,
    }
    fields = {"Y": "1900", "m": "1", "d": "1", "H": "0", "M": "0", "S": "0", "f": "0"}
    for token in tokens:
        kind = token[0]
        if kind == "lit":
            c = token[1]
            # The ASCII characters the literal accepts: itself, and those whose lower case it is.
            accepted = [code for code in range(128) if chr(code) == c or chr(code).lower() == c]
            lines.append(
                " if a >= n or %s: return None" % (" and ".join("t[a] != %d" % code for code in accepted) or "True")
            )
            lines.append(" a += 1")
        elif kind == "space":
            lines.append(" b = a")
            lines.append(" while b < n and t[b] in _SPACES: b += 1")
            lines.append(" if b == a: return None")
            lines.append(" a = b")
        elif token[1] in "aAbBp":
            code = token[1]
            lines.append(" e = _first_name(_CHOICES[%r], text, a)" % code)
            lines.append(" if e < 0: return None")
            if code in "bB":
                lines.append(" m = _MONTHS[%r].index(text[a:e].lower())" % code)
                fields["m"] = "m"
            elif code == "p":
                lines.append(" P = text[a:e].lower() == 'pm'")
            lines.append(" a = e")
        else:
            code = token[1]
            if code not in _SIMPLE_FIELDS and code != "I":
                return None
            name = _SIMPLE_FIELDS.get(code, "I")
            if code != "I":
                fields[name] = name
            if code in "Yy":
                width = 4 if code == "Y" else 2
                lines.append(" if a + %d > n: return None" % width)
                lines.append(" v = 0")
                for i in range(width):
                    lines.append(" c = t[a + %d]" % i)
                    lines.append(" if not 48 <= c <= 57: return None")
                    lines.append(" v = v * 10 + c - 48")
                lines.append(" %s = v" % name)
                if code == "y":
                    lines.append(" Y += 2000 if Y <= 68 else 1900")
                lines.append(" a += %d" % width)
            elif code == "f":
                lines.append(" b = a")
                lines.append(" v = 0")
                lines.append(" while b < n and b - a < 6 and 48 <= t[b] <= 57:")
                lines.append("  v = v * 10 + t[b] - 48")
                lines.append("  b += 1")
                lines.append(" if b == a: return None")
                lines.append(" f = v * (1, 100000, 10000, 1000, 100, 10, 1)[b - a]")
                lines.append(" a = b")
            else:
                if code not in _PAIRS:
                    _PAIRS[code] = _pair_table(code)
                lines.append(" if a >= n: return None")
                lines.append(" c = t[a]")
                lines.append(" row = _PAIRS[%r].get(c)" % code)
                lines.append(" if row is None: return None")
                lines.append(" d1 = t[a + 1] if a + 1 < n else -1")
                lines.append(" w = row[0].get(d1) or row[1]")
                lines.append(" if w is None: return None")
                lines.append(" v = 0 if c == 32 else c - 48")
                lines.append(" %s = v * 10 + d1 - 48 if w == 2 else v" % name)
                lines.append(" a += w")
    lines.append(" if a != n: return None")
    if "I" in codes:
        lines.append(" H = I")
        lines.append(" if P is not None:")
        lines.append("  if P and H != 12: H += 12")
        lines.append("  elif not P and H == 12: H = 0")
        fields["H"] = "H"
    lines.append(" return [%s, %s, %s, %s, %s, %s, %s, None]" % tuple(fields[k] for k in "YmdHMSf"))
    exec("\n".join(lines), names)
    return names["parse"]


def _strptime(text, format):
    """[year, month, day, hour, minute, second, microsecond, tzinfo] parsed as CPython's strptime does."""
    compiled = _strptime_cache.get(format)
    if compiled is None:
        if type(format) is not str:
            raise TypeError("strptime() argument 2 must be str, not %s" % _type_name(format))
        tokens = _compile_strptime(format)
        seen = set()
        for token in tokens:
            if token[0] == "dir":
                if token[1] in seen:
                    # CPython's regular expression then has a repeated group name, and re refuses it.
                    raise ValueError("strptime: the directive '%%%s' appears twice in format %r" % (token[1], format))
                seen.add(token[1])
        compiled = (tokens, _compile_fast(tokens))
        if len(_strptime_cache) >= 64:
            _strptime_cache.clear()
        _strptime_cache[format] = compiled
    if text.__class__ is not str:
        raise TypeError("strptime() argument 1 must be str, not %s" % _type_name(text))
    tokens, fast = compiled
    if fast is not None:
        fields = fast(text)
        if fields is not None:
            return fields
    matched = _greedy_spans(tokens, text) or _match_tokens(tokens, text)
    if matched is None:
        raise ValueError("time data %r does not match format %r" % (text, format))
    spans, end = matched
    if end != len(text):
        raise ValueError("unconverted data remains: %s" % text[end:])
    year = None
    month = day = 1
    hour = minute = second = microsecond = 0
    twelve_hour = None
    afternoon = None
    julian = weekday = week = week_start = iso_year = iso_week = None
    offset = None
    zone_name = None
    for i in range(len(tokens)):
        span = spans[i]
        if span is None:
            continue
        code = tokens[i][1]
        value = text[span[0] : span[1]]
        if code == "Y":
            year = int(value)
        elif code == "m":
            month = int(value)
        elif code == "d":
            day = int(value)
        elif code == "H":
            hour = int(value)
        elif code == "M":
            minute = int(value)
        elif code == "S":
            second = int(value)
        elif code == "f":
            microsecond = int(value + "000000"[len(value) :])
        elif code == "y":
            year = int(value)
            year += 2000 if year <= 68 else 1900
        elif code == "I":
            twelve_hour = int(value)
        elif code == "p":
            afternoon = value.lower() == "pm"
        elif code == "B":
            month = _NAMES["b"].index(value.lower())
        elif code == "b":
            month = [n[:3] for n in _NAMES["b"]].index(value.lower())
        elif code == "A":
            weekday = _NAMES["a"].index(value.lower())
        elif code == "a":
            weekday = [n[:3] for n in _NAMES["a"]].index(value.lower())
        elif code == "w":
            weekday = (int(value) + 6) % 7
        elif code == "u":
            weekday = int(value) - 1
        elif code == "j":
            julian = int(value)
        elif code == "U" or code == "W":
            week = int(value)
            week_start = code
        elif code == "G":
            iso_year = int(value)
        elif code == "V":
            iso_week = int(value)
        elif code == "z":
            offset = _parse_z(value)
        elif code == "Z":
            zone_name = value
    if twelve_hour is not None:
        hour = twelve_hour
        if afternoon is not None:
            if afternoon:
                if hour != 12:
                    hour += 12
            elif hour == 12:
                hour = 0
    if iso_year is not None:
        if julian is not None:
            raise ValueError(
                "Day of the year directive '%j' is not compatible with ISO year directive '%G'. Use '%Y' instead."
            )
        if iso_week is None or weekday is None:
            raise ValueError(
                "ISO year directive '%G' must be used with the ISO week directive '%V' and a "
                "weekday directive ('%A', '%a', '%w', or '%u')."
            )
    elif iso_week is not None:
        if year is None or weekday is None:
            raise ValueError(
                "ISO week directive '%V' must be used with the ISO year directive '%G' and a "
                "weekday directive ('%A', '%a', '%w', or '%u')."
            )
        raise ValueError(
            "ISO week directive '%V' is incompatible with the year directive '%Y'. Use the ISO year '%G' instead."
        )
    leap_fix = False
    if year is None:
        if month == 2 and day == 29:
            year = 1904
            leap_fix = True
        else:
            year = 1900
    if julian is None and weekday is not None:
        if week is not None:
            julian = _julian_from_week(year, week, weekday, week_start == "W")
        elif iso_year is not None and iso_week is not None:
            ordinal = _iso_to_ordinal(iso_year, iso_week, weekday + 1)
            if ordinal is None or not 1 <= ordinal <= _MAX_ORDINAL:
                raise ValueError("Invalid week: %d" % iso_week)
            year, month, day = _ordinal_to_ymd(ordinal)
            julian = ordinal - _ymd_to_ordinal(year, 1, 1) + 1
        if julian is not None and julian <= 0:
            year -= 1
            julian += 366 if _is_leap(year) else 365
    if julian is not None:
        year, month, day = _ordinal_to_ymd(julian - 1 + _ymd_to_ordinal(year, 1, 1))
    if leap_fix:
        year = 1900
    tz = None
    if offset is not None:
        tz = timezone(offset, zone_name) if zone_name else timezone(offset)
    return [year, month, day, hour, minute, second, microsecond, tz]


def _julian_from_week(year, week, weekday, monday_first):
    first_weekday = (_ymd_to_ordinal(year, 1, 1) + 6) % 7
    if not monday_first:
        first_weekday = (first_weekday + 1) % 7
        weekday = (weekday + 1) % 7
    if week == 0:
        return 1 + weekday - first_weekday
    return 1 + (7 - first_weekday) % 7 + 7 * (week - 1) + weekday


def _parse_z(found):
    if found == "Z":
        return _delta(0, 0, 0)
    value = found
    if value[3:4] == ":":
        value = value[:3] + value[4:]
        if len(value) > 5:
            if value[5] != ":":
                raise ValueError("Inconsistent use of : in %s" % found)
            value = value[:5] + value[6:]
    seconds = int(value[1:3]) * 3600 + int(value[3:5]) * 60 + int(value[5:7] or 0)
    fraction = value[8:]
    us = seconds * 1000000 + (int(fraction + "000000"[len(fraction) :]) if fraction else 0)
    return _delta(0, 0, -us if value[0] == "-" else us)
