"""Round trip of every MariaDB 10.11 column type: insert through parameters, select
back, compare value AND type with what mysqlclient 2.x returns (checked against it)."""

import datetime as dt
import struct
from decimal import Decimal

import pytest

D, DT, TD = dt.date, dt.datetime, dt.timedelta

# (id, column type, value to insert, expected value; placeholder defaults to %s)
CASES = [
    ("tinyint-min", "TINYINT", -128, -128),
    ("tinyint-max", "TINYINT", 127, 127),
    ("tinyint-u-max", "TINYINT UNSIGNED", 255, 255),
    ("smallint-min", "SMALLINT", -32768, -32768),
    ("smallint-u-max", "SMALLINT UNSIGNED", 65535, 65535),
    ("mediumint-min", "MEDIUMINT", -8388608, -8388608),
    ("mediumint-u-max", "MEDIUMINT UNSIGNED", 16777215, 16777215),
    ("int-min", "INT", -2147483648, -2147483648),
    ("int-max", "INT", 2147483647, 2147483647),
    ("int-u-max", "INT UNSIGNED", 4294967295, 4294967295),
    ("bigint-min", "BIGINT", -(2**63), -(2**63)),
    ("bigint-max", "BIGINT", 2**63 - 1, 2**63 - 1),
    ("bigint-u-max", "BIGINT UNSIGNED", 2**64 - 1, 2**64 - 1),
    ("bool", "BOOLEAN", True, 1),
    ("decimal", "DECIMAL(10,2)", Decimal("-12345678.90"), Decimal("-12345678.90")),
    ("decimal-scale", "DECIMAL(10,2)", Decimal("1.5"), Decimal("1.50")),
    ("decimal-65", "DECIMAL(65,30)", Decimal("1" * 35 + "." + "9" * 30),
     Decimal("1" * 35 + "." + "9" * 30)),
    ("decimal-zero-scale", "DECIMAL(5,0)", 12345, Decimal(12345)),
    ("float", "FLOAT", 1.5, 1.5),
    ("float-tenth", "FLOAT", 0.1, 0.1),
    ("double", "DOUBLE", 0.1, 0.1),
    ("double-big", "DOUBLE", 1.7976931348623157e308, 1.7976931348623157e308),
    ("double-neg", "DOUBLE", -2.5e-300, -2.5e-300),
    ("bit1", "BIT(1)", 1, b"\x01"),
    ("bit10", "BIT(10)", 5, b"\x00\x05"),
    ("bit64", "BIT(64)", 2**64 - 1, b"\xff" * 8),
    ("date", "DATE", D(2024, 2, 29), D(2024, 2, 29)),
    ("date-min", "DATE", D(1, 1, 1), D(1, 1, 1)),
    ("date-max", "DATE", D(9999, 12, 31), D(9999, 12, 31)),
    ("datetime", "DATETIME", DT(2024, 1, 2, 3, 4, 5), DT(2024, 1, 2, 3, 4, 5)),
    # MariaDB truncates extra fractional digits (unless sql_mode has TIME_ROUND_FRACTIONAL).
    ("datetime-truncates", "DATETIME", DT(2024, 1, 2, 3, 4, 5, 600000), DT(2024, 1, 2, 3, 4, 5)),
    ("datetime6", "DATETIME(6)", DT(2024, 1, 2, 3, 4, 5, 123456),
     DT(2024, 1, 2, 3, 4, 5, 123456)),
    ("datetime6-max", "DATETIME(6)", DT(9999, 12, 31, 23, 59, 59, 999999),
     DT(9999, 12, 31, 23, 59, 59, 999999)),
    ("datetime3", "DATETIME(3)", DT(2024, 1, 2, 3, 4, 5, 123000), DT(2024, 1, 2, 3, 4, 5, 123000)),
    ("timestamp", "TIMESTAMP NULL", DT(2030, 6, 7, 8, 9, 10), DT(2030, 6, 7, 8, 9, 10)),
    ("timestamp6", "TIMESTAMP(6) NULL", DT(2030, 6, 7, 8, 9, 10, 5), DT(2030, 6, 7, 8, 9, 10, 5)),
    ("time", "TIME", TD(hours=12, minutes=34, seconds=56), TD(hours=12, minutes=34, seconds=56)),
    ("time-over-24h", "TIME", TD(hours=100, seconds=1), TD(hours=100, seconds=1)),
    ("time-max", "TIME", TD(hours=838, minutes=59, seconds=59), TD(hours=838, minutes=59, seconds=59)),
    ("time-negative", "TIME", -TD(hours=1, minutes=2, seconds=3), -TD(hours=1, minutes=2, seconds=3)),
    ("time-min", "TIME", -TD(hours=838, minutes=59, seconds=59),
     -TD(hours=838, minutes=59, seconds=59)),
    ("time6", "TIME(6)", TD(seconds=1, microseconds=500000), TD(seconds=1, microseconds=500000)),
    ("time6-negative", "TIME(6)", -TD(seconds=1, microseconds=250000),
     -TD(seconds=1, microseconds=250000)),
    ("year", "YEAR", 2024, 2024),
    ("year-min", "YEAR", 1901, 1901),
    ("char", "CHAR(10)", "abc", "abc"),  # trailing pad removed, as the server does
    ("varchar-unicode", "VARCHAR(100)", "héllo € 😀", "héllo € 😀"),
    ("varchar-empty", "VARCHAR(10)", "", ""),
    ("varchar-latin1", "VARCHAR(10) CHARACTER SET latin1", "é", "é"),
    ("varchar-binary-charset", "VARCHAR(10) CHARACTER SET binary", b"\x00\xff", b"\x00\xff"),
    ("binary", "BINARY(4)", b"\x00\x01\x02\x03", b"\x00\x01\x02\x03"),
    ("binary-padded", "BINARY(4)", b"a", b"a\x00\x00\x00"),
    ("varbinary", "VARBINARY(10)", b"\xff\x00'\\", b"\xff\x00'\\"),
    ("tinyblob", "TINYBLOB", b"\x00" * 255, b"\x00" * 255),
    ("blob", "BLOB", bytes(range(256)) * 4, bytes(range(256)) * 4),
    ("mediumblob", "MEDIUMBLOB", b"m" * 70000, b"m" * 70000),
    ("longblob", "LONGBLOB", b"l" * 100000, b"l" * 100000),
    ("tinytext", "TINYTEXT", "t" * 255, "t" * 255),
    ("text", "TEXT", "ü" * 1000, "ü" * 1000),
    ("mediumtext", "MEDIUMTEXT", "m" * 70000, "m" * 70000),
    ("longtext", "LONGTEXT", "😀" * 30000, "😀" * 30000),
    ("enum", "ENUM('a','bb','ccc')", "bb", "bb"),
    ("set", "SET('a','b','c')", "a,c", "a,c"),
    ("set-empty", "SET('a','b','c')", "", ""),
    ("json", "JSON", '{"a": [1, 2.5, null]}', '{"a": [1, 2.5, null]}'),
    ("inet4", "INET4", "192.168.0.1", "192.168.0.1"),
    ("inet6", "INET6", "2001:db8::1", "2001:db8::1"),
    ("inet6-mapped", "INET6", "::ffff:1.2.3.4", "::ffff:1.2.3.4"),
    ("uuid", "UUID", "123e4567-e89b-12d3-a456-426614174000", "123e4567-e89b-12d3-a456-426614174000"),
]

# Geometry: inserted from WKT; comes back as the server's internal format: a 4-byte
# SRID then WKB, as bytes.
_POINT_WKB = struct.pack("<IBIdd", 0, 1, 1, 1.0, 2.0)
GEOMETRY_CASES = [
    ("geometry", "GEOMETRY", "POINT(1 2)", _POINT_WKB),
    ("point", "POINT", "POINT(1 2)", _POINT_WKB),
]

COLUMN_TYPES = sorted({c[1] for c in CASES + GEOMETRY_CASES})


@pytest.fixture
def roundtrip(conn):
    cur = conn.cursor()

    def _rt(coltype, value, placeholder="%s"):
        cur.execute("DROP TEMPORARY TABLE IF EXISTS t_types")
        # Explicit charset: a fresh server defaults to latin1.
        cur.execute(f"CREATE TEMPORARY TABLE t_types (c {coltype}) DEFAULT CHARSET=utf8mb4")
        cur.execute(f"INSERT INTO t_types (c) VALUES ({placeholder})", (value,))
        cur.execute("SELECT c FROM t_types")
        rows = cur.fetchall()
        assert len(rows) == 1
        return rows[0][0]

    return _rt


def _same(got, want):
    return type(got) is type(want) and got == want


@pytest.mark.parametrize("coltype,value,expected", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_roundtrip(roundtrip, coltype, value, expected):
    got = roundtrip(coltype, value)
    assert _same(got, expected), f"{coltype}: got {got!r} ({type(got).__name__})"


@pytest.mark.parametrize("coltype,wkt,expected", [c[1:] for c in GEOMETRY_CASES],
                         ids=[c[0] for c in GEOMETRY_CASES])
def test_geometry(roundtrip, coltype, wkt, expected):
    got = roundtrip(coltype, wkt, placeholder="ST_GeomFromText(%s)")
    assert _same(got, expected), f"{coltype}: got {got!r}"


@pytest.mark.parametrize("coltype", COLUMN_TYPES)
def test_null(roundtrip, coltype):
    assert roundtrip(coltype, None) is None


@pytest.mark.parametrize(
    "coltype,literal",
    [
        ("DATE", "0000-00-00"),
        ("DATE", "2024-00-10"),
        ("DATETIME", "0000-00-00 00:00:00"),
        ("DATETIME(6)", "0000-00-00 00:00:00.000000"),
        ("TIMESTAMP NULL", "0000-00-00 00:00:00"),
    ],
)
def test_zero_dates_are_none(conn, coltype, literal):
    cur = conn.cursor()
    cur.execute("SET SESSION sql_mode = ''")  # lets the server store zero dates
    cur.execute(f"CREATE TEMPORARY TABLE t_zero (c {coltype})")
    cur.execute("INSERT INTO t_zero VALUES (%s)", (literal,))
    cur.execute("SELECT c, CAST(c AS CHAR) FROM t_zero")
    value, text = cur.fetchone()
    assert text.startswith(literal[:10])  # stored as given, not converted by the server
    assert value is None


def test_expression_types(conn):
    # Values computed by the server, not read from columns.
    cur = conn.cursor()
    cur.execute(
        "SELECT 1, 2.5, 1e0, 'x', X'00ff', NOW() > '2000-01-01', DATE('2024-01-02'), "
        "CAST('10:00:00' AS TIME), CAST(1 AS UNSIGNED), NULL, _binary'b'"
    )
    assert [(type(v), v) for v in cur.fetchone()] == [
        (int, 1), (Decimal, Decimal("2.5")), (float, 1.0), (str, "x"), (bytes, b"\x00\xff"),
        (int, 1), (D, D(2024, 1, 2)), (TD, TD(hours=10)), (int, 1), (type(None), None),
        (bytes, b"b"),
    ]
