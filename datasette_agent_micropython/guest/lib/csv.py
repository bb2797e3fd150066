"""csv for the sandbox: CPython's readers, writers and dialects (CPython 3.11's behaviour).

Reading takes any iterable of strings (a list of lines, io.StringIO, a text file). A one-line
record of the common dialects, whose quotes enclose whole fields, is split with str.split
(_Reader._rows_of_lines); everything else goes through a character state machine that follows
CPython's, so quoted fields may hold delimiters, quotes and newlines.
"""

# DictReader's rows keep the header's order, as CPython's dicts do (MicroPython's are not ordered).
from _odict import from_pairs as _from_pairs
from _odict import odict as _odict

QUOTE_MINIMAL, QUOTE_ALL, QUOTE_NONNUMERIC, QUOTE_NONE = 0, 1, 2, 3
__version__ = "1.0"

_field_limit = 128 * 1024


class Error(Exception):
    pass


def field_size_limit(*new_limit):
    """The largest field the reader accepts; with an argument, set it and return the old one."""
    global _field_limit
    old = _field_limit
    if len(new_limit) > 1:
        raise TypeError("field_size_limit expected at most 1 argument, got %d" % len(new_limit))
    if new_limit:
        if type(new_limit[0]) is not int:
            raise TypeError("limit must be an integer")
        _field_limit = new_limit[0]
    return old


class Dialect:
    """Formatting parameters; subclass it, or pass its attributes as keyword arguments."""

    _name = ""
    delimiter = None
    quotechar = None
    escapechar = None
    doublequote = None
    skipinitialspace = None
    lineterminator = None
    quoting = None
    strict = False

    def __init__(self):
        if type(self) is not Dialect:
            _Format(self, {})


class excel(Dialect):
    delimiter = ","
    quotechar = '"'
    doublequote = True
    skipinitialspace = False
    lineterminator = "\r\n"
    quoting = QUOTE_MINIMAL


class excel_tab(excel):
    delimiter = "\t"


class unix_dialect(Dialect):
    delimiter = ","
    quotechar = '"'
    doublequote = True
    skipinitialspace = False
    lineterminator = "\n"
    quoting = QUOTE_ALL


_dialects = {"excel": excel, "excel-tab": excel_tab, "unix": unix_dialect}


def _char(name, value, allow_none):
    if value is None:
        if allow_none:
            return None
        raise TypeError('"%s" must be string, not NoneType' % name)
    if type(value) is not str:
        raise TypeError('"%s" must be string, not %s' % (name, type(value).__name__))
    if len(value) != 1:
        raise TypeError('"%s" must be a 1-character string' % name)
    return value


class _Format:
    """A dialect resolved and checked: what readers and writers expose as .dialect."""

    def __init__(self, dialect, options):
        if isinstance(dialect, str):
            dialect = get_dialect(dialect)

        def pick(name, default):
            if name in options:
                return options[name]
            value = getattr(dialect, name, None) if dialect is not None else None
            return default if value is None else value

        unknown = [name for name in options if name not in _OPTION_NAMES]
        if unknown:
            raise TypeError("'%s' is an invalid keyword argument for this function" % unknown[0])
        self.delimiter = _char("delimiter", pick("delimiter", ","), False)
        self.doublequote = bool(pick("doublequote", True))
        self.escapechar = _char("escapechar", pick("escapechar", None), True)
        self.lineterminator = pick("lineterminator", "\r\n")
        if type(self.lineterminator) is not str:
            raise TypeError('"lineterminator" must be a string')
        self.quoting = pick("quoting", QUOTE_MINIMAL)
        if (
            self.quoting not in (QUOTE_MINIMAL, QUOTE_ALL, QUOTE_NONNUMERIC, QUOTE_NONE)
            or type(self.quoting) is not int
        ):
            raise TypeError('bad "quoting" value')
        quotechar = options["quotechar"] if "quotechar" in options else pick("quotechar", '"')
        self.quotechar = _char("quotechar", quotechar, True)
        if self.quotechar is None and "quoting" not in options:
            self.quoting = QUOTE_NONE
        if self.quotechar is None and self.quoting != QUOTE_NONE:
            raise TypeError("quotechar must be set if quoting enabled")
        self.skipinitialspace = bool(pick("skipinitialspace", False))
        self.strict = bool(pick("strict", False))


_OPTION_NAMES = (
    "delimiter",
    "quotechar",
    "escapechar",
    "doublequote",
    "skipinitialspace",
    "lineterminator",
    "quoting",
    "strict",
)


def register_dialect(name, dialect=None, **options):
    if type(name) is not str:
        raise TypeError("dialect name must be a string")
    _dialects[name] = _Format(dialect, options)


def unregister_dialect(name):
    if name not in _dialects:
        raise Error("unknown dialect")
    del _dialects[name]


def get_dialect(name):
    try:
        return _dialects[name]
    except (KeyError, TypeError):
        raise Error("unknown dialect")


def list_dialects():
    return list(_dialects)


class _Reader(filter):
    """Rows from lines, built from MicroPython's native iterators so that a row costs no Python
    __next__ call: map hands each line to the _rows_of_lines generator's send, and filter(iter)
    passes its rows through and raises its errors (a _Raise's __iter__ raises). Both go on
    reading after an error or the end of the lines, as CPython's reader does."""

    def __init__(self, lines, dialect, options):
        self.dialect = _Format(dialect, options)
        self._lines = lines = iter(lines)
        self.line_num = 0
        d = self.dialect
        # The quote by which lines may be split with str.split (_rows_of_lines), or None when
        # this dialect's lines need the state machine.
        self._find_quote = (
            d.quotechar
            if d.quoting != QUOTE_NONE
            and d.quoting != QUOTE_NONNUMERIC
            and d.doublequote
            and not d.skipinitialspace
            and d.escapechar is None
            and d.quotechar != d.delimiter
            else None
        )
        rows = self._rows_of_lines()
        next(rows)
        super().__init__(iter, map(rows.send, lines))

    def __iter__(self):
        return self

    def _rows_of_lines(self):
        """A generator sent each line, yielding its row, or a _Raise for its error: one frame
        for all lines, with the builtins it calls as locals (global look-ups are slow).

        One line of a common dialect, whose quotes enclose whole fields, is split here: on the
        quote (odd pieces are the quoted fields' text), then the text outside quotes on the
        delimiter. A str method call costs about as much as a dozen bytecodes and makes all its
        pieces in C, so the split counts calls, not characters. Everything else goes to
        _next_of."""
        delimiter = self.dialect.delimiter
        quote = self._find_quote
        text_type = str
        kind = type
        size = len
        row = None
        while True:
            line = yield row
            if kind(line) is not text_type:
                row = _Raise(
                    Error(
                        "iterator should return strings, not %s (the file should be opened in text mode)"
                        % kind(line).__name__
                    )
                )
                continue
            self.line_num += 1
            row = None
            if quote is not None:
                # MicroPython's splitlines breaks only at \r, \n and \r\n: one part is a line with
                # no line break but the one at its end, which ends the record. A field of at most
                # the line's length is within the limit.
                parts = line.splitlines()
                if size(parts) == 1 and size(line) <= _field_limit:
                    body = parts[0]
                    if quote not in body:
                        row = body.split(delimiter) if body else []
                    else:
                        pieces = body.split(quote)
                        count = size(pieces)
                        # An even number of quotes; with an odd one a quoted field goes on past
                        # this line, for the state machine.
                        if count & 1:
                            between = pieces[2:-1:2]
                            if between.count(delimiter) == size(between):
                                # Quoted fields apart by one delimiter each: the text before the first
                                # must end at a delimiter, the text after the last start at one.
                                row = pieces[0].split(delimiter)
                                after = pieces[-1].split(delimiter)
                                if row.pop() or after.pop(0):
                                    row = None
                                else:
                                    row += pieces[1::2]
                                    row += after
                            elif "" not in between:
                                # Unquoted fields between quoted ones: the text outside quotes, joined by
                                # quotes, splits into the unquoted fields and a lone quote for each
                                # quoted one, unless a quote is not at a field's ends.
                                row = quote.join(pieces[::2]).split(delimiter)
                                fields = pieces[1::2]
                                if row.count(quote) == size(fields):
                                    at = 0
                                    for field in fields:
                                        at = row.index(quote, at)
                                        row[at] = field
                                else:
                                    row = None
                            else:
                                # Doubled quotes: the row so far ends with a placeholder for the
                                # next quoted field, whose pieces an empty text between them
                                # joins with a (doubled) quote.
                                row = pieces[0].split(delimiter)
                                i = 1
                                while i < count:
                                    if row[-1]:
                                        row = None  # a quote inside an unquoted field
                                        break
                                    field = pieces[i]
                                    text = pieces[i + 1]
                                    i += 2
                                    while not text and i < count:
                                        field = field + quote + pieces[i]
                                        text = pieces[i + 1]
                                        i += 2
                                    after = text.split(delimiter)
                                    if after[0]:
                                        row = None  # text after a closing quote
                                        break
                                    after[0] = field
                                    row[-1:] = after
            if row is None:
                try:
                    row = self._next_of(line)
                except Exception as error:
                    row = _Raise(error)

    def _next_of(self, line):
        d = self.dialect
        quote = d.quotechar if d.quoting != QUOTE_NONE else None
        escape = d.escapechar
        if (quote is None or quote not in line) and (escape is None or escape not in line):
            # No quotes or escapes: str.split does it, unless a newline or NUL is inside the line.
            body = line.rstrip("\r\n")
            if "\r" not in body and "\n" not in body and "\0" not in body:
                if not body:
                    return []
                fields = body.split(d.delimiter)
                if d.skipinitialspace:
                    fields = [field.lstrip(" ") for field in fields]
                limit = _field_limit
                if len(body) > limit:
                    for field in fields:
                        if len(field) > limit:
                            raise Error("field larger than field limit (%d)" % limit)
                if d.quoting == QUOTE_NONNUMERIC:
                    fields = [_number(field) if field else field for field in fields]
                return fields
        return self._parse(line, d, quote, escape)

    def _parse(self, line, d, quote, escape):
        delimiter = d.delimiter
        doublequote = d.doublequote
        skipspace = d.skipinitialspace
        numeric_mode = d.quoting == QUOTE_NONNUMERIC
        strict = d.strict
        limit = _field_limit
        # The states as locals: a global lookup in a module is slow in MicroPython.
        (
            START_RECORD,
            START_FIELD,
            ESCAPED_CHAR,
            IN_FIELD,
            IN_QUOTED_FIELD,
            ESCAPE_IN_QUOTED_FIELD,
            QUOTE_IN_QUOTED_FIELD,
            EAT_CRNL,
            AFTER_ESCAPED_CRNL,
        ) = range(9)
        finish = _finish
        size = len
        fields = []
        field = []
        numeric = False
        state = START_RECORD
        while True:
            if "\0" in line:
                raise Error("line contains NUL")
            for c in line + "\0":
                if state == START_RECORD:
                    if c == "\0":
                        break
                    if c == "\n" or c == "\r":
                        state = EAT_CRNL
                        continue
                    state = START_FIELD
                if state == START_FIELD:
                    if c == "\n" or c == "\r" or c == "\0":
                        fields.append(finish(field, numeric))
                        field, numeric = [], False
                        state = START_RECORD if c == "\0" else EAT_CRNL
                    elif c == quote:
                        state = IN_QUOTED_FIELD
                    elif c == escape:
                        state = ESCAPED_CHAR
                    elif c == " " and skipspace:
                        pass
                    elif c == delimiter:
                        fields.append(finish(field, numeric))
                        field, numeric = [], False
                    else:
                        numeric = numeric_mode
                        field.append(c)
                        state = IN_FIELD
                elif state == ESCAPED_CHAR:
                    if c == "\n" or c == "\r":
                        field.append(c)
                        state = AFTER_ESCAPED_CRNL
                        continue
                    field.append("\n" if c == "\0" else c)
                    state = IN_FIELD
                elif state == IN_FIELD or state == AFTER_ESCAPED_CRNL:
                    # After an escaped line break the field goes on across line ends, as in
                    # CPython, until a delimiter, a bare line break or another escape ends that.
                    if c == "\n" or c == "\r" or c == "\0":
                        if c == "\0" and state == AFTER_ESCAPED_CRNL:
                            continue
                        fields.append(finish(field, numeric))
                        field, numeric = [], False
                        state = START_RECORD if c == "\0" else EAT_CRNL
                    elif c == escape:
                        state = ESCAPED_CHAR
                    elif c == delimiter:
                        fields.append(finish(field, numeric))
                        field, numeric = [], False
                        state = START_FIELD
                    else:
                        field.append(c)
                elif state == IN_QUOTED_FIELD:
                    if c == "\0":
                        pass
                    elif c == escape:
                        state = ESCAPE_IN_QUOTED_FIELD
                    elif c == quote:
                        state = QUOTE_IN_QUOTED_FIELD if doublequote else IN_FIELD
                    else:
                        field.append(c)
                elif state == ESCAPE_IN_QUOTED_FIELD:
                    field.append("\n" if c == "\0" else c)
                    state = IN_QUOTED_FIELD
                elif state == QUOTE_IN_QUOTED_FIELD:
                    if c == quote:
                        field.append(c)
                        state = IN_QUOTED_FIELD
                    elif c == delimiter:
                        fields.append(finish(field, numeric))
                        field, numeric = [], False
                        state = START_FIELD
                    elif c == "\n" or c == "\r" or c == "\0":
                        fields.append(finish(field, numeric))
                        field, numeric = [], False
                        state = START_RECORD if c == "\0" else EAT_CRNL
                    elif not strict:
                        field.append(c)
                        state = IN_FIELD
                    else:
                        raise Error("'%s' expected after '%s'" % (delimiter, quote))
                elif state == EAT_CRNL:
                    if c == "\0":
                        state = START_RECORD
                    elif c != "\n" and c != "\r":
                        raise Error(
                            "new-line character seen in unquoted field - do you need to open the file in universal-newline mode?"
                        )
                if size(field) > limit:
                    raise Error("field larger than field limit (%d)" % limit)
            if state == START_RECORD:
                return fields
            try:
                line = next(self._lines)
            except StopIteration:
                if field or state == IN_QUOTED_FIELD:
                    if strict:
                        raise Error("unexpected end of data")
                    fields.append(finish(field, numeric))
                    return fields
                raise
            self.line_num += 1
            if type(line) is not str:
                raise Error(
                    "iterator should return strings, not %s (the file should be opened in text mode)"
                    % type(line).__name__
                )


class _Raise:
    """An error of _Reader._rows_of_lines, handed out for the reader's filter(iter) to raise: a
    generator that raised would be over, and CPython's reader reads on after an error."""

    def __init__(self, error):
        self.error = error

    def __iter__(self):
        raise self.error


def _finish(chars, numeric):
    text = "".join(chars)
    return _number(text) if numeric else text


def _number(text):
    try:
        return float(text)
    except ValueError:
        raise ValueError("could not convert string to float: %r" % text)


def reader(csvfile, dialect="excel", **fmtparams):
    """Rows (lists of strings) from an iterable of lines."""
    return _Reader(csvfile, dialect, fmtparams)


def _is_number(value):
    kind = type(value)
    return kind is int or kind is float or kind is bool or kind is complex or hasattr(value, "__float__")


class _Writer:
    def __init__(self, csvfile, dialect, options):
        if not hasattr(csvfile, "write"):
            raise TypeError('argument 1 must have a "write" method')
        self._write = csvfile.write
        self.dialect = _Format(dialect, options)

    def _field(self, value, d):
        if d.quoting == QUOTE_NONNUMERIC:
            quoted = not _is_number(value)
        else:
            quoted = d.quoting == QUOTE_ALL
        if value is None:
            text = ""
        elif type(value) is str:
            text = value
        elif type(value) is float:
            # CPython's shortest repr: MicroPython's own writes 76.54 as 76.54000000000001.
            from _format import float_repr

            text = float_repr(value)
        else:
            text = str(value)
        special = d.delimiter + (d.quotechar or "") + (d.escapechar or "") + d.lineterminator
        for c in special:
            if c in text:
                break
        else:  # nothing to quote or escape: the common case, without a loop over characters
            return d.quotechar + text + d.quotechar if quoted else text
        out = []
        for c in text:
            if c in special:
                escape_it = False
                if d.quoting == QUOTE_NONE:
                    escape_it = True
                else:
                    if c == d.quotechar:
                        if d.doublequote:
                            out.append(c)
                        else:
                            escape_it = True
                    elif c == d.escapechar:
                        escape_it = True
                    if not escape_it:
                        quoted = True
                if escape_it:
                    if d.escapechar is None:
                        raise Error("need to escape, but no escapechar set")
                    out.append(d.escapechar)
            out.append(c)
        text = "".join(out)
        if quoted:
            return d.quotechar + text + d.quotechar
        return text

    def writerow(self, row):
        d = self.dialect
        try:
            values = list(row)
        except TypeError:
            raise Error("iterable expected, not %s" % type(row).__name__)
        if len(values) == 1 and (values[0] is None or values[0] == ""):
            if d.quoting == QUOTE_NONE:
                raise Error("single empty field record must be quoted")
            line = d.quotechar * 2
        else:
            line = d.delimiter.join([self._field(value, d) for value in values])
        return self._write(line + d.lineterminator)

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(csvfile, dialect="excel", **fmtparams):
    """A writer of rows (iterables of values) to anything with a write() method."""
    return _Writer(csvfile, dialect, fmtparams)


class DictReader:
    """Rows as dicts keyed by the header (or by fieldnames); blank rows are skipped."""

    def __init__(self, f, fieldnames=None, restkey=None, restval=None, dialect="excel", **kwds):
        self._fieldnames = fieldnames
        self.restkey = restkey
        self.restval = restval
        self.reader = reader(f, dialect, **kwds)
        self.dialect = dialect
        self.line_num = 0

    def __iter__(self):
        return self

    @property
    def fieldnames(self):
        if self._fieldnames is None:
            try:
                self._fieldnames = next(self.reader)
            except StopIteration:
                pass
        self.line_num = self.reader.line_num
        return self._fieldnames

    @fieldnames.setter
    def fieldnames(self, value):
        self._fieldnames = value

    def __next__(self):
        if self.line_num == 0:
            self.fieldnames
        rows = self.reader
        row = next(rows)
        self.line_num = rows.line_num
        while not row:
            row = next(rows)
            self.line_num = rows.line_num
        names = self._fieldnames
        count = len(row)
        if len(names) == count:
            # The pairs in one native update, unless a name comes twice.
            result = _from_pairs(list(names), zip(names, row))
            if len(result) == count:
                return result
        result = _odict()
        for name, value in zip(names, row):
            result[name] = value
        if len(names) < len(row):
            result[self.restkey] = row[len(names) :]
        elif len(names) > len(row):
            for key in names[len(row) :]:
                result[key] = self.restval
        return result


class DictWriter:
    """Writes dicts as rows in the order of fieldnames."""

    def __init__(self, f, fieldnames, restval="", extrasaction="raise", dialect="excel", **kwds):
        if extrasaction.lower() not in ("raise", "ignore"):
            raise ValueError("extrasaction (%s) must be 'raise' or 'ignore'" % extrasaction)
        self.fieldnames = fieldnames
        self.restval = restval
        self.extrasaction = extrasaction
        self.writer = writer(f, dialect, **kwds)

    def writeheader(self):
        return self.writer.writerow(list(self.fieldnames))

    def _values(self, rowdict):
        if self.extrasaction.lower() == "raise":
            names = set(self.fieldnames)
            wrong = [key for key in rowdict if key not in names]
            if wrong:
                raise ValueError("dict contains fields not in fieldnames: " + ", ".join([repr(key) for key in wrong]))
        return [rowdict.get(key, self.restval) for key in self.fieldnames]

    def writerow(self, rowdict):
        return self.writer.writerow(self._values(rowdict))

    def writerows(self, rowdicts):
        for rowdict in rowdicts:
            self.writerow(rowdict)
