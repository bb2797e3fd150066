"""The guest datetime module prints what CPython's prints: arithmetic, formatting, parsing, errors, snapshots."""

import pytest
from guest_oracle import ROOMY, agree, check_survives_a_restore, new_session
from hypothesis import given, settings
from hypothesis import strategies as st


@pytest.fixture(scope="module")
def session(runtime):
    session = new_session(runtime)
    assert session.run("import datetime").ok
    yield session
    session.close()


# Whole datetimes within the supported range, some aware with a fixed offset in minutes.
datetimes = st.tuples(
    st.integers(1, 9999),
    st.integers(1, 12),
    st.integers(1, 28),
    st.integers(0, 23),
    st.integers(0, 59),
    st.integers(0, 59),
    st.one_of(st.just(0), st.integers(0, 999999)),
    st.one_of(st.none(), st.integers(-23 * 60 - 59, 23 * 60 + 59)),
)
deltas = st.tuples(st.integers(-20000, 20000), st.integers(-200000, 200000), st.integers(-(10**7), 10**7))

PRELUDE = """
from datetime import date, time, datetime, timedelta, timezone
def make(y, m, d, H, M, S, us, offset):
    tz = None if offset is None else timezone(timedelta(minutes=offset))
    return datetime(y, m, d, H, M, S, us, tz)
def fl(x):
    # MicroPython's float repr is not the shortest one, so floats are shown as exact integers.
    return x if not isinstance(x, float) else (int(x), round((x - int(x)) * 10**6))
def attempt(f):
    try:
        return f()
    except (ValueError, OverflowError, TypeError) as error:
        return type(error).__name__
"""


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(datetimes, datetimes, deltas), min_size=1, max_size=8))
def test_arithmetic_and_comparisons_agree_with_cpython(session, cases):
    code = (
        PRELUDE
        + f"""
for a, b, (days, seconds, us) in {cases!r}:
    x, y = make(*a), make(*b)
    td = timedelta(days=days, seconds=seconds, microseconds=us)
    print(repr(x), str(y), repr(td), str(td), fl(td.total_seconds()), repr(-td), abs(td))
    print(attempt(lambda: x + td), attempt(lambda: x - td), attempt(lambda: td + x.date()))
    print(attempt(lambda: x - y), attempt(lambda: x < y), x == y, x != y, attempt(lambda: x >= y))
    print(x.date() - y.date(), x.date() < y.date(), x.time() == y.time(), attempt(lambda: x.timetz() < y.timetz()))
    print(td * 3, 3 * td, td * 0.25, td / 7, td // 7, attempt(lambda: fl(td / timedelta(hours=1))))
    print(attempt(lambda: td // timedelta(minutes=7)), attempt(lambda: td % timedelta(minutes=7)),
          td < timedelta(0), bool(td), attempt(lambda: divmod(td, timedelta(seconds=13))))
    print(x.toordinal(), date.fromordinal(x.toordinal()), x.weekday(), x.isoweekday(), x.isocalendar(),
          x.isocalendar().week, tuple(y.isocalendar()))
    print(fl(x.timestamp()) if x.tzinfo else '-', x.utcoffset(), x.tzname(), repr(x.tzinfo), str(x.tzinfo))
    print(len({{x: 1, y: 2, x.replace(microsecond=0): 3}}), {{x.date(): 1, y.date(): 2}}[x.date()] in (1, 2))
"""
    )
    agree(session, code)


FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%d/%m/%Y",
    "%m/%d/%y %I:%M %p",
    "%Y%m%dT%H%M%S.%f",
    "%a %d %b %Y",
    "%A, %B %d, %Y",
    "%j %U %W %w",
    "%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S.%f%z",
    "%b %d %Y %H:%M",
    "%y%m%d",
    "%G-W%V-%u",
    "%c",
    "%x %X",
    "%e %C %D %F %T %R %r",
    "%Z|%%|%z",
]


@settings(max_examples=25, deadline=None)
@given(st.lists(datetimes, min_size=1, max_size=6), st.sampled_from(FORMATS))
def test_strftime_and_strptime_round_trip_as_in_cpython(session, values, fmt):
    code = (
        PRELUDE
        + f"""
fmt = {fmt!r}
for value in {values!r}:
    x = make(*value)
    text = x.strftime(fmt)
    print(text, x.date().strftime(fmt), x.timetz().strftime(fmt.replace('%G', '').replace('%V', '').replace('%u', '')))
    print(repr(attempt(lambda: datetime.strptime(text, fmt))))
"""
    )
    agree(session, code)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(datetimes, min_size=1, max_size=6),
    st.sampled_from(["auto", "hours", "minutes", "seconds", "milliseconds", "microseconds"]),
)
def test_isoformat_and_fromisoformat_round_trip_as_in_cpython(session, values, timespec):
    code = (
        PRELUDE
        + f"""
for value in {values!r}:
    x = make(*value)
    text = x.isoformat(timespec={timespec!r})
    print(text, x.isoformat(' '), x.date().isoformat(), x.timetz().isoformat({timespec!r}))
    print(repr(datetime.fromisoformat(text)), repr(date.fromisoformat(x.date().isoformat())))
    print(repr(time.fromisoformat(x.timetz().isoformat({timespec!r}))))
    print(repr(datetime.fromisoformat(text.replace('-', '', 2).replace(':', ''))) if x.year >= 1000 else '')
"""
    )
    agree(session, code)


ISO_STRINGS = [
    "2024-01-05",
    "20240105",
    "2024-W01",
    "2024W015",
    "2024-W01-5",
    "2024-W53-1",
    "2020-W53-7",
    "2024-13-01",
    "2024-02-30",
    "2024-1-05",
    "2024010500",
    "24-01-05",
    "2024-01-05T10",
    "2024-01-05 1030",
    "2024-01-05T10:30:00.1234567",
    "2024-01-05T10:30+05",
    "2024-01-05T10:30Z",
    "2024-01-05T10:30:00-00:00",
    "2024-01-05T24:00",
    "2024-01-05T10:30:00,5",
    "2024-01-05T10:30:00+05:30:15.5",
    "2024-01-05T",
    "2024-01-05T1",
    "2024-01-05T10:3",
    "2024-01-05T10:30Zx",
    "2024-01-05T10:30+5",
    "2024-01-05T103000123",
    "T10:30",
    "10:30:00Z",
    "10",
    "",
    "2024-W01T10:00",
    "2024W01T10",
    "2024-01-05T10:30:00+24:00",
    "2024-01-05T10:30:00+0530",
]


def test_fromisoformat_accepts_and_rejects_what_cpython_3_11_does(session):
    code = (
        PRELUDE
        + f"""
for text in {ISO_STRINGS!r}:
    for parse in (date.fromisoformat, datetime.fromisoformat, time.fromisoformat):
        try:
            print(repr(parse(text)))
        except ValueError as error:
            print('ValueError', error)
"""
    )
    agree(session, code)


STRPTIME_CASES = [
    ("2024-01-05", "%Y-%m-%d"),
    ("2024-1-5", "%Y-%m-%d"),
    ("2024115", "%Y%m%d"),
    ("20241231", "%Y%m%d"),
    ("5 jan 2024", "%d %b %Y"),
    ("MONDAY 1 january 2024", "%A %d %B %Y"),
    ("12:30 am", "%I:%M %p"),
    ("12:30 PM", "%I:%M %p"),
    ("2024-01-05x", "%Y-%m-%d"),
    ("2024/01/05", "%Y-%m-%d"),
    ("2024 5", "%Y %j"),
    ("2024 0 0", "%Y %U %w"),
    ("2024 52 6", "%Y %W %w"),
    ("02-29", "%m-%d"),
    ("2024-02-29", "%Y-%m-%d"),
    ("10:30:00.5", "%H:%M:%S.%f"),
    ("+05:30", "%z"),
    ("-0130", "%z"),
    ("Z", "%z"),
    ("+05:30:1", "%z"),
    ("UTC +0100", "%Z %z"),
    ("99", "%y"),
    ("68", "%y"),
    ("69", "%y"),
    ("1   2", "%d %m"),
    ("12", "%m%d"),
    ("111", "%m%d"),
    ("2024", "%Y%"),
    ("x", "%Q"),
    ("2024-W01-1", "%G-W%V-%u"),
    ("2024 01", "%G %V"),
    ("10:61", "%H:%M"),
    ("10:60", "%M:%S"),
    ("2024-01-05T10:30:00Z", "%Y-%m-%dT%H:%M:%S%z"),
    ("Fri Jan  5 10:30:00 2024", "%c"),
    ("01/05/24", "%x"),
    ("%2024", "%%%Y"),
    ("\t2024 ", " %Y "),
]


def test_strptime_matches_and_errors_as_in_cpython(session):
    code = (
        PRELUDE
        + f"""
for text, fmt in {STRPTIME_CASES!r}:
    try:
        print(repr(datetime.strptime(text, fmt)))
    except ValueError as error:
        print('ValueError', error)
"""
    )
    agree(session, code)


def test_constructors_errors_and_class_attributes_agree_with_cpython(session):
    code = (
        PRELUDE
        + """
import datetime as dt
print(dt.MINYEAR, dt.MAXYEAR, repr(date.min), repr(date.max), repr(datetime.max), repr(time.max))
print(repr(timedelta.max), repr(timedelta.min), repr(timedelta.resolution), repr(timezone.utc), repr(dt.UTC))
for args in [(2024, 2, 30), (0, 1, 1), (2024, 13, 1), (2024, 1, 0), (10000, 1, 1), ('2024', 1, 1), (2024.0, 1, 1)]:
    print(attempt(lambda: date(*args)))
for args in [(24,), (0, 60), (0, 0, 60), (0, 0, 0, 10**6), (-1,)]:
    print(attempt(lambda: time(*args)), attempt(lambda: datetime(2024, 1, 1, *args)))
print(attempt(lambda: timedelta(days=10**9)), attempt(lambda: date.max + timedelta(1)), attempt(lambda: date.fromordinal(0)))
print(attempt(lambda: timezone(timedelta(hours=24))), repr(timezone(timedelta(hours=-5), 'EST')), timezone(timedelta(0)) is timezone.utc)
print(timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(seconds=-1)).tzname(None))
print(attempt(lambda: datetime(2024, 1, 1) < datetime(2024, 1, 1, tzinfo=timezone.utc)), datetime(2024, 1, 1) == datetime(2024, 1, 1, tzinfo=timezone.utc))
print(attempt(lambda: datetime(2024, 1, 1) - datetime(2024, 1, 1, tzinfo=timezone.utc)), attempt(lambda: date(2024, 1, 1) < datetime(2024, 1, 1)))
print(date(2024, 1, 1) == datetime(2024, 1, 1), datetime(2024, 1, 1) == date(2024, 1, 1), date(2024, 1, 1) == '2024-01-01')
print(repr(timedelta(hours=1.5, minutes=0.1)), repr(timedelta(seconds=0.5e-6)), repr(timedelta(seconds=1.5e-6)), repr(timedelta(weeks=1, milliseconds=1)))
print(repr(datetime.combine(date(2024, 1, 5), time(10, 30, tzinfo=timezone.utc))), repr(datetime(2024, 1, 5, 10).replace(day=6, tzinfo=timezone.utc)))
print(repr(date(2024, 1, 5).replace(month=2)), repr(time(1, 2).replace(second=3)), date.fromisocalendar(2024, 1, 1), date(2024, 1, 5).ctime())
print(repr(datetime.fromtimestamp(1700000000.5, timezone.utc)), repr(datetime.utcfromtimestamp(-1.25)), date.fromtimestamp(86400 * 365))
print(repr(datetime(2024, 3, 10, 12, tzinfo=timezone(timedelta(hours=5))).astimezone(timezone.utc)), datetime(2024, 1, 1).timetuple()[:8])
print(fl(datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=2))).timestamp()), fl(datetime(1969, 12, 31, 23, 59, 59, 500000, timezone.utc).timestamp()))
print(isinstance(datetime(2024, 1, 1), date), timedelta(days=1) == timedelta(hours=24), timedelta(0) == 0, repr(datetime(2024, 1, 1, fold=1)))
a, b = datetime(2024, 1, 1, 12, tzinfo=timezone.utc), datetime(2024, 1, 1, 13, tzinfo=timezone(timedelta(hours=1)))
print(a == b, hash(a) == hash(b), len({a, b}), sorted([b, a, datetime(2024, 1, 1, 11, 59, tzinfo=timezone.utc)]), max(a, b) is a)
print(sorted([date(2024, 3, 1), date(2023, 12, 31), date(2024, 2, 29)]), len({timedelta(1), timedelta(hours=24), timedelta(0, 1)}))
print(datetime(2024, 5, 6, 7, 8).isoformat(timespec='milliseconds'), time(7, 8, 9, 123456).isoformat('milliseconds'), attempt(lambda: time(1).isoformat('days')))
"""
    )
    agree(session, code)


def test_now_and_today_come_from_the_sandbox_clock(session):
    result = session.run(
        "from datetime import date, datetime, timezone\nimport time\n"
        "before = time.time()\nnow = datetime.now().timestamp()\nafter = time.time()\n"
        "print(before - 1 <= now <= after + 1, date.today() == datetime.now().date(),"
        " abs(datetime.now(timezone.utc).timestamp() - datetime.utcnow().replace(tzinfo=timezone.utc).timestamp()) < 2)"
    )
    assert result.ok, result.error
    assert result.stdout == "True True True\n"


def test_a_session_holding_dates_survives_snapshot_and_restore(runtime):
    setup = (
        "import datetime\nfrom datetime import date, datetime as DT, timedelta, timezone\n"
        "days = [date(2024, 1, 1) + timedelta(days=i) for i in range(40)]\n"
        "stamp = DT.strptime('2024-03-10 14:05', '%Y-%m-%d %H:%M').replace(tzinfo=timezone(timedelta(hours=2)))\n"
        "by_day = {d: d.isoweekday() for d in days}\ngap = stamp - DT(2024, 1, 1, tzinfo=timezone.utc)"
    )
    probe = (
        "print(days[-1], repr(stamp), by_day[date(2024, 1, 7)], gap, stamp.strftime('%A %d %B %Y %z'),\n"
        "      DT.fromisoformat('2024-02-29T12:00:00+01:00') - stamp, (days[3] + timedelta(weeks=1)).isocalendar())"
    )
    check_survives_a_restore(runtime, ROOMY, setup, probe)


ANALYST_PROGRAMS = [
    """
from datetime import datetime, timedelta
rows = [("2024-01-05 10:30:00", 3), ("2024-01-20 08:00:00", 5), ("2024-02-01 23:59:59", 2), ("2024-03-15 12:00:00", 7)]
by_month = {}
for ts, n in rows:
    d = datetime.strptime(ts, "%Y-%m-%d %H:%M:%S")
    key = d.strftime("%Y-%m")
    by_month[key] = by_month.get(key, 0) + n
for month in sorted(by_month):
    print(month, by_month[month])
first, last = datetime.strptime(rows[0][0], "%Y-%m-%d %H:%M:%S"), datetime.strptime(rows[-1][0], "%Y-%m-%d %H:%M:%S")
span = last - first
print(f"span: {span.days} days, {span.total_seconds() / 3600:.1f} hours", span)
print([(first + timedelta(weeks=i)).strftime("%a %d %b") for i in range(3)])
""",
    """
import datetime
dates = ["2023-12-31", "2024-01-01", "2024-01-07", "2024-02-29", "2024-12-30"]
weeks = {}
for text in dates:
    d = datetime.date.fromisoformat(text)
    year, week, weekday = d.isocalendar()
    weeks.setdefault((year, week), []).append(d.strftime("%A"))
for key in sorted(weeks):
    print(key, weeks[key])
today = datetime.date(2024, 3, 1)
ages = {text: (today - datetime.date.fromisoformat(text)).days for text in dates}
print(sorted(ages.items()))
print(max(dates, key=datetime.date.fromisoformat), datetime.date(2024, 2, 29).replace(year=2028))
""",
    """
from datetime import datetime, timezone, timedelta
events = ["2024-05-01T09:00:00+02:00", "2024-05-01T07:30:00Z", "2024-05-01T03:00:00-05:00"]
parsed = sorted(datetime.fromisoformat(e) for e in events)
for p in parsed:
    print(p.isoformat(), p.astimezone(timezone.utc).strftime("%H:%M %Z"), p.utcoffset())
gaps = [b - a for a, b in zip(parsed, parsed[1:])]
print(gaps, sum(gaps, timedelta()), max(gaps) // timedelta(minutes=1))
print(datetime.fromtimestamp(1714550400, tz=timezone.utc), datetime(2024, 5, 1, tzinfo=timezone.utc).timestamp())
""",
]


@pytest.mark.parametrize("program", ANALYST_PROGRAMS)
def test_analyst_style_programs_print_what_cpython_prints(session, program):
    agree(session, program)


def test_ordinal_to_ymd_matches_cpython_on_every_ordinal():
    # The guest's calendar arithmetic is plain Python: run it here against CPython's own
    # date.fromordinal on every day from 0001-01-01 to 9999-12-31.
    import datetime as cpython_datetime
    import re
    from pathlib import Path

    source = (Path(__file__).parent.parent / "datasette_agent_micropython/guest/lib/datetime.py").read_text()
    namespace: dict = {}
    exec(re.search(r"^_DAYS_IN_MONTH = .*$", source, re.M).group(0), namespace)
    exec(source[source.index("_COMMON_MONTHS = ") : source.index("def _type_name(value):")], namespace)
    ordinal_to_ymd = namespace["_ordinal_to_ymd"]
    wrong = [
        ordinal
        for ordinal in range(1, cpython_datetime.date.max.toordinal() + 1)
        if ordinal_to_ymd(ordinal) != cpython_datetime.date.fromordinal(ordinal).timetuple()[:3]
    ]
    assert wrong == []


# The fast paths: constructors that validate ints in one test, timedelta normalised by carrying
# between small-int fields, dates moved within the month or by a cached ordinal, datetimes moved
# field by field, and the common fromisoformat forms read without building single characters.
# List sizes keep each program's output under the sandbox's 10,000 characters.
FAST_PRELUDE = (
    PRELUDE
    + """
def said(f):
    try:
        return repr(f())
    except (ValueError, OverflowError, TypeError) as error:
        return '%s: %s' % (type(error).__name__, error)
"""
)
small_or_large = st.one_of(st.integers(-400, 400), st.integers(-(10**12), 10**12), st.sampled_from([True, False]))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {},
            optional=dict.fromkeys(
                ["days", "seconds", "microseconds", "milliseconds", "minutes", "hours", "weeks"], small_or_large
            ),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_timedelta_construction_and_arithmetic_agree_with_cpython(session, kwargs_list):
    code = (
        FAST_PRELUDE
        + f"""
made = []
for kwargs in {kwargs_list!r}:
    print(said(lambda: timedelta(**kwargs)), said(lambda: timedelta(*kwargs.values())))
    try:
        made.append(timedelta(**kwargs))
    except OverflowError:
        pass
made.append(timedelta(0))
for a, b in zip(made, made[1:] + made[:1]):
    print(str(a), said(lambda: a + b), said(lambda: a - b), said(lambda: -a), abs(a), +a, said(lambda: a * 3))
    print(said(lambda: a * -2), said(lambda: 7 * b), a < b, a <= b, a == b, a != b, a > b, a >= b)
    print(hash(a) == hash(timedelta(a.days, a.seconds, a.microseconds)), a == timedelta(0, a.days * 86400 + a.seconds, a.microseconds))
    print(a == 1, a != 'x', said(lambda: a.__rsub__(b)), fl(a.total_seconds()), a.total_seconds() == a.days * 86400 + a.seconds)
"""
    )
    agree(session, code)


@settings(max_examples=40, deadline=None)
@given(
    st.tuples(st.integers(1, 9999), st.integers(1, 12), st.one_of(st.integers(1, 31), st.integers(27, 31))),
    st.lists(
        st.one_of(st.integers(-3, 3), st.integers(-40, 40), st.integers(-4000, 4000), st.integers(-(10**7), 10**7)),
        max_size=8,
    ),
)
def test_date_walks_agree_with_cpython(session, start, steps):
    code = (
        FAST_PRELUDE
        + f"""
y, m, d = {start!r}
day = None
while day is None:
    try:
        day = date(y, m, d)
    except ValueError:
        d -= 1
walk = [day]
for step in {steps!r}:
    delta = timedelta(days=step)
    print(said(lambda: day + delta), said(lambda: delta + day), said(lambda: day - delta), said(lambda: day - timedelta(-step)))
    try:
        day = day + delta
    except OverflowError:
        continue
    walk.append(day)
    print(day.weekday(), day.isoweekday(), day.toordinal(), day.isocalendar(), day.isoformat(), day.strftime('%Y-%m-%d %a %j'))
for a, b in zip(walk, walk[1:] + walk[:1]):
    print(a - b, (a - b).days, a < b, a <= b, a == b, a != b, a > b, a >= b, {{a: 1, b: 2}}[a], repr(a))
    print(date.fromordinal(a.toordinal()) == a, hash(a) == hash(date(a.year, a.month, a.day)), a.weekday() == date(a.year, a.month, a.day).weekday())
"""
    )
    agree(session, code)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(datetimes, deltas, st.integers(-5, 5)), min_size=1, max_size=4))
def test_datetime_moves_and_differences_agree_with_cpython(session, cases):
    code = (
        FAST_PRELUDE
        + f"""
for a, (days, seconds, us), scale in {cases!r}:
    x = make(*a)
    td = timedelta(days=days, seconds=seconds, microseconds=us) * scale
    print(said(lambda: x + td), said(lambda: td + x), said(lambda: x - td), said(lambda: x + timedelta(days=-days * 400)))
    for y in (x + td, x - td, x.replace(year=1), x.replace(year=9999)):
        print(said(lambda: x - y), said(lambda: y - x), said(lambda: (y - x) + x == y), x.weekday(), y.isoweekday())
    print(said(lambda: x + timedelta.max), said(lambda: x - timedelta.max), said(lambda: datetime.max - x), said(lambda: x - datetime.min))
    print(x.isoformat(), x.isoformat(' '), str(x), repr(x), x.toordinal(), (x + td).toordinal() if abs(days) < 1000 else '')
"""
    )
    agree(session, code)


int_or_not = st.one_of(st.integers(-3, 13000), st.sampled_from([True, False, 2.0, "1", None]))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(*[int_or_not] * 7), min_size=1, max_size=8))
def test_constructors_check_fields_as_cpython_does(session, cases):
    code = (
        FAST_PRELUDE
        + f"""
for args in {cases!r}:
    small = tuple(a % 70 if type(a) is int else a for a in args)
    print(said(lambda: date(*args[:3])), said(lambda: date(*small[:3])), said(lambda: datetime(*small)))
    print(said(lambda: datetime(*args)), said(lambda: time(*small[3:])), said(lambda: datetime(2024, 2, 29, *small[3:])))
    print(said(lambda: datetime(*small[:3], fold=args[3])), said(lambda: datetime(*small[:3], tzinfo=args[4])))
"""
    )
    agree(session, code)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(datetimes, min_size=1, max_size=4),
    st.lists(st.tuples(st.integers(0, 25), st.sampled_from("-:.T 0x")), max_size=2),
)
def test_common_isoformat_strings_parse_as_in_cpython(session, values, edits):
    code = (
        FAST_PRELUDE
        + f"""
for value in {values!r}:
    x = make(*value).replace(tzinfo=None)
    for text in (x.isoformat(), x.isoformat(' '), x.isoformat(timespec='minutes'), x.isoformat(timespec='seconds'),
                 x.isoformat(timespec='milliseconds'), x.isoformat(timespec='microseconds'), x.date().isoformat()):
        for at, char in {edits!r}:
            text = text[:at] + char + text[at + 1:]
        print(text, said(lambda: datetime.fromisoformat(text)), said(lambda: date.fromisoformat(text)))
"""
    )
    agree(session, code)


def test_every_day_moved_by_up_to_a_month_lands_where_cpython_puts_it(session):
    # Month and year ends around leap days, and centuries with and without one.
    code = """
from datetime import date, datetime, timedelta
total = count = 0
for first in (date(1999, 12, 1), date(2100, 1, 20), date(2024, 1, 25), date(1, 1, 1), date(9999, 10, 20)):
    for offset in range(0, 70, 3):
        day = first + timedelta(offset)
        stamp = datetime(day.year, day.month, day.day, 23, 59, 59, 999999)
        for step in range(-31, 32):
            count += 1
            try:
                moved, later = day + timedelta(days=step), stamp + timedelta(days=step, microseconds=1)
            except OverflowError:
                total += count
                continue
            total += count * (moved.year * 10000 + moved.month * 100 + moved.day + moved.weekday())
            total += count * (later.year * 10000 + later.month * 100 + later.day + later.hour + later.microsecond)
            total += count * ((moved - day).days + moved.toordinal() + (later - stamp).days)
print(count, total)
"""
    agree(session, code)


STRPTIME_FAST_FORMATS = ["%Y-%m-%dT%H:%M:%S", "%d %b %Y", "%Y%m%d", "%I:%M %p", "%d/%m/%y %H:%M:%S.%f", "%B %d, %Y"]
strptime_texts = st.lists(
    st.sampled_from(
        ["2024", "05", "5", "1", "31", "12", "-", ":", "/", "T", "t", " ", "  ", "\t", ".", "123", "jan", "Mar"]
    )
    | st.sampled_from(["JUNE", "pm", "AM", ",", "\u00a0", "0", "9", "60", "2"]),
    max_size=12,
).map("".join)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(strptime_texts, st.sampled_from(STRPTIME_FAST_FORMATS)), min_size=1, max_size=6))
def test_strptime_reads_texts_near_its_formats_as_cpython_does(session, cases):
    code = (
        FAST_PRELUDE
        + f"""
for text, fmt in {cases!r}:
    print(said(lambda: datetime.strptime(text, fmt)))
    right = datetime(2024, 3, 9, 7, 5, 3, 120000).strftime(fmt)
    for variant in (right, right.lower(), right.upper(), right.replace(' ', '  '), right + text, text + right):
        print(said(lambda: datetime.strptime(variant, fmt)))
"""
    )
    agree(session, code)


@pytest.mark.parametrize("fmt", STRPTIME_FAST_FORMATS)
def test_strptime_reads_each_character_as_cpython_does(session, fmt):
    # Each character of a right answer in turn replaced by one a parser could confuse with it.
    code = (
        FAST_PRELUDE
        + f"""
fmt = {fmt!r}
right = datetime(2024, 3, 9, 7, 5, 3, 120000).strftime(fmt)
for at in range(len(right)):
    results = []
    for c in '/:09 xT':
        edited = right[:at] + c + right[at + 1:]
        result = said(lambda: datetime.strptime(edited, fmt))
        no_match = 'ValueError: time data %r does not match format %r' % (edited, fmt)
        results.append(result.replace(no_match, '-').replace('datetime.datetime', ''))
    print(at, ' '.join(results))
"""
    )
    agree(session, code)


def test_the_fast_strptime_parser_knows_the_spaces_str_isspace_knows(session):
    result = session.run(
        "import _datetime_parsing\n"
        "print(_datetime_parsing._SPACE_CODES == set(c for c in range(128) if chr(c).isspace()))"
    )
    assert result.ok, result.error
    assert result.stdout == "True\n"


def test_first_choice_widths_follow_the_alternatives_order():
    # The strptime tables are plain Python: check them here, against their definition, for every
    # numeric directive: a key takes the width of the first alternative that matches all of it.
    from pathlib import Path

    source = (Path(__file__).parent.parent / "datasette_agent_micropython/guest/lib/_datetime_parsing.py").read_text()
    namespace: dict = {}
    exec(source[source.index('_D = "0123456789"') : source.index("def _greedy_spans(")], namespace)
    exec(source[source.index("def _pair_table(") : source.index("def _first_name(")], namespace)
    chars = namespace["_D"] + " "
    for code, alternatives in namespace["_NUMERIC"].items():
        expected = {}
        for key in [a for a in chars] + [a + b for a in chars for b in chars]:
            for alternative in alternatives:
                if len(alternative) <= len(key) and all(key[i] in alternative[i] for i in range(len(alternative))):
                    expected[key] = len(alternative)
                    break
        assert namespace["_first_lengths"](code) == expected, code
        if len(max(alternatives, key=len)) <= 2:
            pairs = namespace["_pair_table"](code)
            for a in chars:
                row = pairs.get(ord(a))
                for b in chars + "x":
                    width = None if row is None else row[0].get(ord(b)) or row[1]
                    assert width == expected.get(a + b, expected.get(a)), (code, a, b)
