"""The core's fast literal path must give exactly what Connection.literal() gives."""

import datetime
import decimal

import pytest

pytestmark = pytest.mark.unshaken_only

VALUES = [
    "plain", "it's", 'q"uote', "back\\slash", "nul\x00byte", "ctrl-z\x1a", "é ✓ 🙂", "",
    b"", b"\x00\xff'\\", bytearray(b"ba"), 0, -1, 2**63 - 1, -(2**63), 2**64, 10**30, None,
    True, False, 1.5, -0.0, decimal.Decimal("1.10"), datetime.date(2020, 1, 2),
    datetime.datetime(2020, 1, 2, 3, 4, 5, 6), datetime.timedelta(hours=-1, seconds=3),
    (1, "a"), [None, b"x"],
]


def same(conn, values=VALUES):
    assert conn.literals(values) == tuple(map(conn.literal, values))


def test_defaults(conn):
    same(conn)


def test_no_backslash_escapes(conn):
    conn.cursor().execute("SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'")
    same(conn)
    assert conn.literals(["a\\'b"]) == (b"'a\\''b'",)


def test_other_charset_and_binary_prefix(connect):
    same(connect(charset="latin1"), [v for v in VALUES if v not in ("é ✓ 🙂",)])
    conn = connect(binary_prefix=True)
    same(conn)
    assert conn.literals([b"x"]) == (b"_binary'x'",)


def test_encoder_overrides_are_honoured(conn):
    conn.encoders[int] = lambda o, d: b"42"
    assert conn.literals([1, None]) == (b"42", b"NULL")


def test_round_trip_through_the_server(conn):
    cur = conn.cursor()
    strings = [v for v in VALUES if isinstance(v, str)]
    cur.execute("SELECT " + ",".join(["%s"] * len(strings)), strings)
    assert cur.fetchone() == tuple(strings)
