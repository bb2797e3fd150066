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
_MONTH_NAMES = ("", "January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")
_MONTH_ABBRS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_US_PER_DAY = 86400000000
_MAX_ORDINAL = 3652059
_EPOCH_ORDINAL = 719163


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
    days = _days_before_year(year) + _DAYS_BEFORE_MONTH[month] + day
    if month > 2 and _is_leap(year):
        days += 1
    return days


def _ordinal_to_ymd(ordinal):
    """Inverse of _ymd_to_ordinal: 400-year cycles of 146097 days, then centuries, 4-year groups, years."""
    n = ordinal - 1
    cycles, n = divmod(n, 146097)
    centuries, n = divmod(n, 36524)
    quads, n = divmod(n, 1461)
    years, n = divmod(n, 365)
    year = cycles * 400 + centuries * 100 + quads * 4 + years + 1
    if years == 4 or centuries == 4:
        return year - 1, 12, 31
    leap = years == 3 and (quads != 24 or centuries == 3)
    month = (n + 50) >> 5
    before = _DAYS_BEFORE_MONTH[month] + (1 if month > 2 and leap else 0)
    if before > n:
        month -= 1
        before = _DAYS_BEFORE_MONTH[month] + (1 if month > 2 and leap else 0)
    return year, month, n - before + 1


def _type_name(value):
    return type(value).__name__


def _check_int(value):
    if type(value) is int or type(value) is bool:
        return int(value)
    if hasattr(value, "__index__"):
        return value.__index__()
    raise TypeError("'%s' object cannot be interpreted as an integer" % _type_name(value))


def _set_date(self, year, month, day):
    """Validate and store the date fields; the common case (ints, day <= 28) takes one test."""
    if type(year) is not int or type(month) is not int or type(day) is not int:
        year, month, day = _check_int(year), _check_int(month), _check_int(day)
    if not (0 < year < 10000 and 0 < month < 13 and 0 < day < 29):
        if not MINYEAR <= year <= MAXYEAR:
            raise ValueError("year %d is out of range" % year)
        if not 1 <= month <= 12:
            raise ValueError("month must be in 1..12")
        if not 1 <= day <= _days_in_month(year, month):
            raise ValueError("day is out of range for month")
    self.year = year
    self.month = month
    self.day = day


def _set_time(self, hour, minute, second, microsecond, tz, fold):
    """Validate and store the time fields, tzinfo and fold."""
    if type(hour) is not int or type(minute) is not int or type(second) is not int or type(microsecond) is not int:
        hour, minute, second = _check_int(hour), _check_int(minute), _check_int(second)
        microsecond = _check_int(microsecond)
    if not (0 <= hour < 24 and 0 <= minute < 60 and 0 <= second < 60 and 0 <= microsecond < 1000000):
        if not 0 <= hour <= 23:
            raise ValueError("hour must be in 0..23")
        if not 0 <= minute <= 59:
            raise ValueError("minute must be in 0..59")
        if not 0 <= second <= 59:
            raise ValueError("second must be in 0..59")
        raise ValueError("microsecond must be in 0..999999")
    if fold != 0 and fold != 1:
        raise ValueError("fold must be either 0 or 1")
    if tz is not None and not isinstance(tz, tzinfo):
        _check_tzinfo(tz)
    self.hour = hour
    self.minute = minute
    self.second = second
    self.microsecond = microsecond
    self.tzinfo = tz
    self.fold = fold


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
        if (type(days) is int and type(seconds) is int and type(microseconds) is int and type(milliseconds) is int
                and type(minutes) is int and type(hours) is int and type(weeks) is int):
            self._set(((weeks * 7 + days) * 24 + hours) * 3600000000 + (minutes * 60 + seconds) * 1000000
                      + milliseconds * 1000 + microseconds)
            return
        total = 0
        numerator = 0
        denominator = 1
        for value, scale in ((days, 86400000000), (seconds, 1000000), (microseconds, 1),
                             (milliseconds, 1000), (minutes, 60000000), (hours, 3600000000),
                             (weeks, 604800000000)):
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
                raise TypeError("unsupported type for timedelta %s component: %s" % (
                    ("days", "seconds", "microseconds", "milliseconds", "minutes", "hours", "weeks")[
                        (days, seconds, microseconds, milliseconds, minutes, hours, weeks).index(value)],
                    _type_name(value)))
        if numerator:
            total += _round_half_even(numerator, denominator)
        self._set(total)

    def _set(self, total):
        days, rest = divmod(total, _US_PER_DAY)
        if not -999999999 <= days <= 999999999:
            raise OverflowError("days=%d; must have magnitude <= 999999999" % days)
        self.days = days
        self.seconds, self.microseconds = divmod(rest, 1000000)

    def _us(self):
        return (self.days * 86400 + self.seconds) * 1000000 + self.microseconds

    def total_seconds(self):
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
        return format(str(self), spec)

    def __add__(self, other):
        if isinstance(other, timedelta):
            return _delta(self._us() + other._us())
        if isinstance(other, date):
            return other + self
        return NotImplemented

    __radd__ = __add__

    def __sub__(self, other):
        if isinstance(other, timedelta):
            return _delta(self._us() - other._us())
        return NotImplemented

    def __rsub__(self, other):
        if isinstance(other, timedelta):
            return _delta(other._us() - self._us())
        return NotImplemented

    def __neg__(self):
        return _delta(-self._us())

    def __pos__(self):
        return self

    def __abs__(self):
        return _delta(-self._us()) if self.days < 0 else self

    def __mul__(self, other):
        if type(other) is int or type(other) is bool:
            return _delta(self._us() * other)
        if type(other) is float:
            top, bottom = _exact_ratio(other)
            return _delta(_round_half_even(self._us() * top, bottom))
        return NotImplemented

    __rmul__ = __mul__

    def __truediv__(self, other):
        if isinstance(other, timedelta):
            return _divide(self._us(), other._us())
        if type(other) is int:
            if other == 0:
                raise ZeroDivisionError("division by zero")
            top, bottom = (self._us(), other) if other > 0 else (-self._us(), -other)
            return _delta(_round_half_even(top, bottom))
        if type(other) is float:
            top, bottom = _exact_ratio(other)
            if top == 0:
                raise ZeroDivisionError("division by zero")
            top, bottom = self._us() * bottom, top
            if bottom < 0:
                top, bottom = -top, -bottom
            return _delta(_round_half_even(top, bottom))
        return NotImplemented

    def __floordiv__(self, other):
        if isinstance(other, timedelta):
            return self._us() // other._us()
        if type(other) is int:
            return _delta(self._us() // other)
        return NotImplemented

    def __mod__(self, other):
        if isinstance(other, timedelta):
            return _delta(self._us() % other._us())
        return NotImplemented

    def __divmod__(self, other):
        if isinstance(other, timedelta):
            q, r = divmod(self._us(), other._us())
            return q, _delta(r)
        return NotImplemented

    def _key(self, other, op):
        if isinstance(other, timedelta):
            return other._us()
        _not_supported(op, self, other)

    def __eq__(self, other):
        return isinstance(other, timedelta) and self._us() == other._us()

    def __ne__(self, other):
        return not self.__eq__(other)

    def __lt__(self, other):
        return self._us() < self._key(other, "<")

    def __le__(self, other):
        return self._us() <= self._key(other, "<=")

    def __gt__(self, other):
        return self._us() > self._key(other, ">")

    def __ge__(self, other):
        return self._us() >= self._key(other, ">=")

    def __hash__(self):
        return hash((self.days, self.seconds, self.microseconds))

    def __bool__(self):
        return bool(self.days or self.seconds or self.microseconds)

    def __reduce__(self):
        return (timedelta, (self.days, self.seconds, self.microseconds))


def _delta(us):
    result = object.__new__(timedelta)
    result._set(us)
    return result


timedelta.min = _delta(-999999999 * _US_PER_DAY)
timedelta.max = _delta(1000000000 * _US_PER_DAY - 1)
timedelta.resolution = _delta(1)


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
            raise ValueError("offset must be a timedelta strictly between -timedelta(hours=24) and "
                             "timedelta(hours=24), not %r." % offset)
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
        raise ValueError("offset must be a timedelta strictly between -timedelta(hours=24) and "
                         "timedelta(hours=24).")
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

    def __init__(self, year, month, day):
        _set_date(self, year, month, day)

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
        if type(date_string) is not str:
            raise TypeError("fromisoformat: argument must be str")
        if len(date_string) == 10:
            fast = _fast_iso(cls, date_string)
            if fast is not None:
                return fast
        ymd = None
        if len(date_string) in (7, 8, 10):
            ymd = _parse_iso_date(date_string)
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
        return _ymd_to_ordinal(self.year, self.month, self.day)

    def weekday(self):
        return (_ymd_to_ordinal(self.year, self.month, self.day) + 6) % 7

    def isoweekday(self):
        return (_ymd_to_ordinal(self.year, self.month, self.day) + 6) % 7 + 1

    def isocalendar(self):
        return _isocalendar(self.year, _ymd_to_ordinal(self.year, self.month, self.day))

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
        return _strftime(self, format)

    def __format__(self, spec):
        if type(spec) is not str:
            raise TypeError("must be str, not %s" % _type_name(spec))
        return _strftime(self, spec) if spec else str(self)

    def replace(self, year=None, month=None, day=None):
        return type(self)(self.year if year is None else year, self.month if month is None else month,
                          self.day if day is None else day)

    def __add__(self, other):
        if isinstance(other, timedelta):
            ordinal = _ymd_to_ordinal(self.year, self.month, self.day) + other.days
            if not 1 <= ordinal <= _MAX_ORDINAL:
                raise OverflowError("date value out of range")
            result = object.__new__(type(self))
            result.year, result.month, result.day = _ordinal_to_ymd(ordinal)
            return result
        return NotImplemented

    __radd__ = __add__

    def __sub__(self, other):
        if isinstance(other, timedelta):
            return self + _delta(-other.days * _US_PER_DAY)
        if isinstance(other, date) and not isinstance(other, datetime):
            return _delta((self.toordinal() - other.toordinal()) * _US_PER_DAY)
        return NotImplemented

    def _cmp_key(self, other, op):
        if isinstance(other, date) and not isinstance(other, datetime):
            return other.year, other.month, other.day
        if isinstance(other, datetime):
            raise TypeError("can't compare %s to %s" % (_type_name(self), _type_name(other)))
        _not_supported(op, self, other)

    def __eq__(self, other):
        if isinstance(other, date) and not isinstance(other, datetime):
            return self.day == other.day and self.month == other.month and self.year == other.year
        return False

    def __ne__(self, other):
        return not self.__eq__(other)

    def __lt__(self, other):
        return (self.year, self.month, self.day) < self._cmp_key(other, "<")

    def __le__(self, other):
        return (self.year, self.month, self.day) <= self._cmp_key(other, "<=")

    def __gt__(self, other):
        return (self.year, self.month, self.day) > self._cmp_key(other, ">")

    def __ge__(self, other):
        return (self.year, self.month, self.day) >= self._cmp_key(other, ">=")

    def __hash__(self):
        return hash((self.year, self.month, self.day))

    def __reduce__(self):
        return (type(self), (self.year, self.month, self.day))


date.min = date(1, 1, 1)
date.max = date(9999, 12, 31)
date.resolution = timedelta(days=1)


def _timetuple(fields, dst):
    year, month, day = fields[0], fields[1], fields[2]
    ordinal = _ymd_to_ordinal(year, month, day)
    return (year, month, day, fields[3], fields[4], fields[5], (ordinal + 6) % 7,
            ordinal - _days_before_year(year), dst)


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

    def __init__(self, hour=0, minute=0, second=0, microsecond=0, tzinfo=None, *, fold=0):
        _set_time(self, hour, minute, second, microsecond, tzinfo, fold)

    @classmethod
    def fromisoformat(cls, time_string):
        if type(time_string) is not str:
            raise TypeError("fromisoformat: argument must be str")
        text = time_string[1:] if time_string[:1] == "T" else time_string
        parsed = _parse_iso_time(text)
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
        text = "datetime.%s(%d, %d%s" % (_type_name(self), self.hour, self.minute,
                                         _repr_seconds(self.second, self.microsecond))
        return _repr_tail(text, self.tzinfo, self.fold)

    def strftime(self, format):
        return _strftime(self, format)

    def __format__(self, spec):
        return _strftime(self, spec) if spec else str(self)

    def replace(self, hour=None, minute=None, second=None, microsecond=None, tzinfo=True, *, fold=None):
        return type(self)(self.hour if hour is None else hour, self.minute if minute is None else minute,
                          self.second if second is None else second,
                          self.microsecond if microsecond is None else microsecond,
                          self.tzinfo if tzinfo is True else tzinfo, fold=self.fold if fold is None else fold)

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
        return ((self.hour * 3600 + self.minute * 60 + self.second) * 1000000 + self.microsecond - my_offset._us(),
                (other.hour * 3600 + other.minute * 60 + other.second) * 1000000 + other.microsecond
                - their_offset._us())

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
        return hash((self.hour * 3600 + self.minute * 60 + self.second) * 1000000 + self.microsecond
                    - offset._us())

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

    def __init__(self, year, month, day, hour=0, minute=0, second=0, microsecond=0, tzinfo=None, *, fold=0):
        _set_date(self, year, month, day)
        _set_time(self, hour, minute, second, microsecond, tzinfo, fold)

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
        return ((_ymd_to_ordinal(self.year, self.month, self.day) - 1) * 86400
                + self.hour * 3600 + self.minute * 60 + self.second) * 1000000 + self.microsecond

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
        return cls(date.year, date.month, date.day, time.hour, time.minute, time.second, time.microsecond,
                   time.tzinfo if tzinfo is True else tzinfo, fold=time.fold)

    @classmethod
    def fromisoformat(cls, date_string):
        if type(date_string) is not str:
            raise TypeError("fromisoformat: argument must be str")
        fast = _fast_iso(cls, date_string)
        if fast is not None:
            return fast
        parsed = _parse_iso_datetime(date_string)
        if parsed is None:
            raise ValueError("Invalid isoformat string: %r" % (date_string,))
        return cls(*parsed)

    @classmethod
    def strptime(cls, date_string, format):
        fields = _strptime(date_string, format)
        return cls(*fields)

    def _ymd(self):
        return (self.year, self.month, self.day, self.hour, self.minute, self.second, self.microsecond)

    def date(self):
        return date(self.year, self.month, self.day)

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
            offset = _delta(0)
        utc = self._from_us(self._us() - offset._us(), tz)
        return tz.fromutc(utc)

    def isoformat(self, sep="T", timespec="auto"):
        text = "%04d-%02d-%02d%s%s" % (self.year, self.month, self.day, sep,
                                       _format_time(self.hour, self.minute, self.second, self.microsecond, timespec))
        if self.tzinfo is not None:
            offset = self.utcoffset()
            if offset is not None:
                text += _format_offset(offset, ":")
        return text

    def __str__(self):
        return self.isoformat(" ")

    def __repr__(self):
        text = "datetime.%s(%d, %d, %d, %d, %d%s" % (_type_name(self), self.year, self.month, self.day,
                                                     self.hour, self.minute,
                                                     _repr_seconds(self.second, self.microsecond))
        return _repr_tail(text, self.tzinfo, self.fold)

    def __format__(self, spec):
        return _strftime(self, spec) if spec else str(self)

    def replace(self, year=None, month=None, day=None, hour=None, minute=None, second=None, microsecond=None,
                tzinfo=True, *, fold=None):
        return type(self)(self.year if year is None else year, self.month if month is None else month,
                          self.day if day is None else day, self.hour if hour is None else hour,
                          self.minute if minute is None else minute, self.second if second is None else second,
                          self.microsecond if microsecond is None else microsecond,
                          self.tzinfo if tzinfo is True else tzinfo, fold=self.fold if fold is None else fold)

    def __add__(self, other):
        if isinstance(other, timedelta):
            return self._from_us(self._us() + other._us(), self.tzinfo)
        return NotImplemented

    __radd__ = __add__

    def __sub__(self, other):
        if isinstance(other, timedelta):
            return self._from_us(self._us() - other._us(), self.tzinfo)
        if isinstance(other, datetime):
            if self.tzinfo is other.tzinfo:
                return _delta(self._us() - other._us())
            my_offset, their_offset = self.utcoffset(), other.utcoffset()
            if (my_offset is None) != (their_offset is None):
                raise TypeError("can't subtract offset-naive and offset-aware datetimes")
            us = self._us() - other._us()
            if my_offset is not None:
                us += their_offset._us() - my_offset._us()
            return _delta(us)
        return NotImplemented

    def _keys(self, other, op):
        """Comparable keys of self and other, or None when they are never equal."""
        if not isinstance(other, datetime):
            if op is None:
                return None
            if isinstance(other, date):
                raise TypeError("can't compare %s to %s" % (_type_name(self), _type_name(other)))
            _not_supported(op, self, other)
        if self.tzinfo is other.tzinfo:
            return self._us(), other._us()
        my_offset, their_offset = self.utcoffset(), other.utcoffset()
        if (my_offset is None) != (their_offset is None):
            if op is None:
                return None
            raise TypeError("can't compare offset-naive and offset-aware datetimes")
        if my_offset is None:
            return self._us(), other._us()
        return self._us() - my_offset._us(), other._us() - their_offset._us()

    def __eq__(self, other):
        keys = self._keys(other, None)
        return keys is not None and keys[0] == keys[1]

    def __ne__(self, other):
        return not self.__eq__(other)

    def __lt__(self, other):
        keys = self._keys(other, "<")
        return keys[0] < keys[1]

    def __le__(self, other):
        keys = self._keys(other, "<=")
        return keys[0] <= keys[1]

    def __gt__(self, other):
        keys = self._keys(other, ">")
        return keys[0] > keys[1]

    def __ge__(self, other):
        keys = self._keys(other, ">=")
        return keys[0] >= keys[1]

    def __hash__(self):
        offset = self.utcoffset()
        return hash(self._us() - (offset._us() if offset else 0))

    def __reduce__(self):
        return (type(self), self._ymd() + (self.tzinfo,))


datetime.min = datetime(1, 1, 1)
datetime.max = datetime(9999, 12, 31, 23, 59, 59, 999999)
datetime.resolution = timedelta(microseconds=1)


# ISO 8601 parsing, with the forms and quirks of CPython 3.11's C implementation.

def _digits(text, start, count):
    """The int of exactly `count` ASCII digits at text[start:], or -1."""
    chunk = text[start:start + count]
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
    if text[at:at + 1] == "W":
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
        if text[at:at + 1] != "-":
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
        raise ValueError("offset must be a timedelta strictly between -timedelta(hours=24) and "
                         "timedelta(hours=24), not %r." % _delta(us))
    return values + [timezone(_delta(us))]


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


def _fast_iso(cls, text):
    """A cls parsed from YYYY-MM-DD[?HH:MM[:SS[.fff[fff]]]] without a zone, the common case, with few
    allocations; None for any other form."""
    length = len(text)
    if length < 10 or text[4] != "-" or text[7] != "-":
        return None
    day = text[:10].replace("-", "") if length > 10 else text.replace("-", "")
    if len(day) != 8 or not day.isdigit():
        return None
    day = int(day)
    if length == 10:
        return cls(day // 10000, day // 100 % 100, day % 100)
    if length not in (16, 19, 23, 26) or text[13] != ":" or (length > 16 and text[16] != ":"):
        return None
    clock = text[11:length if length < 19 else 19].replace(":", "")
    if not clock.isdigit() or len(clock) != (4 if length == 16 else 6):
        return None
    clock = int(clock) * (100 if length == 16 else 1)
    us = 0
    if length > 19:
        fraction = text[20:]
        if text[19] != "." or not fraction.isdigit():
            return None
        us = int(fraction) * (1000 if length == 23 else 1)
    return cls(day // 10000, day // 100 % 100, day % 100, clock // 10000, clock // 100 % 100, clock % 100, us)


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
    hms = _parse_iso_time(text[split + 1:])
    if hms is None:
        return None
    return ymd + tuple(hms)


# strftime: each format is compiled once into a function of (object, fields).

_STRFTIME_FIELDS = {
    "Y": ("%d", "v[0]"), "m": ("%02d", "v[1]"), "d": ("%02d", "v[2]"), "H": ("%02d", "v[3]"),
    "M": ("%02d", "v[4]"), "S": ("%02d", "v[5]"), "f": ("%06d", "v[6]"), "y": ("%02d", "v[0] % 100"),
    "e": ("%2d", "v[2]"), "C": ("%d", "v[0] // 100"), "I": ("%02d", "(v[3] + 11) % 12 + 1"),
    "l": ("%2d", "(v[3] + 11) % 12 + 1"), "k": ("%2d", "v[3]"),
    "p": ("%s", "'AM' if v[3] < 12 else 'PM'"), "P": ("%s", "'am' if v[3] < 12 else 'pm'"),
    "a": ("%s", "_DAY_ABBRS[_wd(v)]"), "A": ("%s", "_DAY_NAMES[_wd(v)]"),
    "b": ("%s", "_MONTH_ABBRS[v[1]]"), "h": ("%s", "_MONTH_ABBRS[v[1]]"), "B": ("%s", "_MONTH_NAMES[v[1]]"),
    "j": ("%03d", "_yday(v)"), "w": ("%d", "(_wd(v) + 1) % 7"), "u": ("%d", "_wd(v) + 1"),
    "U": ("%02d", "(_yday(v) + 6 - (_wd(v) + 1) % 7) // 7"), "W": ("%02d", "(_yday(v) + 6 - _wd(v)) // 7"),
    "G": ("%d", "_iso(v)[0]"), "g": ("%02d", "_iso(v)[0] % 100"), "V": ("%02d", "_iso(v)[1]"),
    "z": ("%s", "_fz(t)"), "Z": ("%s", "_fZ(t)"), "s": ("%d", "_epoch(v)"),
    "n": ("%s", "'\\n'"), "t": ("%s", "'\\t'"), "%": ("%s", "'%'"),
}
_STRFTIME_ALIASES = {"c": "%a %b %e %H:%M:%S %Y", "D": "%m/%d/%y", "x": "%m/%d/%y", "F": "%Y-%m-%d",
                     "T": "%H:%M:%S", "X": "%H:%M:%S", "R": "%H:%M", "r": "%I:%M:%S %p"}


def _wd(v):
    return (_ymd_to_ordinal(v[0], v[1], v[2]) + 6) % 7


def _yday(v):
    return _DAYS_BEFORE_MONTH[v[1]] + v[2] + (1 if v[1] > 2 and _is_leap(v[0]) else 0)


def _iso(v):
    return _isocalendar(v[0], _ymd_to_ordinal(v[0], v[1], v[2]))


def _epoch(v):
    return (_ymd_to_ordinal(v[0], v[1], v[2]) - _EPOCH_ORDINAL) * 86400 + v[3] * 3600 + v[4] * 60 + v[5]


def _fz(t):
    offset = t.utcoffset() if isinstance(t, (datetime, time)) else None
    return "" if offset is None else _format_offset(offset, "")


def _fZ(t):
    name = t.tzname() if isinstance(t, (datetime, time)) else None
    return "" if name is None else name


_STRFTIME_NAMES = {"_DAY_ABBRS": _DAY_ABBRS, "_DAY_NAMES": _DAY_NAMES, "_MONTH_ABBRS": _MONTH_ABBRS,
                   "_MONTH_NAMES": _MONTH_NAMES, "_wd": _wd, "_yday": _yday, "_iso": _iso, "_epoch": _epoch,
                   "_fz": _fz, "_fZ": _fZ}
_strftime_cache = {}


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
    render = _strftime_cache.get(format)
    if render is None:
        if type(format) is not str:
            raise TypeError("strftime() argument 1 must be str, not %s" % _type_name(format))
        template, values = _compile_strftime(format)
        if values:
            names = {"_T": template}
            for key in _STRFTIME_NAMES:
                names[key] = _STRFTIME_NAMES[key]
            render = eval("lambda t, v: _T %% (%s,)" % ", ".join(values), names)
        else:
            text = template.replace("%%", "%")
            render = lambda t, v: text
        if len(_strftime_cache) >= 64:
            _strftime_cache.clear()
        _strftime_cache[format] = render
    return render(t, t._ymd())


# strptime: the format becomes a list of tokens matched by backtracking, which gives the same
# answer as the regular expression CPython's _strptime builds (first match by priority, then the
# rest of the string must be empty).

_D = "0123456789"
_NUMERIC = {
    "d": (("3", "01"), ("12", _D), ("0", "123456789"), ("123456789",), (" ", "123456789")),
    "H": (("2", "0123"), ("01", _D), (_D,)),
    "I": (("1", "012"), ("0", "123456789"), ("123456789",)),
    "G": ((_D, _D, _D, _D),),
    "j": (("3", "6", "0123456"), ("3", "012345", _D), ("12", _D, _D), ("0", "123456789", _D), ("0", "0", "123456789"),
          ("123456789", _D), ("0", "123456789"), ("123456789",)),
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
    "b": ["", "january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december"],
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
    "A": _name_choices(_NAMES["a"]), "a": _name_choices([n[:3] for n in _NAMES["a"]]),
    "B": _name_choices(_NAMES["b"]), "b": _name_choices([n[:3] for n in _NAMES["b"]]),
    "p": _name_choices(_NAMES["p"]), "Z": _name_choices(_NAMES["Z"]),
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
        return (at + 1,) if lowered[at:at + 1] == token[1] else ()
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
    if text[at:at + 1] == "Z":
        return (at + 1,)
    if text[at:at + 1] not in ("+", "-") or len(text) < at + 3 or not text[at + 1:at + 3].isdigit():
        return ()
    end = at + 3
    if text[end:end + 1] == ":":
        end += 1
    if len(text) < end + 2 or text[end] not in "012345" or text[end + 1] not in _D:
        return ()
    end += 2
    found = []
    seconds = end + 1 if text[end:end + 1] == ":" else end
    if len(text) >= seconds + 2 and text[seconds] in "012345" and text[seconds + 1] in _D:
        seconds += 2
        if text[seconds:seconds + 1] == ".":
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
    for a in chars:
        for key in [a] + [a + b for b in chars]:
            for alternative in _NUMERIC[code]:
                if len(alternative) <= len(key) and all(key[i] in alternative[i] for i in range(len(alternative))):
                    table[key] = len(alternative)
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
                width = table.get(text[at:at + 2]) or table.get(text[at:at + 1])
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
                return [(starts[i], choices[i][picks[i] - 1]) if tokens[i][0] == "dir" else None
                        for i in range(count)], at
            choices[index] = None
        else:
            choices[index] = None
            index -= 1
            if index < 0:
                return None


_SIMPLE_FIELDS = {"Y": "Y", "y": "Y", "m": "m", "d": "d", "H": "H", "M": "M", "S": "S", "f": "f"}
_PAIRS = {}


def _pair_table(code):
    """For a directive of at most two characters: first character -> (second character -> width,
    width when the second cannot continue), following the alternatives' order."""
    table = {}
    lengths = _first_lengths(code)
    for a in _D + " ":
        if a in lengths or any(key[0] == a for key in lengths):
            table[a] = ({b: lengths[a + b] for b in _D + " " if a + b in lengths}, lengths.get(a))
    return table


def _compile_fast(tokens):
    """For formats of numbers and literals only: a function that parses a string along every
    token's first choice, reading characters without slicing, and returns the fields; it returns
    None when that path fails (the general matcher then gives the answer or the error).
    None when the format has other directives."""
    lines = ["def parse(text):", " n = len(text)", " a = 0"]
    names = {"_PAIRS": _PAIRS}
    fields = {"Y": "1900", "m": "1", "d": "1", "H": "0", "M": "0", "S": "0", "f": "0"}
    for token in tokens:
        kind = token[0]
        if kind == "lit":
            c = token[1]
            lines.append(" if a >= n or (text[a] != %r and text[a].lower() != %r): return None" % (c, c))
            lines.append(" a += 1")
        elif kind == "space":
            lines.append(" b = a")
            lines.append(" while b < n and text[b].isspace(): b += 1")
            lines.append(" if b == a: return None")
            lines.append(" a = b")
        else:
            code = token[1]
            if code not in _SIMPLE_FIELDS:
                return None
            name = _SIMPLE_FIELDS[code]
            fields[name] = name
            if code in "Yy":
                width = 4 if code == "Y" else 2
                lines.append(" if a + %d > n: return None" % width)
                lines.append(" v = 0")
                for i in range(width):
                    lines.append(" c = text[a + %d]" % i)
                    lines.append(" if not '0' <= c <= '9': return None")
                    lines.append(" v = v * 10 + ord(c) - 48")
                lines.append(" %s = v" % name)
                if code == "y":
                    lines.append(" Y += 2000 if Y <= 68 else 1900")
                lines.append(" a += %d" % width)
            elif code == "f":
                lines.append(" b = a")
                lines.append(" v = 0")
                lines.append(" while b < n and b - a < 6 and '0' <= text[b] <= '9':")
                lines.append("  v = v * 10 + ord(text[b]) - 48")
                lines.append("  b += 1")
                lines.append(" if b == a: return None")
                lines.append(" f = v * (1, 100000, 10000, 1000, 100, 10, 1)[b - a]")
                lines.append(" a = b")
            else:
                if code not in _PAIRS:
                    _PAIRS[code] = _pair_table(code)
                lines.append(" if a >= n: return None")
                lines.append(" c = text[a]")
                lines.append(" row = _PAIRS[%r].get(c)" % code)
                lines.append(" if row is None: return None")
                lines.append(" d1 = text[a + 1] if a + 1 < n else ''")
                lines.append(" w = row[0].get(d1) or row[1]")
                lines.append(" if w is None: return None")
                lines.append(" v = 0 if c == ' ' else ord(c) - 48")
                lines.append(" %s = v * 10 + ord(d1) - 48 if w == 2 else v" % name)
                lines.append(" a += w")
    lines.append(" if a != n: return None")
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
    if type(text) is not str:
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
        value = text[span[0]:span[1]]
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
            microsecond = int(value + "000000"[len(value):])
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
            raise ValueError("Day of the year directive '%j' is not compatible with ISO year directive '%G'. "
                             "Use '%Y' instead.")
        if iso_week is None or weekday is None:
            raise ValueError("ISO year directive '%G' must be used with the ISO week directive '%V' and a "
                             "weekday directive ('%A', '%a', '%w', or '%u').")
    elif iso_week is not None:
        if year is None or weekday is None:
            raise ValueError("ISO week directive '%V' must be used with the ISO year directive '%G' and a "
                             "weekday directive ('%A', '%a', '%w', or '%u').")
        raise ValueError("ISO week directive '%V' is incompatible with the year directive '%Y'. "
                         "Use the ISO year '%G' instead.")
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
        return _delta(0)
    value = found
    if value[3:4] == ":":
        value = value[:3] + value[4:]
        if len(value) > 5:
            if value[5] != ":":
                raise ValueError("Inconsistent use of : in %s" % found)
            value = value[:5] + value[6:]
    seconds = int(value[1:3]) * 3600 + int(value[3:5]) * 60 + int(value[5:7] or 0)
    fraction = value[8:]
    us = seconds * 1000000 + (int(fraction + "000000"[len(fraction):]) if fraction else 0)
    return _delta(-us if value[0] == "-" else us)
