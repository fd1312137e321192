from datetime import datetime
from decimal import Decimal

import pytest
from unshaken import (
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    connections,
    converters,
    cursors,
)
from unshaken.constants import CLIENT, FIELD_TYPE


def native_kwargs(conn):
    return conn._conn.kwargs


def test_defaults(conn):
    kw = native_kwargs(conn)
    assert kw["charset"] == "utf8mb4" and conn.encoding == "utf8"
    assert kw["port"] == 3306 and kw["user"] == b"" and kw["database"] is None
    assert kw["client_flag"] == CLIENT.MULTI_RESULTS | CLIENT.MULTI_STATEMENTS
    assert kw["conv"] is conn.converter
    assert conn.cursorclass is cursors.Cursor
    assert conn.messages == []
    # PEP 249: autocommit off after connecting
    assert conn._conn.autocommit_calls == [False]
    assert conn.get_autocommit() is False


def test_aliases_and_credentials(make_conn):
    conn = make_conn(db="app", passwd="pw", user="u", host="h", port=3307,
                     client_flag=CLIENT.FOUND_ROWS, multi_statements=False)
    kw = native_kwargs(conn)
    assert (kw["database"], kw["password"], kw["user"], kw["host"]) == (b"app", b"pw", b"u", "h")
    assert kw["client_flag"] == CLIENT.FOUND_ROWS | CLIENT.MULTI_RESULTS
    assert (conn.db, conn.database, conn.host, conn.port) == ("app", "app", "h", 3307)


def test_positional_arguments(make_conn):
    conn = make_conn()
    conn2 = connections.Connection("h", "u", "pw", "db")
    assert native_kwargs(conn2)["database"] == b"db"
    conn.close()


def test_unknown_and_duplicate_arguments(make_conn):
    with pytest.raises(TypeError, match="invalid keyword"):
        make_conn(hostname="x")
    with pytest.raises(TypeError):
        connections.Connection("h", host="h")


def test_autocommit_none_keeps_server_default(make_conn):
    conn = make_conn(autocommit=None)
    assert conn._conn.autocommit_calls == []
    conn.autocommit(True)  # already on: no round trip
    assert conn._conn.autocommit_calls == []


def test_session_setup_queries(make_conn):
    conn = make_conn(init_command="SET @x=1", collation="utf8mb4_bin", sql_mode="ANSI")
    assert conn._conn.log == [
        b"SET @x=1",
        b"SET NAMES utf8mb4 COLLATE utf8mb4_bin",
        b"SET SESSION sql_mode='ANSI'",
    ]
    assert conn._server_version == (10, 11)


def test_use_unicode_converters(make_conn):
    conn = make_conn()
    assert conn.converter[FIELD_TYPE.VAR_STRING] == converters._bytes_or_str
    assert conn.converter[FIELD_TYPE.JSON] is str
    assert converters.conversions[FIELD_TYPE.VAR_STRING] is bytes  # shared dict untouched
    raw = make_conn(use_unicode=False)
    assert raw.converter[FIELD_TYPE.VAR_STRING] is bytes


def test_custom_conv_is_copied(make_conn):
    conv = dict(converters.conversions)
    conv[FIELD_TYPE.LONG] = [(None, float)]
    conn = make_conn(conv=conv, use_unicode=False)
    assert conn.converter[FIELD_TYPE.LONG] == [(None, float)]
    assert conn.converter[FIELD_TYPE.LONG] is not conv[FIELD_TYPE.LONG]
    assert FIELD_TYPE.LONG not in conn.encoders and int in conn.encoders


def test_literal(conn):
    assert conn.literal("it's") == b"'it\\'s'"
    assert conn.literal(b"\x00") == b"'\\0'"
    assert conn.literal(bytearray(b"a")) == b"'a'"
    assert conn.literal((1, None, "x")) == b"(1,NULL,'x')"
    assert conn.literal(3) == b"3"
    assert conn.literal(Decimal("2.50")) == b"2.50"
    assert conn.literal(datetime(2020, 1, 1)) == b"'2020-01-01 00:00:00'"
    assert conn.literal(object.__new__(type("X", (), {"__str__": lambda s: "o'k"}))) == b"'o\\'k'"
    assert conn.escape_string("a'b") == b"a\\'b"
    assert conn.string_literal(5) == b"'5'"


def test_binary_prefix(make_conn):
    conn = make_conn(binary_prefix=True)
    assert conn.literal(b"ab") == b"_binary'ab'"
    assert conn.literal("ab") == b"'ab'"


def test_close_twice_raises_like_mysqldb(conn):
    conn.close()
    assert conn.open == 0
    with pytest.raises(OperationalError) as info:
        conn.close()
    assert info.value.args == (2006, "")
    with pytest.raises(OperationalError):
        conn.ping()
    assert conn.literal("x") == b"'x'"  # quoting still works, as in MySQLdb


def test_context_manager_closes(make_conn):
    with make_conn() as conn:
        assert conn.open == 1
    assert conn.open == 0


def test_transactions_and_misc(conn):
    conn.begin()
    conn.commit()
    conn.rollback()
    conn.kill(12)
    conn.select_db("other")
    assert conn._conn.log[-5:] == [b"BEGIN", b"COMMIT", b"ROLLBACK", b"KILL 12", b"USE other"]
    assert conn.thread_id() == 7
    conn.query(bytearray(b"DO 1"))
    assert conn._conn.log[-1] == b"DO 1"


def test_set_character_set(conn):
    conn.set_character_set("utf8mb4")  # unchanged: no round trip
    n = len(conn._conn.log)
    conn.set_character_set("latin1")
    assert conn._conn.log[n:] == [b"SET NAMES latin1"]
    assert conn.encoding == "cp1252"


@pytest.mark.parametrize("kwargs", [
    {"ssl": {"ca": "/x"}},
    {"ssl": True},
    {"ssl_mode": "REQUIRED"},
    {"ssl_mode": "bogus"},
    {"named_pipe": True},
])
def test_refused_options(make_conn, kwargs):
    with pytest.raises(NotSupportedError):
        make_conn(**kwargs)


def test_tolerated_options(make_conn):
    make_conn(ssl_mode="PREFERRED", compress=True, auth_plugin="x", local_infile=1)


def test_exception_attributes(conn):
    assert conn.ProgrammingError is ProgrammingError
    assert "open to" in repr(conn)


def test_numeric_part():
    assert connections.numeric_part("20-alpha") == 20
    assert connections.numeric_part("foo") is None
