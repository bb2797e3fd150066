"""datetime for the sandbox: CPython's date, time, datetime, timedelta and timezone.

Local time is UTC: the sandbox has no time zone database, and its clock is the host's realtime clock.
Formatting and parsing formats are compiled once and cached, because analysts call strftime,
strptime and fromisoformat once per row.
"""

import time as _time
from math import frexp as _frexp

MINYEAR = 1
MAXYEAR = 9999

_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_DAYS_BEFORE_MONTH = (0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAY_ABBRS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = (
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MONTH_ABBRS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_US_PER_DAY = 86400000000
_MAX_ORDINAL = 3652059
_EPOCH_ORDINAL = 719163


_parser = None


def _parsing():
    """strptime and the rarer ISO forms live in a module of their own, compiled on first use and
    kept here: an import statement per call would go through the import hook each time."""
    global _parser
    if _parser is None:
        import _datetime_parsing

        _parser = _datetime_parsing
    return _parser


def _is_leap(year):
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _days_in_month(year, month):
    if month == 2 and _is_leap(year):
        return 29
    return _DAYS_IN_MONTH[month]


def _days_before_year(year):
    y = year - 1
    return y * 365 + y // 4 - y // 100 + y // 400


def _ymd_to_ordinal(year, month, day):
    """Days since 0000-12-31, written out in one frame: weekday() and date arithmetic call it per row."""
    y = year - 1
    days = y * 365 + y // 4 - y // 100 + y // 400 + _DAYS_BEFORE_MONTH[month] + day
    if month > 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        days += 1
    return days


# The month and the day of the month of each day of a common and of a leap year, counted from 0:
# indexing bytes gives a small int, and replaces a search of the month with two lookups.
_COMMON_MONTHS = b"".join(bytes((month,)) * _DAYS_IN_MONTH[month] for month in range(1, 13))
_COMMON_DAYS = b"".join(bytes(range(1, _DAYS_IN_MONTH[month] + 1)) for month in range(1, 13))
_LEAP_MONTHS = _COMMON_MONTHS[:59] + b"\x02" + _COMMON_MONTHS[59:]
_LEAP_DAYS = _COMMON_DAYS[:59] + b"\x1d" + _COMMON_DAYS[59:]


def _ordinal_to_ymd(ordinal):
    """Inverse of _ymd_to_ordinal: 400-year cycles of 146097 days, then centuries, 4-year groups, years.

    Written with // and % rather than divmod, and few locals: each divmod allocates a tuple, and
    a frame of more than 11 words comes from the GC heap on every call."""
    n = ordinal - 1
    year = n // 146097 * 400 + 1
    n %= 146097
    centuries = n // 36524
    if centuries == 4:
        return year + 399, 12, 31
    n %= 36524
    quads = n // 1461
    n %= 1461
    years = n // 365
    if years == 4:
        return year + centuries * 100 + quads * 4 + 3, 12, 31
    n %= 365
    year += centuries * 100 + quads * 4 + years
    if years == 3 and (quads != 24 or centuries == 3):
        return year, _LEAP_MONTHS[n], _LEAP_DAYS[n]
    return year, _COMMON_MONTHS[n], _COMMON_DAYS[n]


def _type_name(value):
    return type(value).__name__


# Hot paths test `x.__class__ is _int`: in MicroPython that costs a fifth of `type(x) is int`, and
# x.__class__ and _new (no built-in lookup) are cheaper than type(x) and object.__new__.
_int = int
_str = str
_new = object.__new__
# MicroPython's small ints are immediate values: `x is _ZERO` holds for the int 0 alone.
_ZERO = 0


def _check_int(value):
    if value.__class__ is _int or value.__class__ is bool:
        return int(value)
    if hasattr(value, "__index__"):
        return value.__index__()
    raise TypeError("'%s' object cannot be interpreted as an integer" % _type_name(value))


def _ints(*values):
    """The constructors' slow path starts here: CPython converts every int field, in order, before it
    checks any range."""
    return tuple(_check_int(value) for value in values)


def _check_date_fields(year, month, day):
    if not MINYEAR <= year <= MAXYEAR:
        raise ValueError("year %d is out of range" % year)
    if not 1 <= month <= 12:
        raise ValueError("month must be in 1..12")
    if not 1 <= day <= _days_in_month(year, month):
        raise ValueError("day is out of range for month")


def _check_time_fields(hour, minute, second, microsecond, fold):
    if not 0 <= hour <= 23:
        raise ValueError("hour must be in 0..23")
    if not 0 <= minute <= 59:
        raise ValueError("minute must be in 0..59")
    if not 0 <= second <= 59:
        raise ValueError("second must be in 0..59")
    if not 0 <= microsecond <= 999999:
        raise ValueError("microsecond must be in 0..999999")
    if fold != 0 and fold != 1:
        raise ValueError("fold must be either 0 or 1")


def _check_tzinfo(tz):
    if tz is not None and not isinstance(tz, tzinfo):
        raise TypeError("tzinfo argument must be None or of a tzinfo subclass, not type '%s'" % _type_name(tz))


def _not_supported(op, left, right):
    raise TypeError("'%s' not supported between instances of '%s' and '%s'" % (op, _type_name(left), _type_name(right)))


def _round_half_even(numerator, denominator):
    """numerator / denominator rounded to the nearest int, ties to even (denominator > 0)."""
    q, r = divmod(numerator, denominator)
    twice = 2 * r
    if twice > denominator or (twice == denominator and q % 2 == 1):
        q += 1
    return q


def _divide(numerator, denominator):
    """numerator / denominator for ints, rounded once even past 2**53, where MicroPython would first
    round both operands to floats."""
    if -9007199254740992 < numerator < 9007199254740992 and -9007199254740992 < denominator < 9007199254740992:
        return numerator / denominator
    whole, rest = divmod(numerator, denominator)
    return whole + rest / denominator


def _exact_ratio(value):
    """A float as an exact (numerator, denominator) pair of ints."""
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("cannot convert %r to integer ratio" % value)
    mantissa, exponent = _frexp(value)
    numerator = int(mantissa * 9007199254740992.0)
    exponent -= 53
    if exponent >= 0:
        return numerator << exponent, 1
    return numerator, 1 << -exponent


class timedelta:
    """A duration: days, seconds (0..86399) and microseconds (0..999999), as CPython normalises them."""

    def __init__(self, days=0, seconds=0, microseconds=0, milliseconds=0, minutes=0, hours=0, weeks=0):
        if hours is minutes is seconds is weeks is milliseconds is microseconds is _ZERO and days.__class__ is _int:
            # timedelta(n) and timedelta(days=n), the forms written most, have nothing to carry.
            if not -999999999 <= days <= 999999999:
                raise _days_overflow(days)
            self.days = days
            self.seconds = 0
            self.microseconds = 0
            return
        if (
            days.__class__
            is seconds.__class__
            is microseconds.__class__
            is milliseconds.__class__
            is minutes.__class__
            is hours.__class__
            is weeks.__class__
            is _int
        ):
            # _delta's normalisation, written out: this is the constructor analysts call per row.
            days += weeks * 7
            seconds += (hours * 60 + minutes) * 60
            microseconds += milliseconds * 1000
            if not 0 <= microseconds < 1000000:
                carry = microseconds // 1000000
                seconds += carry
                microseconds -= carry * 1000000
            if not 0 <= seconds < 86400:
                carry = seconds // 86400
                days += carry
                seconds -= carry * 86400
            if not -999999999 <= days <= 999999999:
                raise _days_overflow(days)
            self.days = days
            self.seconds = seconds
            self.microseconds = microseconds
            return
        total = 0
        numerator = 0
        denominator = 1
        for value, scale in (
            (days, 86400000000),
            (seconds, 1000000),
            (microseconds, 1),
            (milliseconds, 1000),
            (minutes, 60000000),
            (hours, 3600000000),
            (weeks, 604800000000),
        ):
            if type(value) is int:
                total += value * scale
            elif type(value) is float:
                top, bottom = _exact_ratio(value)
                if bottom == 1:
                    total += top * scale
                else:
                    if bottom > denominator:
                        numerator *= bottom // denominator
                        denominator = bottom
                    numerator += top * scale * (denominator // bottom)
            elif type(value) is bool:
                total += int(value) * scale
            else:
                raise TypeError(
                    "unsupported type for timedelta %s component: %s"
                    % (
                        ("days", "seconds", "microseconds", "milliseconds", "minutes", "hours", "weeks")[
                            (days, seconds, microseconds, milliseconds, minutes, hours, weeks).index(value)
                        ],
                        _type_name(value),
                    )
                )
        if numerator:
            total += _round_half_even(numerator, denominator)
        result = _delta(0, 0, total)
        self.days = result.days
        self.seconds = result.seconds
        self.microseconds = result.microseconds

    def _us(self):
        return (self.days * 86400 + self.seconds) * 1000000 + self.microseconds

    def total_seconds(self):
        if not self.microseconds:
            # Whole seconds, fewer than 2**53 of them: the float is exact, with no long int made.
            return float(self.days * 86400 + self.seconds)
        return _divide(self._us(), 1000000)

    def __repr__(self):
        parts = []
        if self.days:
            parts.append("days=%d" % self.days)
        if self.seconds:
            parts.append("seconds=%d" % self.seconds)
        if self.microseconds:
            parts.append("microseconds=%d" % self.microseconds)
        return "datetime.%s(%s)" % (_type_name(self), ", ".join(parts) if parts else "0")

    def __str__(self):
        minutes, seconds = divmod(self.seconds, 60)
        hours, minutes = divmod(minutes, 60)
        text = "%d:%02d:%02d" % (hours, minutes, seconds)
        if self.days:
            text = "%d day%s, %s" % (self.days, "" if self.days in (1, -1) else "s", text)
        if self.microseconds:
            text += ".%06d" % self.microseconds
        return text

    def __format__(self, spec):
        return ("{:" + spec + "}").format(str(self))

    def __add__(self, other):
        if other.__class__ is timedelta or isinstance(other, timedelta):
            return _delta(self.days + other.days, self.seconds + other.seconds, self.microseconds + other.microseconds)
        if isinstance(other, date):
            return other + self
        return NotImplemented

    __radd__ = __add__

    def __sub__(self, other):
        if other.__class__ is timedelta or isinstance(other, timedelta):
            return _delta(self.days - other.days, self.seconds - other.seconds, self.microseconds - other.microseconds)
        return NotImplemented

    def __rsub__(self, other):
        if isinstance(other, timedelta):
            return _delta(other.days - self.days, other.seconds - self.seconds, other.microseconds - self.microseconds)
        return NotImplemented

    def __neg__(self):
        return _delta(-self.days, -self.seconds, -self.microseconds)

    def __pos__(self):
        return self

    def __abs__(self):
        return -self if self.days < 0 else self

    def __mul__(self, other):
        if other.__class__ is _int or other.__class__ is bool:
            return _delta(self.days * other, self.seconds * other, self.microseconds * other)
        if type(other) is float:
            top, bottom = _exact_ratio(other)
            return _delta(0, 0, _round_half_even(self._us() * top, bottom))
        return NotImplemented

    __rmul__ = __mul__

    def __truediv__(self, other):
        if isinstance(other, timedelta):
            return _divide(self._us(), other._us())
        if type(other) is int:
            if other == 0:
                raise ZeroDivisionError("division by zero")
            top, bottom = (self._us(), other) if other > 0 else (-self._us(), -other)
            return _delta(0, 0, _round_half_even(top, bottom))
        if type(other) is float:
            top, bottom = _exact_ratio(other)
            if top == 0:
                raise ZeroDivisionError("division by zero")
            top, bottom = self._us() * bottom, top
            if bottom < 0:
                top, bottom = -top, -bottom
            return _delta(0, 0, _round_half_even(top, bottom))
        return NotImplemented

    def __floordiv__(self, other):
        if isinstance(other, timedelta):
            return self._us() // other._us()
        if type(other) is int:
            return _delta(0, 0, self._us() // other)
        return NotImplemented

    def __mod__(self, other):
        if isinstance(other, timedelta):
            return _delta(0, 0, self._us() % other._us())
        return NotImplemented

    def __divmod__(self, other):
        if isinstance(other, timedelta):
            q, r = divmod(self._us(), other._us())
            return q, _delta(0, 0, r)
        return NotImplemented

    def _order(self, other, op):
        """Negative, zero or positive as self is shorter, as long or longer: normalised fields order
        durations field by field, in small ints."""
        if other.__class__ is not timedelta and not isinstance(other, timedelta):
            _not_supported(op, self, other)
        order = self.days - other.days
        if not order:
            order = self.seconds - other.seconds
            if not order:
                return self.microseconds - other.microseconds
        return order

    def __eq__(self, other):
        return (
            (other.__class__ is timedelta or isinstance(other, timedelta))
            and self.microseconds == other.microseconds
            and self.seconds == other.seconds
            and self.days == other.days
        )

    def __ne__(self, other):
        return not self.__eq__(other)

    def __lt__(self, other):
        return self._order(other, "<") < 0

    def __le__(self, other):
        return self._order(other, "<=") <= 0

    def __gt__(self, other):
        return self._order(other, ">") > 0

    def __ge__(self, other):
        return self._order(other, ">=") >= 0

    def __hash__(self):
        return hash(self.days * 86400 + self.seconds) ^ self.microseconds

    def __bool__(self):
        return bool(self.days or self.seconds or self.microseconds)

    def __reduce__(self):
        return (timedelta, (self.days, self.seconds, self.microseconds))


def _days_overflow(days):
    """CPython's error for a duration of too many days: it first fails to fit them in a C int."""
    if not -2147483648 <= days <= 2147483647:
        return OverflowError("Python int too large to convert to C int")
    return OverflowError("days=%d; must have magnitude <= 999999999" % days)


def _delta(days, seconds, us):
    """The timedelta of days + seconds + us (ints of any size), normalised as CPython does. Carrying
    one field into the next keeps the usual values small ints, where a total in microseconds would be
    a long int."""
    if not 0 <= us < 1000000:
        carry = us // 1000000
        seconds += carry
        us -= carry * 1000000
    if not 0 <= seconds < 86400:
        carry = seconds // 86400
        days += carry
        seconds -= carry * 86400
    if not -999999999 <= days <= 999999999:
        raise _days_overflow(days)
    result = _new(timedelta)
    result.days = days
    result.seconds = seconds
    result.microseconds = us
    return result


timedelta.min = _delta(0, 0, -999999999 * _US_PER_DAY)
timedelta.max = _delta(0, 0, 1000000000 * _US_PER_DAY - 1)
timedelta.resolution = _delta(0, 0, 1)


class tzinfo:
    """Base class of time zones: subclasses answer utcoffset, dst and tzname for a datetime."""

    def utcoffset(self, dt):
        raise NotImplementedError("tzinfo subclass must override utcoffset()")

    def dst(self, dt):
        raise NotImplementedError("tzinfo subclass must override dst()")

    def tzname(self, dt):
        raise NotImplementedError("tzinfo subclass must override tzname()")

    def fromutc(self, dt):
        if not isinstance(dt, datetime):
            raise TypeError("fromutc() requires a datetime argument")
        if dt.tzinfo is not self:
            raise ValueError("dt.tzinfo is not self")
        offset = self.utcoffset(dt)
        if offset is None:
            raise ValueError("fromutc() requires a non-None utcoffset() result")
        dst = self.dst(dt)
        if dst is None:
            raise ValueError("fromutc() requires a non-None dst() result")
        dt = dt + (offset - dst)
        dst = dt.dst()
        return dt + dst if dst else dt


def _format_offset(offset, colon):
    """'+HH:MM[:SS[.ffffff]]' (or without colons) for a timedelta offset."""
    sign = "+"
    if offset.days < 0:
        sign = "-"
        offset = -offset
    minutes, seconds = divmod(offset.seconds, 60)
    hours, minutes = divmod(minutes, 60)
    text = "%s%02d%s%02d" % (sign, hours, colon, minutes)
    if seconds or offset.microseconds:
        text += "%s%02d" % (colon, seconds)
        if offset.microseconds:
            text += ".%06d" % offset.microseconds
    return text


class timezone(tzinfo):
    """A fixed offset from UTC, optionally named."""

    def __new__(cls, offset, name=None):
        if not isinstance(offset, timedelta):
            raise TypeError("timezone() argument 1 must be datetime.timedelta, not %s" % _type_name(offset))
        if name is not None and type(name) is not str:
            raise TypeError("timezone() argument 2 must be str, not %s" % _type_name(name))
        if not -86400000000 < offset._us() < 86400000000:
            raise ValueError(
                "offset must be a timedelta strictly between -timedelta(hours=24) and "
                "timedelta(hours=24), not %r." % offset
            )
        if name is None and not offset and _UTC is not None:
            return _UTC
        self = object.__new__(cls)
        self._offset = offset
        self._name = name
        return self

    def __init__(self, offset, name=None):
        pass

    def utcoffset(self, dt):
        return self._offset

    def dst(self, dt):
        return None

    def tzname(self, dt):
        if self._name is not None:
            return self._name
        if not self._offset:
            return "UTC"
        return "UTC" + _format_offset(self._offset, ":")

    def fromutc(self, dt):
        if not isinstance(dt, datetime):
            raise TypeError("fromutc: argument must be a datetime")
        if dt.tzinfo is not self:
            raise ValueError("fromutc: dt.tzinfo is not self")
        return dt + self._offset

    def __repr__(self):
        if self is _UTC:
            return "datetime.timezone.utc"
        if self._name is None:
            return "datetime.timezone(%r)" % (self._offset,)
        return "datetime.timezone(%r, %r)" % (self._offset, self._name)

    def __str__(self):
        return self.tzname(None)

    def __eq__(self, other):
        return isinstance(other, timezone) and self._offset == other._offset

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash(self._offset)


_UTC = None
_UTC = timezone(timedelta(0))
timezone.utc = _UTC
timezone.min = timezone(timedelta(hours=-23, minutes=-59))
timezone.max = timezone(timedelta(hours=23, minutes=59))
UTC = _UTC


def _checked_offset(tz, dt, what):
    offset = getattr(tz, what)(dt)
    if offset is None:
        return None
    if not isinstance(offset, timedelta):
        raise TypeError("tzinfo.%s() must return None or timedelta, not '%s'" % (what, _type_name(offset)))
    if not -86400000000 < offset._us() < 86400000000:
        raise ValueError("offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24).")
    return offset


class IsoCalendarDate(tuple):
    """(year, week, weekday), also readable by name."""

    @property
    def year(self):
        return self[0]

    @property
    def week(self):
        return self[1]

    @property
    def weekday(self):
        return self[2]

    def __repr__(self):
        return "datetime.IsoCalendarDate(year=%d, week=%d, weekday=%d)" % (self[0], self[1], self[2])

    __str__ = __repr__


def _iso_week1_monday(year):
    first = _days_before_year(year) + 1
    weekday = (first + 6) % 7
    monday = first - weekday
    if weekday > 3:
        monday += 7
    return monday


def _isocalendar(year, ordinal):
    week1 = _iso_week1_monday(year)
    if ordinal < week1:
        year -= 1
        week1 = _iso_week1_monday(year)
    else:
        next_week1 = _iso_week1_monday(year + 1)
        if ordinal >= next_week1:
            year += 1
            week1 = next_week1
    week, day = divmod(ordinal - week1, 7)
    return IsoCalendarDate((year, week + 1, day + 1))


def _iso_to_ordinal(year, week, day):
    """The ordinal of an ISO (year, week, weekday); None when the week or day is out of range."""
    if not 0 < week < 53:
        if week != 53:
            return None
        first_weekday = (_days_before_year(year) + 1 + 6) % 7
        if not (first_weekday == 3 or (first_weekday == 2 and _is_leap(year))):
            return None
    if not 0 < day < 8:
        return None
    return _iso_week1_monday(year) + (week - 1) * 7 + day - 1


class date:
    """A calendar date in the proleptic Gregorian calendar."""

    _kind = "d"
    # strftime's compiled formats for this kind of object (subclasses share it).
    _formats = {}
    # The proleptic ordinal, stored on the instance once computed (0 until then): a date's fourth
    # attribute fits the slots its first three already took.
    _ord = 0

    def __init__(self, year, month, day):
        if not (
            year.__class__ is month.__class__ is day.__class__ is _int
            and 0 < year < 10000
            and 0 < month < 13
            and 0 < day < 29
        ):
            year, month, day = _ints(year, month, day)
            _check_date_fields(year, month, day)
        self.year = year
        self.month = month
        self.day = day

    @classmethod
    def today(cls):
        return cls.fromtimestamp(_time.time())

    @classmethod
    def fromtimestamp(cls, t):
        days = _timestamp_parts(t)[0] // 86400
        year, month, day = _ordinal_to_ymd(_EPOCH_ORDINAL + days)
        return cls(year, month, day)

    @classmethod
    def fromordinal(cls, n):
        n = _check_int(n)
        if not 1 <= n <= _MAX_ORDINAL:
            raise ValueError("ordinal must be >= 1")
        year, month, day = _ordinal_to_ymd(n)
        return cls(year, month, day)

    @classmethod
    def fromisoformat(cls, date_string):
        if date_string.__class__ is not _str:
            raise TypeError("fromisoformat: argument must be str")
        if len(date_string) == 10:
            fast = _fast_iso(cls, date_string)
            if fast is not None:
                return fast
        ymd = None
        if len(date_string) in (7, 8, 10):
            ymd = _parsing()._parse_iso_date(date_string)
        if ymd is None:
            raise ValueError("Invalid isoformat string: %r" % (date_string,))
        return cls(*ymd)

    @classmethod
    def fromisocalendar(cls, year, week, day):
        if not MINYEAR <= year <= MAXYEAR:
            raise ValueError("Year is out of range: %d" % year)
        if not 0 < week < 53 and _iso_to_ordinal(year, week, 1) is None:
            raise ValueError("Invalid week: %d" % week)
        if not 0 < day < 8:
            raise ValueError("Invalid weekday: %d (range is [1, 7])" % day)
        return cls.fromordinal(_iso_to_ordinal(year, week, day))

    def _ymd(self):
        return (self.year, self.month, self.day, 0, 0, 0, 0)

    def toordinal(self):
        ordinal = self._ord
        if not ordinal:
            ordinal = self._ord = _ymd_to_ordinal(self.year, self.month, self.day)
        return ordinal

    def weekday(self):
        ordinal = self._ord
        if not ordinal:
            ordinal = self._ord = _ymd_to_ordinal(self.year, self.month, self.day)
        return (ordinal + 6) % 7

    def isoweekday(self):
        ordinal = self._ord
        if not ordinal:
            ordinal = self._ord = _ymd_to_ordinal(self.year, self.month, self.day)
        return (ordinal + 6) % 7 + 1

    def isocalendar(self):
        return _isocalendar(self.year, self.toordinal())

    def timetuple(self):
        return _timetuple(self._ymd(), -1)

    def isoformat(self):
        return "%04d-%02d-%02d" % (self.year, self.month, self.day)

    __str__ = isoformat

    def __repr__(self):
        return "datetime.%s(%d, %d, %d)" % (_type_name(self), self.year, self.month, self.day)

    def ctime(self):
        return _strftime(self, "%a %b %e %H:%M:%S %Y")

    def strftime(self, format):
        # _strftime written out: analysts call strftime once per row.
        render = self._formats.get(format)
        if render is None:
            render = _compile_render(self, format)
        return render(self)

    def __format__(self, spec):
        if spec.__class__ is not _str:
            raise TypeError("must be str, not %s" % _type_name(spec))
        return _strftime(self, spec) if spec else str(self)

    def replace(self, year=None, month=None, day=None):
        return type(self)(
            self.year if year is None else year,
            self.month if month is None else month,
            self.day if day is None else day,
        )

    def __add__(self, other):
        if other.__class__ is timedelta or isinstance(other, timedelta):
            return _add_days(self, other.days)
        return NotImplemented

    __radd__ = __add__

    def __sub__(self, other):
        if other.__class__ is timedelta or isinstance(other, timedelta):
            return _add_days(self, -other.days)
        if other.__class__ is self.__class__ or (isinstance(other, date) and not isinstance(other, datetime)):
            return _delta(self.toordinal() - other.toordinal(), 0, 0)
        return NotImplemented

    # Dates compare and hash as one small int, yyyymmdd, which allocates nothing.
    def _cmp_key(self, other, op):
        if other.__class__ is self.__class__ or (isinstance(other, date) and not isinstance(other, datetime)):
            return other.year * 10000 + other.month * 100 + other.day
        if isinstance(other, datetime):
            raise TypeError("can't compare %s to %s" % (_type_name(self), _type_name(other)))
        _not_supported(op, self, other)

    def __eq__(self, other):
        if other.__class__ is self.__class__ or (isinstance(other, date) and not isinstance(other, datetime)):
            return self.day == other.day and self.month == other.month and self.year == other.year
        return False

    def __ne__(self, other):
        return not self.__eq__(other)

    def __lt__(self, other):
        return self.year * 10000 + self.month * 100 + self.day < self._cmp_key(other, "<")

    def __le__(self, other):
        return self.year * 10000 + self.month * 100 + self.day <= self._cmp_key(other, "<=")

    def __gt__(self, other):
        return self.year * 10000 + self.month * 100 + self.day > self._cmp_key(other, ">")

    def __ge__(self, other):
        return self.year * 10000 + self.month * 100 + self.day >= self._cmp_key(other, ">=")

    def __hash__(self):
        # MicroPython's sets and dicts probe linearly, call __eq__ on every probe, and grow only when
        # full. Counting days (31 to a month, from 2000, a small int) times a large odd step sends a
        # regular series of dates to distinct slots, and spreads an irregular one.
        return ((self.year - 2000) * 372 + self.month * 31 + self.day) * 30011

    def __reduce__(self):
        return (type(self), (self.year, self.month, self.day))


def _add_days(self, days):
    """A date of self's type, `days` after self: within the month by the day field alone, else by
    ordinal, which the result keeps."""
    result = _new(self.__class__)
    day = self.day + days
    if 0 < day < 29:
        result.year = self.year
        result.month = self.month
        result.day = day
        return result
    ordinal = self._ord
    if not ordinal:
        ordinal = self._ord = _ymd_to_ordinal(self.year, self.month, self.day)
    ordinal += days
    if not 0 < ordinal <= _MAX_ORDINAL:
        raise OverflowError("date value out of range")
    result.year, result.month, result.day = _ordinal_to_ymd(ordinal)
    result._ord = ordinal
    return result


date.min = date(1, 1, 1)
date.max = date(9999, 12, 31)
date.resolution = timedelta(days=1)


def _timetuple(fields, dst):
    year, month, day = fields[0], fields[1], fields[2]
    ordinal = _ymd_to_ordinal(year, month, day)
    return (
        year,
        month,
        day,
        fields[3],
        fields[4],
        fields[5],
        (ordinal + 6) % 7,
        ordinal - _days_before_year(year),
        dst,
    )


def _timestamp_parts(t):
    """Seconds and microseconds of a POSIX timestamp, rounded half to even as CPython does."""
    if type(t) is int or type(t) is bool:
        return int(t), 0
    if type(t) is not float:
        raise TypeError("'%s' object cannot be interpreted as an integer" % _type_name(t))
    if t != t or t in (float("inf"), float("-inf")):
        raise ValueError("Invalid value %s" % t)
    top, bottom = _exact_ratio(t)
    us = _round_half_even(top * 1000000, bottom)
    seconds, us = divmod(us, 1000000)
    return seconds, us


class time:
    """A time of day, optionally with a tzinfo."""

    _kind = "t"
    _formats = {}

    def __init__(self, hour=0, minute=0, second=0, microsecond=0, tzinfo=None, *, fold=0):
        if not (
            hour.__class__ is minute.__class__ is second.__class__ is microsecond.__class__ is fold.__class__ is _int
            and 0 <= hour < 24
            and 0 <= minute < 60
            and 0 <= second < 60
            and 0 <= microsecond < 1000000
            and 0 <= fold <= 1
        ):
            hour, minute, second, microsecond, fold = _ints(hour, minute, second, microsecond, fold)
            _check_time_fields(hour, minute, second, microsecond, fold)
        if tzinfo is not None:
            _check_tzinfo(tzinfo)
        self.hour = hour
        self.minute = minute
        self.second = second
        self.microsecond = microsecond
        self.tzinfo = tzinfo
        self.fold = fold

    @classmethod
    def fromisoformat(cls, time_string):
        if type(time_string) is not str:
            raise TypeError("fromisoformat: argument must be str")
        text = time_string[1:] if time_string[:1] == "T" else time_string
        parsed = _parsing()._parse_iso_time(text)
        if parsed is None:
            raise ValueError("Invalid isoformat string: %r" % (time_string,))
        return cls(*parsed)

    def _ymd(self):
        return (1900, 1, 1, self.hour, self.minute, self.second, self.microsecond)

    def utcoffset(self):
        return None if self.tzinfo is None else _checked_offset(self.tzinfo, None, "utcoffset")

    def dst(self):
        return None if self.tzinfo is None else _checked_offset(self.tzinfo, None, "dst")

    def tzname(self):
        return None if self.tzinfo is None else self.tzinfo.tzname(None)

    def isoformat(self, timespec="auto"):
        text = _format_time(self.hour, self.minute, self.second, self.microsecond, timespec)
        offset = self.utcoffset()
        if offset is not None:
            text += _format_offset(offset, ":")
        return text

    __str__ = isoformat

    def __repr__(self):
        text = "datetime.%s(%d, %d%s" % (
            _type_name(self),
            self.hour,
            self.minute,
            _repr_seconds(self.second, self.microsecond),
        )
        return _repr_tail(text, self.tzinfo, self.fold)

    def strftime(self, format):
        return _strftime(self, format)

    def __format__(self, spec):
        return _strftime(self, spec) if spec else str(self)

    def replace(self, hour=None, minute=None, second=None, microsecond=None, tzinfo=True, *, fold=None):
        return type(self)(
            self.hour if hour is None else hour,
            self.minute if minute is None else minute,
            self.second if second is None else second,
            self.microsecond if microsecond is None else microsecond,
            self.tzinfo if tzinfo is True else tzinfo,
            fold=self.fold if fold is None else fold,
        )

    def _key(self, other, op):
        """Comparable keys of self and other, or None when they are never equal (naive vs aware)."""
        if not isinstance(other, time):
            if op is None:
                return None
            _not_supported(op, self, other)
        mine = (self.hour, self.minute, self.second, self.microsecond)
        theirs = (other.hour, other.minute, other.second, other.microsecond)
        if self.tzinfo is other.tzinfo:
            return mine, theirs
        my_offset, their_offset = self.utcoffset(), other.utcoffset()
        if my_offset == their_offset:
            return mine, theirs
        if my_offset is None or their_offset is None:
            if op is None:
                return None
            raise TypeError("can't compare offset-naive and offset-aware times")
        return (
            (self.hour * 3600 + self.minute * 60 + self.second) * 1000000 + self.microsecond - my_offset._us(),
            (other.hour * 3600 + other.minute * 60 + other.second) * 1000000 + other.microsecond - their_offset._us(),
        )

    def __eq__(self, other):
        keys = self._key(other, None)
        return keys is not None and keys[0] == keys[1]

    def __ne__(self, other):
        return not self.__eq__(other)

    def __lt__(self, other):
        keys = self._key(other, "<")
        return keys[0] < keys[1]

    def __le__(self, other):
        keys = self._key(other, "<=")
        return keys[0] <= keys[1]

    def __gt__(self, other):
        keys = self._key(other, ">")
        return keys[0] > keys[1]

    def __ge__(self, other):
        keys = self._key(other, ">=")
        return keys[0] >= keys[1]

    def __hash__(self):
        offset = self.utcoffset()
        if not offset:
            return hash((self.hour, self.minute, self.second, self.microsecond))
        return hash((self.hour * 3600 + self.minute * 60 + self.second) * 1000000 + self.microsecond - offset._us())

    def __bool__(self):
        return True

    def __reduce__(self):
        return (type(self), (self.hour, self.minute, self.second, self.microsecond, self.tzinfo))


_Date = date
_Time = time
time.min = time(0, 0, 0)
time.max = time(23, 59, 59, 999999)
time.resolution = timedelta(microseconds=1)


def _repr_seconds(second, microsecond):
    if microsecond:
        return ", %d, %d" % (second, microsecond)
    if second:
        return ", %d" % second
    return ""


def _repr_tail(text, tz, fold):
    if tz is not None:
        text += ", tzinfo=%r" % (tz,)
    if fold:
        text += ", fold=1"
    return text + ")"


def _format_time(hour, minute, second, microsecond, timespec):
    if timespec == "auto":
        if microsecond:
            return "%02d:%02d:%02d.%06d" % (hour, minute, second, microsecond)
        return "%02d:%02d:%02d" % (hour, minute, second)
    if timespec == "hours":
        return "%02d" % hour
    if timespec == "minutes":
        return "%02d:%02d" % (hour, minute)
    if timespec == "seconds":
        return "%02d:%02d:%02d" % (hour, minute, second)
    if timespec == "milliseconds":
        return "%02d:%02d:%02d.%03d" % (hour, minute, second, microsecond // 1000)
    if timespec == "microseconds":
        return "%02d:%02d:%02d.%06d" % (hour, minute, second, microsecond)
    raise ValueError("Unknown timespec value")


class datetime(date):
    """A date and a time of day, optionally with a tzinfo."""

    _kind = "dt"
    _formats = {}

    def __init__(self, year, month, day, hour=0, minute=0, second=0, microsecond=0, tzinfo=None, *, fold=0):
        if not (
            year.__class__
            is month.__class__
            is day.__class__
            is hour.__class__
            is minute.__class__
            is second.__class__
            is microsecond.__class__
            is fold.__class__
            is _int
            and 0 < year < 10000
            and 0 < month < 13
            and 0 < day < 29
            and 0 <= hour < 24
            and 0 <= minute < 60
            and 0 <= second < 60
            and 0 <= microsecond < 1000000
            and 0 <= fold <= 1
        ):
            year, month, day, hour, minute, second, microsecond, fold = _ints(
                year, month, day, hour, minute, second, microsecond, fold
            )
            _check_date_fields(year, month, day)
            _check_time_fields(hour, minute, second, microsecond, fold)
        if tzinfo is not None:
            _check_tzinfo(tzinfo)
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.microsecond = microsecond
        self.tzinfo = tzinfo
        self.fold = fold

    @classmethod
    def _from_us(cls, us, tz):
        """The datetime `us` microseconds after 0001-01-01 00:00, with tzinfo tz."""
        days, us = divmod(us, _US_PER_DAY)
        if not 0 <= days < _MAX_ORDINAL:
            raise OverflowError("date value out of range")
        year, month, day = _ordinal_to_ymd(days + 1)
        seconds, us = divmod(us, 1000000)
        minutes, seconds = divmod(seconds, 60)
        hours, minutes = divmod(minutes, 60)
        result = object.__new__(cls)
        result.year, result.month, result.day = year, month, day
        result.hour, result.minute, result.second, result.microsecond = hours, minutes, seconds, us
        result.tzinfo = tz
        result.fold = 0
        return result

    def _us(self):
        """Microseconds since 0001-01-01 00:00 of the naive fields."""
        return (
            (_ymd_to_ordinal(self.year, self.month, self.day) - 1) * 86400
            + self.hour * 3600
            + self.minute * 60
            + self.second
        ) * 1000000 + self.microsecond

    @classmethod
    def now(cls, tz=None):
        _check_tzinfo(tz)
        result = cls._from_us((_EPOCH_ORDINAL - 1) * _US_PER_DAY + _time.time_ns() // 1000, tz)
        return result if tz is None else tz.fromutc(result)

    @classmethod
    def today(cls):
        return cls.now()

    @classmethod
    def utcnow(cls):
        return cls.utcfromtimestamp(_time.time())

    @classmethod
    def fromtimestamp(cls, t, tz=None):
        _check_tzinfo(tz)
        seconds, us = _timestamp_parts(t)
        result = cls._from_us((_EPOCH_ORDINAL - 1) * _US_PER_DAY + seconds * 1000000 + us, tz)
        if tz is not None:
            result = tz.fromutc(result)
        return result

    @classmethod
    def utcfromtimestamp(cls, t):
        seconds, us = _timestamp_parts(t)
        return cls._from_us((_EPOCH_ORDINAL - 1) * _US_PER_DAY + seconds * 1000000 + us, None)

    @classmethod
    def combine(cls, date, time, tzinfo=True):
        if not isinstance(date, _Date):
            raise TypeError("combine() argument 1 must be datetime.date, not %s" % _type_name(date))
        if not isinstance(time, _Time):
            raise TypeError("combine() argument 2 must be datetime.time, not %s" % _type_name(time))
        return cls(
            date.year,
            date.month,
            date.day,
            time.hour,
            time.minute,
            time.second,
            time.microsecond,
            time.tzinfo if tzinfo is True else tzinfo,
            fold=time.fold,
        )

    @classmethod
    def fromisoformat(cls, date_string):
        if date_string.__class__ is not _str:
            raise TypeError("fromisoformat: argument must be str")
        fast = _fast_iso(cls, date_string)
        if fast is not None:
            return fast
        parsed = _parsing()._parse_iso_datetime(date_string)
        if parsed is None:
            raise ValueError("Invalid isoformat string: %r" % (date_string,))
        return cls(*parsed)

    @classmethod
    def strptime(cls, date_string, format):
        fields = _parsing()._strptime(date_string, format)
        return cls(*fields)

    def _ymd(self):
        return (self.year, self.month, self.day, self.hour, self.minute, self.second, self.microsecond)

    def date(self):
        # The fields are valid already: the date is made without checking them again.
        result = _new(_Date)
        result.year = self.year
        result.month = self.month
        result.day = self.day
        return result

    def time(self):
        return time(self.hour, self.minute, self.second, self.microsecond, fold=self.fold)

    def timetz(self):
        return time(self.hour, self.minute, self.second, self.microsecond, self.tzinfo, fold=self.fold)

    def utcoffset(self):
        return None if self.tzinfo is None else _checked_offset(self.tzinfo, self, "utcoffset")

    def dst(self):
        return None if self.tzinfo is None else _checked_offset(self.tzinfo, self, "dst")

    def tzname(self):
        return None if self.tzinfo is None else self.tzinfo.tzname(self)

    def timetuple(self):
        dst = self.dst()
        return _timetuple(self._ymd(), -1 if dst is None else (1 if dst else 0))

    def utctimetuple(self):
        offset = self.utcoffset()
        value = self if not offset else self - offset
        return _timetuple(value._ymd(), 0)

    def timestamp(self):
        offset = self.utcoffset()
        us = self._us() - (_EPOCH_ORDINAL - 1) * _US_PER_DAY
        if offset is not None:
            us -= offset._us()
        return _divide(us, 1000000)

    def astimezone(self, tz=None):
        if tz is None:
            tz = _UTC
        elif not isinstance(tz, tzinfo):
            raise TypeError("tzinfo argument must be None or of a tzinfo subclass, not type '%s'" % _type_name(tz))
        offset = self.utcoffset()
        if offset is None:
            offset = _delta(0, 0, 0)
        utc = self._from_us(self._us() - offset._us(), tz)
        return tz.fromutc(utc)

    def isoformat(self, sep="T", timespec="auto"):
        if timespec == "auto" and self.tzinfo is None:
            if self.microsecond:
                return "%04d-%02d-%02d%s%02d:%02d:%02d.%06d" % (
                    self.year,
                    self.month,
                    self.day,
                    sep,
                    self.hour,
                    self.minute,
                    self.second,
                    self.microsecond,
                )
            return "%04d-%02d-%02d%s%02d:%02d:%02d" % (
                self.year,
                self.month,
                self.day,
                sep,
                self.hour,
                self.minute,
                self.second,
            )
        text = "%04d-%02d-%02d%s%s" % (
            self.year,
            self.month,
            self.day,
            sep,
            _format_time(self.hour, self.minute, self.second, self.microsecond, timespec),
        )
        if self.tzinfo is not None:
            offset = self.utcoffset()
            if offset is not None:
                text += _format_offset(offset, ":")
        return text

    def __str__(self):
        return self.isoformat(" ")

    def __repr__(self):
        text = "datetime.%s(%d, %d, %d, %d, %d%s" % (
            _type_name(self),
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            _repr_seconds(self.second, self.microsecond),
        )
        return _repr_tail(text, self.tzinfo, self.fold)

    def __format__(self, spec):
        return _strftime(self, spec) if spec else str(self)

    def replace(
        self,
        year=None,
        month=None,
        day=None,
        hour=None,
        minute=None,
        second=None,
        microsecond=None,
        tzinfo=True,
        *,
        fold=None,
    ):
        return type(self)(
            self.year if year is None else year,
            self.month if month is None else month,
            self.day if day is None else day,
            self.hour if hour is None else hour,
            self.minute if minute is None else minute,
            self.second if second is None else second,
            self.microsecond if microsecond is None else microsecond,
            self.tzinfo if tzinfo is True else tzinfo,
            fold=self.fold if fold is None else fold,
        )

    def __add__(self, other):
        if other.__class__ is timedelta or isinstance(other, timedelta):
            return _shift(self, other.days, other.seconds, other.microseconds)
        return NotImplemented

    __radd__ = __add__

    def __sub__(self, other):
        if other.__class__ is timedelta or isinstance(other, timedelta):
            return _shift(self, -other.days, -other.seconds, -other.microseconds)
        if isinstance(other, datetime):
            if self.tzinfo is other.tzinfo:
                return _delta(
                    self.toordinal() - other.toordinal(),
                    (self.hour - other.hour) * 3600 + (self.minute - other.minute) * 60 + self.second - other.second,
                    self.microsecond - other.microsecond,
                )
            my_offset, their_offset = self.utcoffset(), other.utcoffset()
            if (my_offset is None) != (their_offset is None):
                raise TypeError("can't subtract offset-naive and offset-aware datetimes")
            us = self._us() - other._us()
            if my_offset is not None:
                us += their_offset._us() - my_offset._us()
            return _delta(0, 0, us)
        return NotImplemented

    def _order(self, other, op):
        """Negative, zero or positive as self is before, at or after other; None when they are never
        equal. Clocks on the same footing compare field by field, in small ints."""
        if not isinstance(other, datetime):
            if op is None:
                return None
            if isinstance(other, date):
                raise TypeError("can't compare %s to %s" % (_type_name(self), _type_name(other)))
            _not_supported(op, self, other)
        if self.tzinfo is not other.tzinfo:
            my_offset, their_offset = self.utcoffset(), other.utcoffset()
            if (my_offset is None) != (their_offset is None):
                if op is None:
                    return None
                raise TypeError("can't compare offset-naive and offset-aware datetimes")
            if my_offset is not None and my_offset != their_offset:
                return (self._us() - my_offset._us()) - (other._us() - their_offset._us())
        mine = self.year * 10000 + self.month * 100 + self.day
        theirs = other.year * 10000 + other.month * 100 + other.day
        if mine == theirs:
            mine = self.hour * 3600 + self.minute * 60 + self.second
            theirs = other.hour * 3600 + other.minute * 60 + other.second
            if mine == theirs:
                return self.microsecond - other.microsecond
        return mine - theirs

    def __eq__(self, other):
        # Sets and dicts call this on every probe: same-zone datetimes take the short path.
        if other.__class__ is self.__class__ and other.tzinfo is self.tzinfo:
            return (
                self.day == other.day
                and self.second == other.second
                and self.minute == other.minute
                and self.hour == other.hour
                and self.month == other.month
                and self.year == other.year
                and self.microsecond == other.microsecond
            )
        order = self._order(other, None)
        return order == 0 and order is not None

    def __ne__(self, other):
        return not self.__eq__(other)

    def __lt__(self, other):
        return self._order(other, "<") < 0

    def __le__(self, other):
        return self._order(other, "<=") <= 0

    def __gt__(self, other):
        return self._order(other, ">") > 0

    def __ge__(self, other):
        return self._order(other, ">=") >= 0

    def __hash__(self):
        offset = None if self.tzinfo is None else self.utcoffset()
        if offset is not None:
            return hash(self._us() - offset._us())
        # Seconds on a (nearly) linear scale, as for dates: regular series fill distinct slots.
        return (
            ((self.year - 2000) * 372 + self.month * 31 + self.day) * 86400
            + self.hour * 3600
            + self.minute * 60
            + self.second
        ) ^ self.microsecond

    def __reduce__(self):
        return (type(self), self._ymd() + (self.tzinfo,))


def _shift(self, days, seconds, us):
    """self moved by a duration, as a datetime of self's type with self's tzinfo. The clock fields
    carry into days in small ints, and the date moves by ordinal only when the day changes."""
    us += self.microsecond
    seconds += self.hour * 3600 + self.minute * 60 + self.second
    if not 0 <= us < 1000000:
        carry = us // 1000000
        seconds += carry
        us -= carry * 1000000
    if not 0 <= seconds < 86400:
        carry = seconds // 86400
        days += carry
        seconds -= carry * 86400
    result = _new(self.__class__)
    if days:
        ordinal = self._ord
        if not ordinal:
            ordinal = self._ord = _ymd_to_ordinal(self.year, self.month, self.day)
        ordinal += days
        if not 0 < ordinal <= _MAX_ORDINAL:
            raise OverflowError("date value out of range")
        result.year, result.month, result.day = _ordinal_to_ymd(ordinal)
    else:
        ordinal = self._ord
        result.year = self.year
        result.month = self.month
        result.day = self.day
    result.hour = seconds // 3600
    result.minute = seconds // 60 % 60
    result.second = seconds % 60
    result.microsecond = us
    result.tzinfo = self.tzinfo
    result.fold = 0
    if ordinal:
        result._ord = ordinal
    return result


datetime.min = datetime(1, 1, 1)
datetime.max = datetime(9999, 12, 31, 23, 59, 59, 999999)
datetime.resolution = timedelta(microseconds=1)


def _fast_iso(cls, text):
    """A cls parsed from YYYY-MM-DD[?HH:MM[:SS[.fff[fff]]]] without a zone, the common case, with few
    allocations; None for any other form."""
    length = len(text)
    # startswith tests a character without making a string of it, which costs a qstr-table search.
    if length < 10 or not text.startswith("-", 4) or not text.startswith("-", 7):
        return None
    day = text[:10].replace("-", "") if length > 10 else text.replace("-", "")
    if len(day) != 8 or not day.isdigit():
        return None
    day = int(day)
    if length == 10:
        return cls(day // 10000, day // 100 % 100, day % 100)
    if length not in (16, 19, 23, 26) or not text.startswith(":", 13) or (length > 16 and not text.startswith(":", 16)):
        return None
    clock = text[11 : length if length < 19 else 19].replace(":", "")
    if not clock.isdigit() or len(clock) != (4 if length == 16 else 6):
        return None
    clock = int(clock) * (100 if length == 16 else 1)
    us = 0
    if length > 19:
        fraction = text[20:]
        if not text.startswith(".", 19) or not fraction.isdigit():
            return None
        us = int(fraction) * (1000 if length == 23 else 1)
    return cls(day // 10000, day // 100 % 100, day % 100, clock // 10000, clock // 100 % 100, clock % 100, us)


# strftime: each format is compiled once, for each of date, time and datetime, into a function
# that reads the object's fields directly.

_STRFTIME_FIELDS = {
    "Y": ("%d", "v[0]"),
    "m": ("%02d", "v[1]"),
    "d": ("%02d", "v[2]"),
    "H": ("%02d", "v[3]"),
    "M": ("%02d", "v[4]"),
    "S": ("%02d", "v[5]"),
    "f": ("%06d", "v[6]"),
    "y": ("%02d", "v[0] % 100"),
    "e": ("%2d", "v[2]"),
    "C": ("%d", "v[0] // 100"),
    "I": ("%02d", "(v[3] + 11) % 12 + 1"),
    "l": ("%2d", "(v[3] + 11) % 12 + 1"),
    "k": ("%2d", "v[3]"),
    "p": ("%s", "'AM' if v[3] < 12 else 'PM'"),
    "P": ("%s", "'am' if v[3] < 12 else 'pm'"),
    "a": ("%s", "_DAY_ABBRS[_wd(v[0], v[1], v[2])]"),
    "A": ("%s", "_DAY_NAMES[_wd(v[0], v[1], v[2])]"),
    "b": ("%s", "_MONTH_ABBRS[v[1]]"),
    "h": ("%s", "_MONTH_ABBRS[v[1]]"),
    "B": ("%s", "_MONTH_NAMES[v[1]]"),
    "j": ("%03d", "_yday(v[0], v[1], v[2])"),
    "w": ("%d", "(_wd(v[0], v[1], v[2]) + 1) % 7"),
    "u": ("%d", "_wd(v[0], v[1], v[2]) + 1"),
    "U": ("%02d", "(_yday(v[0], v[1], v[2]) + 6 - (_wd(v[0], v[1], v[2]) + 1) % 7) // 7"),
    "W": ("%02d", "(_yday(v[0], v[1], v[2]) + 6 - _wd(v[0], v[1], v[2])) // 7"),
    "G": ("%d", "_iso(v[0], v[1], v[2])[0]"),
    "g": ("%02d", "_iso(v[0], v[1], v[2])[0] % 100"),
    "V": ("%02d", "_iso(v[0], v[1], v[2])[1]"),
    "z": ("%s", "_fz(t)"),
    "Z": ("%s", "_fZ(t)"),
    "s": ("%d", "_epoch(v[0], v[1], v[2], v[3], v[4], v[5])"),
    "n": ("%s", "'\\n'"),
    "t": ("%s", "'\\t'"),
    "%": ("%s", "'%'"),
}
_STRFTIME_ALIASES = {
    "c": "%a %b %e %H:%M:%S %Y",
    "D": "%m/%d/%y",
    "x": "%m/%d/%y",
    "F": "%Y-%m-%d",
    "T": "%H:%M:%S",
    "X": "%H:%M:%S",
    "R": "%H:%M",
    "r": "%I:%M:%S %p",
}


def _wd(year, month, day):
    return (_ymd_to_ordinal(year, month, day) + 6) % 7


def _yday(year, month, day):
    return _DAYS_BEFORE_MONTH[month] + day + (1 if month > 2 and _is_leap(year) else 0)


def _iso(year, month, day):
    return _isocalendar(year, _ymd_to_ordinal(year, month, day))


def _epoch(year, month, day, hour, minute, second):
    return (_ymd_to_ordinal(year, month, day) - _EPOCH_ORDINAL) * 86400 + hour * 3600 + minute * 60 + second


def _fz(t):
    offset = t.utcoffset() if isinstance(t, (datetime, time)) else None
    return "" if offset is None else _format_offset(offset, "")


def _fZ(t):
    name = t.tzname() if isinstance(t, (datetime, time)) else None
    return "" if name is None else name


_STRFTIME_NAMES = {
    "_DAY_ABBRS": _DAY_ABBRS,
    "_DAY_NAMES": _DAY_NAMES,
    "_MONTH_ABBRS": _MONTH_ABBRS,
    "_MONTH_NAMES": _MONTH_NAMES,
    "_wd": _wd,
    "_yday": _yday,
    "_iso": _iso,
    "_epoch": _epoch,
    "_fz": _fz,
    "_fZ": _fZ,
}
# What each field reads, for date ("d"), time ("t") and datetime ("dt") objects.
_FIELD_SOURCES = {
    "d": ("t.year", "t.month", "t.day", "0", "0", "0", "0"),
    "t": ("1900", "1", "1", "t.hour", "t.minute", "t.second", "t.microsecond"),
    "dt": ("t.year", "t.month", "t.day", "t.hour", "t.minute", "t.second", "t.microsecond"),
}


def _compile_strftime(format):
    template = []
    values = []
    length = len(format)
    at = 0
    while at < length:
        percent = format.find("%", at)
        if percent < 0 or percent == length - 1:
            template.append(format[at:].replace("%", "%%"))
            break
        template.append(format[at:percent].replace("%", "%%"))
        code = format[percent + 1]
        at = percent + 2
        if code in _STRFTIME_ALIASES:
            alias_template, alias_values = _compile_strftime(_STRFTIME_ALIASES[code])
            template.append(alias_template)
            values.extend(alias_values)
        elif code in _STRFTIME_FIELDS:
            spec, expression = _STRFTIME_FIELDS[code]
            template.append(spec)
            values.append(expression)
        else:
            template.append("%%" + code.replace("%", "%%"))
    return "".join(template), values


def _strftime(t, format):
    render = t._formats.get(format)
    if render is None:
        render = _compile_render(t, format)
    return render(t)


def _compile_render(t, format):
    """The function that formats t's kind of object with `format`, compiled and kept in the kind's cache."""
    if type(format) is not str:
        raise TypeError("strftime() argument 1 must be str, not %s" % _type_name(format))
    template, values = _compile_strftime(format)
    if values:
        names = {"_T": template}
        for key in _STRFTIME_NAMES:
            names[key] = _STRFTIME_NAMES[key]
        expression = ", ".join(values)
        sources = _FIELD_SOURCES[t._kind]
        for index in range(7):
            expression = expression.replace("v[%d]" % index, sources[index])
        render = eval("lambda t: _T %% (%s,)" % expression, names)
    else:
        text = template.replace("%%", "%")
        render = lambda t: text
    cache = t._formats
    if len(cache) >= 64:
        cache.clear()
    cache[format] = render
    return render
