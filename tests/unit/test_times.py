from datetime import date, datetime, time, timedelta

import pytest
from unshaken import times


@pytest.mark.parametrize("text,expected", [
    ("2024-02-29 13:14:15", datetime(2024, 2, 29, 13, 14, 15)),
    ("2024-02-29 13:14:15.5", datetime(2024, 2, 29, 13, 14, 15, 500000)),
    ("2024-02-29 13:14:15.000123", datetime(2024, 2, 29, 13, 14, 15, 123)),
    ("2024-02-29 13:14:15.1234567", None),  # more than 6 digits
    ("2024-02-29", date(2024, 2, 29)),  # short -> a date
    ("0000-00-00 00:00:00", None),
    ("0000-00-00", None),
    ("2023-02-29 00:00:00", None),
    ("2024-02-29 13", datetime(2024, 2, 29, 13)),
])
def test_datetime_or_none(text, expected):
    assert times.DateTime_or_None(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("12:34:56", timedelta(hours=12, minutes=34, seconds=56)),
    ("838:59:59", timedelta(hours=838, minutes=59, seconds=59)),
    ("-838:59:59", -timedelta(hours=838, minutes=59, seconds=59)),
    ("-00:00:01", timedelta(seconds=-1)),
    ("00:00:00.5", timedelta(microseconds=500000)),
    ("-01:00:00.000001", -timedelta(hours=1, microseconds=1)),
    ("garbage", None),
    ("1:2", None),
])
def test_timedelta_or_none(text, expected):
    assert times.TimeDelta_or_None(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("12:34:56", time(12, 34, 56)),
    ("12:34:56.25", time(12, 34, 56, 250000)),
    ("25:00:00", None),
    ("-01:00:00", None),
])
def test_time_or_none(text, expected):
    assert times.Time_or_None(text) == expected


def test_date_or_none():
    assert times.Date_or_None("2000-01-31") == date(2000, 1, 31)
    assert times.Date_or_None("0000-00-00") is None
    assert times.Date_or_None("2000-13-01") is None


@pytest.mark.parametrize("value,text", [
    (timedelta(hours=1, minutes=2, seconds=3), "0 1:2:3"),
    (timedelta(days=2, hours=3), "2 3:0:0"),
    (timedelta(seconds=-1), "-0 0:0:1"),
    (timedelta(hours=-25, microseconds=-5), "-1 1:0:0.000005"),
    (timedelta(microseconds=120), "0 0:0:0.000120"),
])
def test_format_timedelta(value, text):
    assert times.format_TIMEDELTA(value) == text


def test_format_timedelta_round_trips_through_the_parser_for_negative_values():
    # The server reads 'D H:M:S' with the sign on the whole value.
    assert times.format_TIMEDELTA(timedelta(seconds=-1)).startswith("-")


def test_format_timestamp():
    assert times.format_TIMESTAMP(datetime(5, 1, 2, 3, 4, 5)) == "0005-01-02 03:04:05"
    assert times.format_TIMESTAMP(datetime(2024, 1, 2, 3, 4, 5, 60)) == "2024-01-02 03:04:05.000060"


def test_literals():
    assert times.DateTime2literal(datetime(2024, 1, 2, 3, 4, 5), None) == b"'2024-01-02 03:04:05'"
    assert times.DateTimeDelta2literal(timedelta(hours=30), None) == b"'1 6:0:0'"


def test_ticks():
    assert times.DateFromTicks(0) == date.fromtimestamp(0)
    assert times.TimestampFromTicks(86400.7) == datetime.fromtimestamp(86400).replace(microsecond=0)
    assert times.TimeFromTicks(0) == datetime.fromtimestamp(0).time()


def test_aliases():
    assert times.Date is date and times.Time is time and times.Timestamp is datetime
    assert times.DateTimeType is datetime and times.DateTimeDeltaType is timedelta
