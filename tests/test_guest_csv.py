"""csv in the sandbox writes the same text and reads back the same rows as CPython's csv, across
dialects, with quotes, delimiters and newlines inside fields."""

from guest_oracle import agree
from hypothesis import given, settings
from hypothesis import strategies as st

# ASCII only: MicroPython's repr escapes non-ASCII characters (a repr difference, not csv's).
field_text = st.text(alphabet=st.sampled_from(list("ab ,;|\t'\"\\\r\nx1.-")), max_size=8)
dialect_options = st.fixed_dictionaries(
    {},
    optional={
        "delimiter": st.sampled_from([",", ";", "\t", "|"]),
        "quotechar": st.sampled_from(['"', "'"]),
        "escapechar": st.sampled_from([None, "\\"]),
        "doublequote": st.booleans(),
        "skipinitialspace": st.booleans(),
        "lineterminator": st.sampled_from(["\r\n", "\n"]),
        "quoting": st.sampled_from([0, 1, 2, 3]),
    },
)


def test_an_analysts_export_and_import(session):
    agree(
        session,
        """
import csv, io
rows = [('id', 'name', 'note', 'amount'), (1, 'Ann', 'said "hi", left', 12), (2, 'Bob', 'line one\\nline two', None),
        (3, 'Cé', '', -4), (4, ' pad ', 'a;b', True)]
out = io.StringIO()
w = csv.writer(out)
for row in rows:
    w.writerow(row)
w.writerows([[], [''], [None], ['x']])
text = out.getvalue()
print(repr(text.replace('é', 'e')))
back = list(csv.reader(io.StringIO(text)))
print([[field.replace('é', 'e') for field in row] for row in back], back[3][1] == 'Cé')
print(list(csv.reader(text.splitlines(True))) == back, list(csv.reader(['a,b', 'c,"d,e"', ''])))
out = io.StringIO()
dw = csv.DictWriter(out, fieldnames=['id', 'name'], extrasaction='ignore')
dw.writeheader()
dw.writerows([{'id': 1, 'name': 'x', 'extra': 0}, {'id': 2}])
print(repr(out.getvalue()))
for row in csv.DictReader(io.StringIO('id,name,city\\n1,Ann,Paris\\n\\n2,Bob\\n3,Cy,Rome,extra\\n'), restval='?'):
    print(sorted(row.items(), key=lambda kv: str(kv[0])))
reader = csv.DictReader(['a\\tb', '1\\t2'], dialect='excel-tab')
print([dict(r) == {'a': '1', 'b': '2'} for r in reader], reader.fieldnames, reader.line_num)
r = csv.reader(io.StringIO('x,"multi\\nline"\\ny,z\\n'))
print(next(r), r.line_num, next(r), r.line_num)
print(list(csv.reader(['1,"2",x'], quoting=csv.QUOTE_NONNUMERIC)) if False else list(csv.reader(['1,"2",3.5'], quoting=csv.QUOTE_NONNUMERIC)))
out = io.StringIO()
csv.writer(out, quoting=csv.QUOTE_NONNUMERIC).writerow([1, 'a', 2.5, None, True])
csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator='\\n').writerow([1, 'a'])
csv.writer(out, delimiter='|', quoting=csv.QUOTE_NONE, escapechar='\\\\').writerow(['a|b', 'c"d'])
print(repr(out.getvalue()))
""",
    )


def test_dialects_and_errors_match_cpython(session):
    agree(
        session,
        """
import csv, io
csv.register_dialect('pipes', delimiter='|', quoting=csv.QUOTE_ALL)
d = csv.get_dialect('pipes')
print(d.delimiter, d.quoting, d.quotechar, repr(d.lineterminator), 'pipes' in csv.list_dialects())
out = io.StringIO()
csv.writer(out, 'pipes').writerow(['a', 1])
class Semi(csv.excel):
    delimiter = ';'
csv.writer(out, Semi).writerow(['a;b', 'c'])
print(repr(out.getvalue()), list(csv.reader(['a;"b;c"'], Semi)))
print(csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC, csv.QUOTE_NONE, csv.excel_tab.delimiter == '\\t')
attempts = [
    lambda: csv.get_dialect('nope'),
    lambda: csv.writer(io.StringIO(), quoting=csv.QUOTE_NONE).writerow(['a,b']),
    lambda: csv.writer(io.StringIO(), quoting=csv.QUOTE_NONE).writerow(['']),
    lambda: csv.writer(io.StringIO(), delimiter='::'),
    lambda: csv.writer(io.StringIO(), quotechar=None).dialect.quoting,
    lambda: csv.writer(io.StringIO(), quotechar=None, quoting=csv.QUOTE_ALL),
    lambda: csv.writer(io.StringIO(), quoting=9),
    lambda: list(csv.reader(['a,"b"c'], strict=True)),
    lambda: list(csv.reader(['a,"b'], strict=True)),
    lambda: list(csv.reader(['a\\rb\\n'])),
    lambda: list(csv.reader([b'a,b'])),
    lambda: list(csv.reader(['1,x'], quoting=csv.QUOTE_NONNUMERIC)),
    lambda: csv.DictWriter(io.StringIO(), ['a']).writerow({'a': 1, 'b': 2}),
    lambda: csv.DictWriter(io.StringIO(), ['a'], extrasaction='bad'),
    lambda: csv.writer(io.StringIO()).writerow(5),
    lambda: csv.unregister_dialect('nope'),
]
for attempt in attempts:
    try:
        print(attempt())
    except (csv.Error, TypeError, ValueError) as e:
        print(type(e).__name__, e)
print(list(csv.reader(['a,"b'])), list(csv.reader(['a,"b"c'])), list(csv.reader([' a, "b" ,c'], skipinitialspace=True)))
old = csv.field_size_limit(10)
try:
    list(csv.reader(['x' * 11]))
except csv.Error as e:
    print(e)
try:
    list(csv.reader(['"' + 'x' * 11 + '"']))
except csv.Error as e:
    print(e)
print(old, csv.field_size_limit(old), csv.field_size_limit())
""",
    )


@settings(max_examples=120, deadline=None)
@given(
    st.lists(st.lists(st.one_of(field_text, st.integers(-99, 99), st.none()), max_size=4), max_size=4), dialect_options
)
def test_round_trips_agree_with_cpython(session, rows, options):
    agree(
        session,
        f"""
import csv, io
rows = {rows!r}
options = {options!r}
out = io.StringIO()
try:
    csv.writer(out, **options).writerows(rows)
    text = out.getvalue()
    print(repr(text))
    print(list(csv.reader(io.StringIO(text), **options)))
    print(list(csv.reader(text.splitlines(True), **options)))
except (csv.Error, TypeError, ValueError) as e:
    print(type(e).__name__, e)
""",
    )


def test_a_field_goes_on_across_lines_after_an_escaped_line_break(session):
    """Found by the property below: after an escaped CR or LF the field continues through line
    ends (even empty lines) until a delimiter, a bare line break or another escape."""
    agree(
        session,
        r"""
import csv
for lines in (['\\\r;', ''], ['\\\ra', '', 'y'], ['\\\ra,b', 'x'], ['a\\\rb,c', 'd'], ['\\\ra\\b', 'x'], ['"\\\r"a', 'x']):
    print([row for row in csv.reader(lines, escapechar='\\')])
""",
    )


@settings(max_examples=120, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("ab,;\t'\"\\\r\n ")), max_size=10), max_size=4), dialect_options)
def test_reading_arbitrary_lines_agrees_with_cpython(session, lines, options):
    agree(
        session,
        f"""
import csv
options = {options!r}
options.pop('quoting', None)
r = csv.reader({lines!r}, **options)
try:
    for row in r:
        print(row, r.line_num)
except csv.Error as e:
    print('Error', e)
""",
    )


def test_writing_to_stdout_prints_as_in_cpython(session):
    agree(
        session,
        """
import csv, sys
w = csv.writer(sys.stdout)
w.writerow(['a', 'b c', 'd,e'])
w.writerows([[1, 2.5, None], ['x"y', '', 'z']])
dw = csv.DictWriter(sys.stdout, fieldnames=['name', 'total'], lineterminator='\\n')
dw.writeheader()
dw.writerow({'name': 'Ann', 'total': 3})
""",
    )


# A field as a writer would put it on a line: plain, or quoted with its quotes doubled.
def _quoted_or_plain(draw, quotechar):
    text = draw(st.text(alphabet=st.sampled_from(list("ab ,;\"'")), max_size=6))
    if draw(st.booleans()):
        return quotechar + text.replace(quotechar, quotechar * 2) + quotechar
    return text


@st.composite
def csv_lines(draw, delimiter, quotechar):
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        fields = [_quoted_or_plain(draw, quotechar) for _ in range(draw(st.integers(1, 4)))]
        line = delimiter.join(fields)
        if draw(st.integers(0, 4)) == 0:
            # Now and then a broken line: a stray quote, text after a closing quote, a line end.
            at = draw(st.integers(0, len(line)))
            line = line[:at] + draw(st.sampled_from([quotechar, "x", "\r", "\n", delimiter])) + line[at:]
        lines.append(line + draw(st.sampled_from(["", "\n", "\r\n"])))
    return lines


@settings(max_examples=120, deadline=None)
@given(st.data(), st.sampled_from([",", ";"]), st.sampled_from(['"', "'"]), st.booleans())
def test_quoted_lines_read_as_in_cpython(session, data, delimiter, quotechar, strict):
    # Lines with quotes take a find-based path when the dialect doubles quotes; anything it
    # cannot decide (a stray quote, text after a closing quote, a field running on) goes to the
    # character state machine. Either way the rows and errors are CPython's.
    lines = data.draw(csv_lines(delimiter, quotechar))
    agree(
        session,
        f"""
import csv
lines = {lines!r}
try:
    print(list(csv.reader(lines, delimiter={delimiter!r}, quotechar={quotechar!r}, strict={strict!r})))
except csv.Error as e:
    print(type(e).__name__, e)
""",
    )


def test_the_reader_reads_on_after_an_error_and_counts_lines_as_cpython_does(session):
    # The reader splits common lines in a generator (csv._Reader._rows_of_lines) that hands its
    # errors out instead of raising them, so that reading goes on after one as in CPython.
    agree(
        session,
        """
import csv, io
def source():
    yield 'a,b\\n'
    yield 5
    yield 'c,"d\\x00"\\n'
    yield '"e""f",g\\r\\n'
    yield 'h,"i\\n'
    yield 'j"\\n'
    raise ValueError('source broke')
r = csv.reader(source())
for _ in range(8):
    try:
        print(next(r), r.line_num)
    except (csv.Error, ValueError, StopIteration) as e:
        print(type(e).__name__, e, r.line_num)
lines = ['caf\\u00e9,"na\\u00efve, yes",x\\n', '\\u00e9\\u00e9,\\n', '"\\u00e9""\\u00e9",1\\r\\n', 'a\\rb,c\\n', ',,\\n', '""\\n', '\\n', '']
for row in csv.reader(lines):
    print([field.encode() for field in row])
for row in csv.DictReader(io.StringIO('k,v\\n1,"x, y"\\n2,\\n')):
    print(sorted(row.items()))
""",
    )


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.lists(st.text(alphabet=st.sampled_from(list('ab,"\n\r\u00e9 ')), max_size=6), min_size=1, max_size=5),
        max_size=6,
    ),
    st.sampled_from(["\r\n", "\n"]),
)
def test_written_rows_read_back_as_in_cpython(session, rows, terminator):
    agree(
        session,
        f"""
import csv, io
out = io.StringIO()
csv.writer(out, lineterminator={terminator!r}).writerows({rows!r})
text = out.getvalue()
print([[field.encode() for field in row] for row in csv.reader(io.StringIO(text))])
print([[field.encode() for field in row] for row in csv.reader(text.splitlines(True))])
""",
    )


# Fields an analyst's file holds: text with delimiters, quotes, spaces and line breaks.
_field_chars = st.sampled_from(list("ab ,;\"'\r\n1."))


@st.composite
def quoted_csv_lines(draw, delimiter, quotechar):
    """Lines as a writer quotes them (some fields always quoted, as QUOTE_ALL does), joined into
    one text, so that a quoted line break makes a record span lines; now and then a line broken
    by a stray quote, a space after a closing quote or a lone line break."""
    records = []
    for _ in range(draw(st.integers(0, 5))):
        fields = []
        for _ in range(draw(st.integers(1, 5))):
            text = draw(st.text(alphabet=_field_chars, max_size=7))
            if draw(st.booleans()) or any(c in text for c in (delimiter, quotechar, "\r", "\n")):
                text = quotechar + text.replace(quotechar, quotechar * 2) + quotechar
            fields.append(text)
        record = delimiter.join(fields)
        if draw(st.integers(0, 5)) == 0:
            at = draw(st.integers(0, len(record)))
            record = record[:at] + draw(st.sampled_from([quotechar, " ", "\r", "\n", "x"])) + record[at:]
        records.append(record + draw(st.sampled_from(["\n", "\r\n", "\r", ""])))
    return "".join(records)


@settings(max_examples=150, deadline=None)
@given(
    st.data(),
    st.sampled_from([",", ";", "\t"]),
    st.sampled_from(['"', "'"]),
    st.sampled_from([0, 1]),
    st.booleans(),
    st.booleans(),
)
def test_quoted_records_read_as_in_cpython(session, data, delimiter, quotechar, quoting, strict, from_list):
    """The split of one-line records (csv._Reader._rows_of_lines) against CPython's reader, on
    realistic text whose records may span lines, from a list of lines or a StringIO, with
    line_num after each row and errors in the middle of reading."""
    text = data.draw(quoted_csv_lines(delimiter, quotechar))
    source = f"{text!r}.splitlines(True)" if from_list else f"io.StringIO({text!r})"
    agree(
        session,
        f"""
import csv, io
r = csv.reader({source}, delimiter={delimiter!r}, quotechar={quotechar!r}, quoting={quoting!r}, strict={strict!r})
for _ in range(12):
    try:
        print(next(r), r.line_num)
    except (csv.Error, StopIteration) as e:
        print(type(e).__name__, e, r.line_num)
""",
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=_field_chars, max_size=6), min_size=1, max_size=4), st.integers(0, 12))
def test_the_field_size_limit_holds_on_split_lines(session, fields, limit):
    line = ",".join('"' + field.replace('"', '""') + '"' if i % 2 else field for i, field in enumerate(fields))
    agree(
        session,
        f"""
import csv
old = csv.field_size_limit({limit})
try:
    print(list(csv.reader([{line!r}, {line + chr(10)!r}])))
except csv.Error as e:
    print(e)
finally:
    csv.field_size_limit(old)
""",
    )


def test_the_reader_is_its_own_iterator_and_reads_on_when_more_lines_come(session):
    # The reader's rows come from native iterators (a filter over a map), which must still
    # behave as CPython's reader object: iter(r) is r, __next__, reading on after the end.
    agree(
        session,
        """
import csv, io
r = csv.reader(['a,"b, c"', 'd'])
print(iter(r) is r, next(r), r.__next__(), r.line_num, list(r), list(r))
f = io.StringIO('a,b\\n')
r = csv.reader(f)
print(list(r), r.line_num)
f.write('c,"d, e"\\n"f""g",h\\n')
f.seek(4)
print([row for row in r], r.line_num)
r = csv.reader(['x', b'y', 'z,"1'])
for _ in range(4):
    try:
        print(next(r), r.line_num)
    except (csv.Error, StopIteration) as e:
        print(type(e).__name__, e, r.line_num)
d = csv.DictReader(io.StringIO('k,"v, w"\\n1,"2, 3"\\n\\n"4",5,6\\n'))
print([sorted(row.items(), key=str) for row in d], d.line_num, d.fieldnames)
""",
    )


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "b", "c", "", "a b"]), max_size=4),
    st.lists(st.lists(st.sampled_from(["1", "x", "", "y,z"]), max_size=5), max_size=4),
    st.booleans(),
)
def test_dict_rows_read_as_in_cpython(session, header, rows, given_names):
    """DictReader builds a row's dict in one native update when it has a value for each name
    and no name comes twice; ragged rows, repeated names and given fieldnames go key by key."""
    out = []
    for row in [header, *rows]:
        out.append(",".join('"%s"' % field if "," in field else field for field in row))
    text = "\n".join(out) + "\n"
    names = f"fieldnames={header!r}, " if given_names else ""
    agree(
        session,
        f"""
import csv, io
d = csv.DictReader(io.StringIO({text!r}), {names}restkey='rest', restval='?')
for row in d:
    print(list(row.items()), d.line_num)
print(d.fieldnames, d.line_num)
""",
    )
