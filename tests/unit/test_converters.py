import array
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from unshaken import ProgrammingError, converters, escape, escape_string, string_literal, times
from unshaken.constants import FIELD_TYPE, FLAG

conv = converters.conversions


def lit(value):
    return escape(value, conv)


def test_encoder_keys_match_mysqldb():
    encoders = {k for k in conv if not isinstance(k, int)}
    assert encoders == {int, float, type(None), array.array, bool, date, datetime,
                        timedelta, set, Decimal}


def test_decoder_table():
    assert conv[FIELD_TYPE.LONGLONG] is int and conv[FIELD_TYPE.YEAR] is int
    assert conv[FIELD_TYPE.DOUBLE] is float
    assert conv[FIELD_TYPE.NEWDECIMAL] is Decimal
    assert conv[FIELD_TYPE.DATETIME] is times.DateTime_or_None
    assert conv[FIELD_TYPE.TIME] is times.TimeDelta_or_None
    assert conv[FIELD_TYPE.DATE] is times.Date_or_None
    for t in ("BLOB", "STRING", "VAR_STRING", "VARCHAR", "JSON"):
        assert conv[getattr(FIELD_TYPE, t)] is bytes
    for t in ("BIT", "ENUM", "SET", "GEOMETRY", "NULL"):
        assert getattr(FIELD_TYPE, t) not in conv  # passed through as bytes
    assert converters._bytes_or_str == ((FLAG.BINARY, bytes), (None, str))


@pytest.mark.parametrize("value,expected", [
    (1, "1"),
    (-12345678901234567890, "-12345678901234567890"),
    (True, b"1"),
    (False, b"0"),
    (None, b"NULL"),
    (1.5, "1.5e0"),
    (1e100, "1e+100"),
    (Decimal("1.10"), "1.10"),
    (Decimal("1E+3"), "1000"),
    (date(2024, 1, 2), b"'2024-01-02'"),
    (datetime(2024, 1, 2, 3, 4, 5, 6), b"'2024-01-02 03:04:05.000006'"),
    (timedelta(minutes=90), b"'0 1:30:0'"),
    ({"a"}, b"'a'"),
    (array.array("b", b"x'y"), b"'x\\'y'"),
])
def test_encoders(value, expected):
    assert lit(value) == expected


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
def test_float_specials_are_refused(value):
    with pytest.raises(ProgrammingError):
        lit(value)


def test_unknown_types_become_string_literals():
    assert lit(time(1, 2, 3)) == b"'01:02:03'"

    class MyInt(int):
        pass

    assert lit(MyInt(5)) == b"'5'"  # exact-type lookup, as MySQLdb


def test_escape_string_specials():
    assert escape_string(b"\0\n\r\\'\"\x1a") == b"\\0\\n\\r\\\\\\'\\\"\\Z"
    assert escape_string("é'") == "é\\'".encode()
    assert string_literal(b"it's") == b"'it\\'s'"
    assert string_literal(12) == b"'12'"


def test_mysqldb1_helpers():
    assert converters.escape_sequence((1, "a", None), conv) == "(1,'a',NULL)"
    assert converters.escape_dict({"k": 2}, conv) == {"k": "2"}
