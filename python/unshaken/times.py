"""Date and time helpers, as MySQLdb.times.

The ``*_or_None`` parsers turn the server's text form into ``datetime``
objects and give None for values Python cannot hold, most notably the zero
date ``0000-00-00``. The ``*2literal`` encoders go the other way.
"""

from datetime import date, datetime, time, timedelta
from time import localtime

from ._escape import string_literal

__all__ = [
    "Date",
    "DateFromTicks",
    "DateTime2literal",
    "DateTimeDelta2literal",
    "DateTimeDeltaType",
    "DateTimeType",
    "DateTime_or_None",
    "Date_or_None",
    "Time",
    "TimeDelta",
    "TimeDelta_or_None",
    "TimeFromTicks",
    "Time_or_None",
    "Timestamp",
    "TimestampFromTicks",
    "format_DATE",
    "format_TIME",
    "format_TIMEDELTA",
    "format_TIMESTAMP",
]

Date = date
Time = time
TimeDelta = timedelta
Timestamp = datetime

DateTimeDeltaType = timedelta
DateTimeType = datetime


def DateFromTicks(ticks):
    """Local date of a UNIX timestamp."""
    return date(*localtime(ticks)[:3])


def TimeFromTicks(ticks):
    """Local time of day of a UNIX timestamp (whole seconds)."""
    return time(*localtime(ticks)[3:6])


def TimestampFromTicks(ticks):
    """Local date and time of a UNIX timestamp (whole seconds)."""
    return datetime(*localtime(ticks)[:6])


format_DATE = format_TIME = str


def format_TIMEDELTA(v):
    """A timedelta as MySQL TIME text: ``'D H:M:S'`` with an optional
    ``.ffffff`` and a leading ``-`` for negative values.

    MySQLdb formats ``v.days`` and ``v.seconds`` directly, which turns
    ``timedelta(seconds=-1)`` into ``'-1 23:59:59'`` (almost -48 hours) and
    drops microseconds. We format the magnitude and put the sign in front;
    for non-negative values without microseconds the text is the same.
    """
    sign = "-" if v < timedelta(0) else ""
    v = abs(v)
    minutes, seconds = divmod(v.seconds, 60)
    hours, minutes = divmod(minutes, 60)
    text = f"{sign}{v.days} {hours}:{minutes}:{seconds}"
    if v.microseconds:
        text += f".{v.microseconds:06d}"
    return text


def format_TIMESTAMP(d):
    """A datetime as ``YYYY-MM-DD HH:MM:SS[.ffffff]`` (tzinfo is ignored)."""
    text = (
        f"{d.year:04d}-{d.month:02d}-{d.day:02d} "
        f"{d.hour:02d}:{d.minute:02d}:{d.second:02d}"
    )
    if d.microsecond:
        text += f".{d.microsecond:06d}"
    return text


def _fraction_to_micros(frac):
    """'5' -> 500000, '123456' -> 123456; None when it has too many digits."""
    if not frac:
        return 0
    if len(frac) > 6:
        return None
    return int(frac) * 10 ** (6 - len(frac))


def DateTime_or_None(s):
    """Parse ``YYYY-MM-DD[ HH:MM:SS[.f]]``; None for zero or invalid values."""
    if len(s) < 11:
        return Date_or_None(s)
    try:
        micros = _fraction_to_micros(s[20:])
        if micros is None:
            return None
        return datetime(
            int(s[:4]), int(s[5:7]), int(s[8:10]),
            int(s[11:13] or 0), int(s[14:16] or 0), int(s[17:19] or 0),
            micros,
        )
    except ValueError:
        return None


def _split_hms(s):
    """'H:M:S[.f]' -> (h, m, s, micros) strings/ints; raises ValueError."""
    hours, minutes, seconds = s.split(":")
    seconds, _, frac = seconds.partition(".")
    micros = int(frac.ljust(6, "0")) if frac else 0
    return hours, int(minutes), int(seconds), micros


def TimeDelta_or_None(s):
    """Parse MySQL TIME text (may be negative or over 24h) into a timedelta."""
    try:
        hours, minutes, seconds, micros = _split_hms(s)
        delta = timedelta(
            hours=abs(int(hours)), minutes=minutes, seconds=seconds, microseconds=micros
        )
    except ValueError:
        return None
    # The sign applies to the whole value, including '-00:00:01'.
    return -delta if hours.startswith("-") else delta


def Time_or_None(s):
    """Parse ``HH:MM:SS[.f]`` into a time of day; None if out of range."""
    try:
        hours, minutes, seconds, micros = _split_hms(s)
        return time(int(hours), minutes, seconds, micros)
    except ValueError:
        return None


def Date_or_None(s):
    """Parse ``YYYY-MM-DD``; None for the zero date and other invalid dates."""
    try:
        return date(int(s[:4]), int(s[5:7]), int(s[8:10]))
    except ValueError:
        return None


def DateTime2literal(d, c):
    """Encoder for datetime: a quoted timestamp literal."""
    return string_literal(format_TIMESTAMP(d))


def DateTimeDelta2literal(d, c):
    """Encoder for timedelta: a quoted TIME literal."""
    return string_literal(format_TIMEDELTA(d))
