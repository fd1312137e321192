"""Column types no server here sends, unshaken against mysqlclient: MySQL's JSON type
(charset binary), the ENUM and SET type codes, beside the STRING/BLOB columns MariaDB
uses for them, with use_unicode on and off and with a converter removed from the live
``conn.converter``. Values, their types, ``description`` and ``description_flags``
must match exactly. A scripted server (tests/fake_wire.py) plays the server."""

import pytest
from fake_wire import FakeServer, column, result_set

MySQLdb = pytest.importorskip("MySQLdb")

import unshaken
from unshaken.constants import FIELD_TYPE, FLAG

BINARY, UTF8MB4 = 63, 45
COLUMNS = [
    column(b"json", FIELD_TYPE.JSON, BINARY, 0xFFFFFFFF, FLAG.BLOB | FLAG.BINARY),
    column(b"enum", FIELD_TYPE.ENUM, UTF8MB4, 4, FLAG.ENUM),
    column(b"set", FIELD_TYPE.SET, UTF8MB4, 12, FLAG.SET),
    column(b"enum_string", FIELD_TYPE.STRING, UTF8MB4, 4, FLAG.ENUM),
    column(b"mariadb_json", FIELD_TYPE.BLOB, UTF8MB4, 0xFFFFFFFF, FLAG.BLOB),
    column(b"bin", FIELD_TYPE.VAR_STRING, BINARY, 10, FLAG.BINARY),
    column(b"bin_collation", FIELD_TYPE.VAR_STRING, UTF8MB4, 40, FLAG.BINARY),
    column(b"n", FIELD_TYPE.LONG, BINARY, 11, FLAG.NOT_NULL | FLAG.NUM),
    column(b"ts", FIELD_TYPE.TIMESTAMP, BINARY, 19, FLAG.BINARY),
    column(b"y", FIELD_TYPE.YEAR, BINARY, 4, FLAG.UNSIGNED),
]
ROWS = [
    [b'{"a": 1}', b"a", b"a,b", b"e", b"{}", b"\x00\xff", "é".encode(), b"7",
     b"2020-01-02 03:04:05", b"2024"],
    [None, b"bb", b"", b"ee", b'[1, "\xc3\xa9"]', b"x", b"y", b"-1", None, b"1999"],
]


@pytest.fixture(scope="module")
def server():
    srv = FakeServer({b"COLTYPES": result_set(COLUMNS, ROWS)})
    yield srv
    srv.close()


def fetch(mod, server, drop=(), **kwargs):
    conn = mod.connect(host="127.0.0.1", port=server.port, user="u", connect_timeout=5,
                       **kwargs)
    try:
        for type_code in drop:  # as a user may, after connecting
            del conn.converter[type_code]
        cur = conn.cursor()
        cur.execute("SELECT /* COLTYPES */ 1")
        rows = [[(type(v).__name__, v) for v in row] for row in cur.fetchall()]
        return rows, cur.description, cur.description_flags
    finally:
        conn.close()


@pytest.mark.parametrize("use_unicode", [True, False])
def test_types_values_and_description_match_mysqlclient(server, use_unicode):
    theirs = fetch(MySQLdb, server, use_unicode=use_unicode)
    ours = fetch(unshaken, server, use_unicode=use_unicode, ssl_mode="DISABLED")
    assert ours == theirs
    # mysqlclient has no converter for the ENUM and SET type codes: bytes either way;
    # JSON is text with use_unicode even though its charset is binary.
    assert ours[0][0][1:3] == [("bytes", b"a"), ("bytes", b"a,b")]
    assert ours[0][0][0] == (("str", '{"a": 1}') if use_unicode else ("bytes", b'{"a": 1}'))


def test_a_type_without_converter_is_bytes_as_in_mysqlclient(server):
    drop = (FIELD_TYPE.VAR_STRING, FIELD_TYPE.BLOB, FIELD_TYPE.JSON)
    theirs = fetch(MySQLdb, server, drop=drop)
    ours = fetch(unshaken, server, drop=drop, ssl_mode="DISABLED")
    assert ours == theirs
    assert ours[0][0][0] == ("bytes", b'{"a": 1}')
