"""Connection and cursor behaviour (MySQLdb's API) checked on a real server.

What was sent is read back from the server (session variables, rows, ``stats()``
query counts) or from ``cursor._executed``, which MySQLdb also keeps. Expected
values are mysqlclient's (run with ``UNSHAKEN_TEST_DRIVER=mysqlclient`` to check);
``unshaken_only`` marks unshaken's extensions and deliberate differences.
"""

import os
from datetime import datetime
from decimal import Decimal

import pytest


@pytest.fixture
def table(cursor):
    cursor.execute(
        "CREATE TEMPORARY TABLE t_api (id INT AUTO_INCREMENT PRIMARY KEY, a INT, b VARCHAR(20))"
    )
    return "t_api"


@pytest.fixture
def cursors(driver):
    return pytest.importorskip(f"{driver.__name__}.cursors")


def one(conn, sql):
    cur = conn.cursor()
    cur.execute(sql)
    (value,) = cur.fetchone()
    cur.close()
    return value


def queries(conn):
    return conn.stats()["queries"]


# -- connect() arguments ----------------------------------------------------------------


def test_defaults(driver_name, conn, cursors):
    assert conn.character_set_name() == "utf8mb4"
    assert one(conn, "SELECT @@character_set_client") == "utf8mb4"
    assert conn.messages == []
    assert conn.cursorclass is cursors.Cursor
    # PEP 249: autocommit off after connecting, on the server too.
    assert conn.get_autocommit() is False
    assert one(conn, "SELECT @@autocommit") == 0
    if driver_name == "unshaken":
        # unshaken reports the core's Python codec name; MySQLdb says "utf8".
        assert conn.encoding == "utf-8"


def test_aliases_db_passwd(driver, server_kwargs):
    kw = dict(server_kwargs)
    kw["passwd"] = kw.pop("password")
    kw["db"] = kw.pop("database")
    with driver.connect(**kw) as c:
        assert one(c, "SELECT DATABASE()") == kw["db"]
        assert (c.db, c.host, c.port) == (kw["db"], kw["host"], kw["port"])


def test_positional_arguments_in_mysqldb_order(driver, server_kwargs):
    kw = server_kwargs
    args = [kw["host"], kw["user"], kw["password"], kw["database"], kw["port"]]
    if "unix_socket" in kw:
        args.append(kw["unix_socket"])
    with driver.connect(*args) as c:
        assert one(c, "SELECT DATABASE()") == kw["database"]
        assert one(c, "SELECT SUBSTRING_INDEX(CURRENT_USER(), '@', 1)") == kw["user"]


def test_unknown_and_duplicate_arguments(driver, server_kwargs):
    with pytest.raises(TypeError, match="invalid keyword"):
        driver.connect(hostname="x", **server_kwargs)
    with pytest.raises(TypeError):
        driver.connect(server_kwargs["host"], host=server_kwargs["host"])


def test_autocommit_none_keeps_server_default(connect):
    conn = connect(autocommit=None)
    assert conn.get_autocommit() is True
    assert one(conn, "SELECT @@autocommit") == 1


def test_autocommit_true(connect):
    conn = connect(autocommit=True)
    assert conn.get_autocommit() is True
    conn.autocommit(False)
    assert one(conn, "SELECT @@autocommit") == 0


@pytest.mark.unshaken_only
def test_autocommit_unchanged_is_no_round_trip(connect):
    conn = connect(autocommit=None)
    before = queries(conn)
    conn.autocommit(True)  # already on
    assert queries(conn) == before
    conn.autocommit(False)
    assert queries(conn) == before + 1


def test_session_setup(connect):
    # init_command runs first: it sees the server's sql_mode, not the one asked for.
    conn = connect(
        init_command="SET @init_mode = @@sql_mode, @x = 1",
        collation="utf8mb4_bin",
        sql_mode="ANSI",
    )
    assert one(conn, "SELECT @x") == 1
    assert "ANSI" not in one(conn, "SELECT @init_mode").split(",")
    assert "ANSI" in one(conn, "SELECT @@sql_mode").split(",")
    assert one(conn, "SELECT @@collation_connection") == "utf8mb4_bin"
    assert one(conn, "SELECT @@character_set_results") == "utf8mb4"


def test_use_unicode(connect):
    cur = connect().cursor()
    cur.execute("SELECT 'abc', _binary'abc', JSON_OBJECT('a', 1)")
    assert cur.fetchone() == ("abc", b"abc", '{"a": 1}')
    raw = connect(use_unicode=False).cursor()
    raw.execute("SELECT 'abc', _binary'abc'")
    assert raw.fetchone() == (b"abc", b"abc")


def test_custom_conv_is_per_connection(driver, connect):
    converters = pytest.importorskip(f"{driver.__name__}.converters")
    FIELD_TYPE = pytest.importorskip(f"{driver.__name__}.constants.FIELD_TYPE")
    shared = converters.conversions[FIELD_TYPE.LONG]
    conv = dict(converters.conversions)
    conv[FIELD_TYPE.LONG] = float
    conn = connect(conv=conv)
    assert one(conn, "SELECT CAST(7 AS INT)") == 7.0
    assert isinstance(one(conn, "SELECT CAST(7 AS INT)"), float)
    assert converters.conversions[FIELD_TYPE.LONG] is shared  # shared dict untouched
    assert type(one(connect(), "SELECT CAST(7 AS INT)")) is int


class _Pairs:
    """A converter entry that is neither a list nor a tuple, only iterable."""

    def __init__(self, *pairs):
        self.pairs = pairs

    def __iter__(self):
        return iter(self.pairs)


@pytest.mark.parametrize("container", [
    tuple, list,
    # mysqlclient takes a list or tuple only
    pytest.param(lambda pairs: _Pairs(*pairs), marks=pytest.mark.unshaken_only),
])
def test_a_converter_entry_picks_the_first_pair_whose_flags_match(driver, connect, container):
    converters = pytest.importorskip(f"{driver.__name__}.converters")
    FIELD_TYPE = pytest.importorskip(f"{driver.__name__}.constants.FIELD_TYPE")
    FLAG = pytest.importorskip(f"{driver.__name__}.constants.FLAG")
    conv = dict(converters.conversions)
    conv[FIELD_TYPE.VAR_STRING] = container(
        [(FLAG.BINARY, lambda b: ("binary", b)), (FLAG.NOT_NULL, lambda b: ("not null", b)),
         (None, lambda b: ("other", b))])
    # use_unicode=False: with it, text columns get the connection's own decoder.
    cur = connect(conv=conv, use_unicode=False).cursor()
    cur.execute("SELECT _binary'a', 'b', CAST(NULL AS CHAR) IS NULL, c FROM"
                " (SELECT CAST('d' AS CHAR) AS c UNION ALL SELECT NULL) u LIMIT 1")
    row = cur.fetchone()
    assert row[:2] == (("binary", b"a"), ("not null", b"b"))
    assert row[3] == ("other", b"d")
    conv[FIELD_TYPE.VAR_STRING] = container([(FLAG.BINARY, lambda b: ("binary", b))])
    cur = connect(conv=conv, use_unicode=False).cursor()
    cur.execute("SELECT 'b'")
    assert cur.fetchone() == (b"b",)  # no pair matched: bytes, as for a type without one


def test_option_file_explicit_arguments_win(connect, tmp_path):
    cnf = tmp_path / "my.cnf"
    cnf.write_text("[client]\nuser=nobody_here\ndefault-character-set=latin1\n")
    conn = connect(read_default_file=str(cnf))  # user/host from server_kwargs win
    assert conn.character_set_name() == "latin1"
    assert one(conn, "SELECT @@character_set_client") == "latin1"
    assert conn.encoding == "cp1252"


def test_connect_factory(driver, server_kwargs):
    with driver.connect(**server_kwargs) as c:
        assert type(c).__name__ in ("Connection", "connection")
        connections = pytest.importorskip(f"{driver.__name__}.connections")
        assert isinstance(c, connections.Connection)


@pytest.mark.unshaken_only
@pytest.mark.parametrize("kwargs", [
    {"ssl_mode": "bogus"},
    {"ssl": {"ca": "/x", "crl": "/y"}},
    {"named_pipe": True},
])
def test_refused_options(driver, connect, kwargs):
    with pytest.raises(driver.NotSupportedError):
        connect(**kwargs)


@pytest.mark.unshaken_only
@pytest.mark.parametrize("mode", ["bogus", "", "VERIFY-CA"])
def test_unknown_ssl_mode_is_mysqlclients_error(driver, connect, mode):
    # The core checks the name; the error is mysqlclient's, message alone.
    with pytest.raises(driver.NotSupportedError) as e:
        connect(ssl_mode=mode)
    assert e.value.args == ("Unknown ssl_mode specification",)


@pytest.mark.unshaken_only
@pytest.mark.parametrize("kwargs", [
    {"ssl": {"ca": "/x"}},
    {"ssl": True},
    {"ssl_mode": "REQUIRED"},
    {"ssl_mode": "verify_identity"},
])
def test_tls_asked_of_a_server_without_it(driver, connect, kwargs):
    # Deliberate difference: MySQLdb connects in clear text with ssl={"ca": "/x"}
    # here; asking for TLS must never silently fall back to clear text.
    with pytest.raises(driver.OperationalError) as e:
        connect(**kwargs)
    assert e.value.args[0] == 2026
    assert "does not offer" in e.value.args[1]


def test_tolerated_options(connect):
    conn = connect(ssl_mode="PREFERRED", compress=True, local_infile=1)
    assert one(conn, "SELECT 1") == 1


# -- session --------------------------------------------------------------------------


def test_literal(conn):
    assert conn.literal("it's") == b"'it\\'s'"
    assert conn.literal(b"\x00") == b"'\\0'"
    assert conn.literal(bytearray(b"a")) == b"'a'"
    assert conn.literal((1, None, "x")) == b"(1,NULL,'x')"
    assert conn.literal(3) == b"3"
    assert conn.literal(Decimal("2.50")) == b"2.50"
    assert conn.literal(datetime(2020, 1, 1)) == b"'2020-01-01 00:00:00'"
    obj = type("X", (), {"__str__": lambda s: "o'k"})()
    assert conn.literal(obj) == b"'o\\'k'"
    assert conn.escape_string("a'b") == b"a\\'b"
    assert conn.string_literal(5) == b"'5'"


def test_literal_round_trip(conn, cursor):
    values = ("it's", 'q"', "back\\slash", "nul\x00", "\n\r\t\x1a", "üß€", b"b\x00'")
    cursor.execute("SELECT " + ", ".join(["%s"] * len(values)), values)
    # bytes without binary_prefix are a plain (text) literal, so they come back as str
    assert cursor.fetchone() == (*values[:-1], "b\x00'")


def test_escape_honours_no_backslash_escapes(connect):
    conn = connect(sql_mode="NO_BACKSLASH_ESCAPES")
    assert conn.literal("it's") == b"'it''s'"
    assert one(conn, b"SELECT " + conn.literal("a\\b'c")) == "a\\b'c"


def test_binary_prefix(connect):
    conn = connect(binary_prefix=True)
    assert conn.literal(b"ab") == b"_binary'ab'"
    assert conn.literal("ab") == b"'ab'"
    cur = conn.cursor()
    cur.execute("SELECT %s, %s", (b"\xff", "x"))
    assert cur.fetchone() == (b"\xff", "x")


def test_set_character_set(driver_name, conn):
    conn.set_character_set("latin1")
    assert conn.character_set_name() == "latin1"
    assert one(conn, "SELECT @@character_set_client") == "latin1"
    assert one(conn, "SELECT @@character_set_results") == "latin1"
    assert conn.encoding == "cp1252"
    cur = conn.cursor()
    cur.execute("SELECT %s", ("é",))
    assert cur.fetchone() == ("é",)
    conn.set_character_set("utf8mb4", "utf8mb4_bin")
    assert one(conn, "SELECT @@collation_connection") == "utf8mb4_bin"
    if driver_name == "unshaken":
        assert conn.encoding == "utf-8"


@pytest.mark.unshaken_only
def test_set_character_set_unchanged_is_no_round_trip(conn):
    before = queries(conn)
    conn.set_character_set("utf8mb4")
    assert queries(conn) == before


def test_show_warnings(conn, cursor, table):
    cursor.execute("SELECT CAST('12abc' AS INT)")
    cursor.fetchall()
    assert conn.warning_count() == 1
    ((level, code, message),) = conn.show_warnings()
    assert (level, code) == ("Warning", 1292)
    assert "12abc" in message
    # (MariaDB keeps the warnings of a previous statement across ones that use no table)
    cursor.execute("SELECT COUNT(*) FROM t_api")
    assert conn.show_warnings() == ()


def test_session_facts(conn):
    assert conn.thread_id() == one(conn, "SELECT CONNECTION_ID()")
    assert conn.get_server_info() == one(conn, "SELECT VERSION()")
    assert conn.get_proto_info() == 10
    assert isinstance(conn.get_host_info(), str)
    assert conn.fileno() >= 0
    assert conn.open == 1


def test_transactions(conn, table):
    cur = conn.cursor()
    cur.execute("INSERT INTO t_api (a) VALUES (1)")
    conn.rollback()
    cur.execute("SELECT COUNT(*) FROM t_api")
    assert cur.fetchone() == (0,)
    conn.begin()
    cur.execute("INSERT INTO t_api (a) VALUES (2)")
    conn.commit()
    conn.rollback()
    cur.execute("SELECT a FROM t_api")
    assert cur.fetchall() == ((2,),)


def test_select_db_query_and_kill(connect):
    conn = connect()
    conn.select_db("mysql")
    assert one(conn, "SELECT DATABASE()") == "mysql"
    conn.query(bytearray(b"DO 1"))
    victim = connect()
    conn.kill(victim.thread_id())
    with pytest.raises(conn.OperationalError):
        one(victim, "SELECT 1")


def test_close_twice_raises_like_mysqldb(driver, conn):
    conn.close()
    assert conn.open == 0
    with pytest.raises(driver.OperationalError) as info:
        conn.close()
    assert info.value.args == (2006, "")
    with pytest.raises(driver.OperationalError):
        conn.ping()
    assert conn.literal("x") == b"'x'"  # quoting still works, as in MySQLdb


def test_context_manager_closes(driver, server_kwargs):
    with driver.connect(**server_kwargs) as conn:
        assert conn.open == 1
    assert conn.open == 0


def test_exception_attributes(driver, conn):
    assert conn.ProgrammingError is driver.ProgrammingError
    assert conn.OperationalError is driver.OperationalError
    assert "open" in repr(conn)


# -- cursors: execute and argument binding ----------------------------------------------


def test_execute_without_args_keeps_percent(cursor):
    cursor.execute("SELECT 'x%s', '100%'")
    assert cursor.fetchone() == ("x%s", "100%")
    assert cursor._executed == b"SELECT 'x%s', '100%'"


def test_execute_with_sequence_args(cursor, table):
    assert cursor.execute("INSERT INTO t_api (a, b) VALUES (%s, %s)", (None, "it's")) == 1
    assert cursor.lastrowid == 1 and cursor.rowcount == 1
    n = cursor.execute("UPDATE t_api SET a=%s, b=%s WHERE b LIKE 'it%%'", (5, None))
    assert n == 1
    assert cursor._executed == b"UPDATE t_api SET a=5, b=NULL WHERE b LIKE 'it%'"
    cursor.execute("SELECT a, b FROM t_api")
    assert cursor.fetchall() == ((5, None),)


def test_execute_with_mapping_args(cursor):
    cursor.execute("SELECT %(a)s, %(b)s, %(a)s", {"a": 1, "b": b"\x00"})
    assert cursor._executed == b"SELECT 1, '\\0', 1"
    assert cursor.fetchone() == (1, "\x00", 1)


def test_sequence_argument_expands_for_in(cursor):
    cursor.execute("SELECT 2 IN %s, 'x' IN %s", ([1, 2, "x"], ("y",)))
    assert cursor._executed == b"SELECT 2 IN (1,2,'x'), 'x' IN ('y')"
    assert cursor.fetchone() == (1, 0)


def test_unicode_query_and_args(cursor):
    cursor.execute("SELECT 'ü', %s", ("ß",))
    assert cursor._executed == "SELECT 'ü', 'ß'".encode()
    assert cursor.fetchone() == ("ü", "ß")


def test_mogrify(cursor):
    assert cursor.mogrify("SELECT %s, %s", ("a", 1)) == "SELECT 'a', 1"
    assert cursor.mogrify("SELECT 100%") == "SELECT 100%"


def test_server_error_propagates(driver, cursor, table):
    cursor.execute("INSERT INTO t_api (id) VALUES (1)")
    with pytest.raises(driver.IntegrityError) as info:
        cursor.execute("INSERT INTO t_api (id) VALUES (1)")
    assert info.value.args[0] == 1062
    assert "Duplicate entry '1'" in info.value.args[1]
    cursor.execute("SELECT 1")  # the connection is still usable
    assert cursor.fetchone() == (1,)


# -- cursors: fetching ------------------------------------------------------------------


ROWS_SQL = "SELECT seq AS id, ELT(seq, 'a', 'b', 'c') AS name FROM seq_1_to_3"


def test_fetch_methods(driver, cursor):
    assert cursor.execute(ROWS_SQL) == 3
    assert cursor.description[0][0] == "id" and len(cursor.description[0]) == 7
    assert cursor.fetchone() == (1, "a")
    assert cursor.fetchmany(5) == ((2, "b"), (3, "c"))
    assert cursor.fetchone() is None
    assert cursor.fetchmany() == ()
    assert cursor.fetchall() == ()
    cursor.scroll(0, "absolute")
    assert cursor.fetchall() == ((1, "a"), (2, "b"), (3, "c"))
    cursor.scroll(-2)
    assert cursor.rownumber == 1
    assert list(cursor) == [(2, "b"), (3, "c")]
    with pytest.raises(IndexError):
        cursor.scroll(5)
    with pytest.raises(driver.ProgrammingError):
        cursor.scroll(0, "sideways")


def test_statement_without_result_set(cursor, table):
    cursor.execute("DELETE FROM t_api")
    assert cursor.description is None
    assert cursor.fetchone() is None and cursor.fetchall() == ()


def test_dict_cursor(conn, cursors):
    cur = conn.cursor(cursors.DictCursor)
    cur.execute(ROWS_SQL)
    assert cur.fetchone() == {"id": 1, "name": "a"}
    assert cur.fetchall() == ({"id": 2, "name": "b"}, {"id": 3, "name": "c"})


def test_ss_cursor_streams(conn, cursors):
    cur = conn.cursor(cursors.SSCursor)
    cur.execute(ROWS_SQL)
    assert cur.fetchone() == (1, "a")
    assert next(cur) == (2, "b")
    assert cur.fetchall() == ((3, "c"),)
    assert cur.rownumber == 3
    assert cur.fetchone() is None


def test_ss_cursor_close_drains_unread_rows(conn, cursors):
    cur = conn.cursor(cursors.SSDictCursor)
    cur.execute("SELECT seq FROM seq_1_to_10000")
    assert cur.fetchone() == {"seq": 1}
    cur.close()
    assert one(conn, "SELECT 42") == 42  # not "commands out of sync"


def test_closed_cursor(driver, cursor, table):
    cursor.execute("INSERT INTO t_api (a) VALUES (1)")
    cursor.close()
    cursor.close()  # harmless
    assert cursor.rowcount == 1  # kept after close, Django reads it
    with pytest.raises(driver.ProgrammingError, match="cursor closed"):
        cursor.execute("SELECT 1")


def test_cursor_context_manager(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT 1")
    assert cur.connection is None


def test_cursor_exposes_exception_classes(driver, cursor):
    assert cursor.InterfaceError is driver.InterfaceError
    cursor.setinputsizes(1)
    cursor.setoutputsizes(1)  # MySQLdb's spelling; unshaken also has PEP 249's setoutputsize


# -- cursors: several results -----------------------------------------------------------


def test_nextset(cursor):
    cursor.execute("SELECT 1 AS a; SELECT 2 AS b")
    assert cursor.fetchall() == ((1,),)
    assert cursor.nextset() == 1
    assert cursor.description[0][0] == "b"
    assert cursor.fetchall() == ((2,),)
    assert cursor.nextset() is None


def test_execute_drains_pending_results(cursor):
    cursor.execute("SELECT 1; SELECT 2; SELECT 3")
    cursor.execute("SELECT 4")  # would be out of sync without draining
    assert cursor.fetchall() == ((4,),)
    assert cursor.nextset() is None


@pytest.fixture
def procedure(conn):
    name = f"p_api_{os.getpid()}"
    cur = conn.cursor()
    cur.execute(f"DROP PROCEDURE IF EXISTS {name}")
    cur.execute(
        f"CREATE PROCEDURE {name}(IN x INT, INOUT s VARCHAR(20), OUT d INT) "
        "BEGIN SELECT x AS a; SELECT s AS b; SET s = CONCAT(s, '!'), d = x * 2; END"
    )
    yield name
    cur = conn.cursor()
    cur.execute(f"DROP PROCEDURE IF EXISTS {name}")


def test_callproc(conn, procedure):
    cur = conn.cursor()
    assert cur.callproc(procedure, (21, "hi", None)) == (21, "hi", None)
    assert cur.fetchall() == ((21,),)
    assert cur.nextset() == 1
    assert cur.fetchall() == (("hi",),)
    assert cur.nextset() == 1  # the CALL's own, empty, result
    assert cur.description is None
    assert cur.nextset() is None
    cur.execute(f"SELECT @_{procedure}_0, @_{procedure}_1, @_{procedure}_2")
    assert cur.fetchone() == (21, "hi!", 42)


def test_callproc_close_drains_remaining_results(conn, procedure):
    cur = conn.cursor()
    cur.callproc(procedure, (1, "x", None))
    cur.close()
    assert one(conn, "SELECT 7") == 7


def test_callproc_without_args(conn):
    cur = conn.cursor()
    cur.execute("DROP PROCEDURE IF EXISTS p_api_noargs")
    cur.execute("CREATE PROCEDURE p_api_noargs() SELECT 5")
    try:
        assert cur.callproc("p_api_noargs") == ()
        assert cur._executed.startswith(b"CALL ")
        assert cur.fetchall() == ((5,),)
    finally:
        cur.close()
        conn.cursor().execute("DROP PROCEDURE IF EXISTS p_api_noargs")


# -- executemany -----------------------------------------------------------------------


def test_executemany_batches_insert_into_one_statement(driver_name, conn, cursor, table):
    rows = [(i, f"r{i}") for i in range(20)]
    before = queries(conn) if driver_name == "unshaken" else None
    n = cursor.executemany("INSERT INTO t_api (a, b) VALUES (%s, %s)", rows)
    assert n == cursor.rowcount == 20
    assert cursor._executed.startswith(b"INSERT INTO t_api (a, b) VALUES (0, 'r0'),(1, 'r1'),")
    if before is not None:
        assert queries(conn) == before + 1  # 20 rows, 1 statement on the wire
    cursor.execute("SELECT a, b FROM t_api ORDER BY id")
    assert cursor.fetchall() == tuple(rows)


@pytest.mark.unshaken_only
def test_executemany_on_duplicate_unescapes_percent(cursor, table):
    # Deliberate difference: MySQLdb leaves the ON DUPLICATE part unformatted, so
    # its '%%' reaches the server doubled; in unshaken '%%' means '%' everywhere.
    cursor.execute("INSERT INTO t_api (id, b) VALUES (1, 'old')")
    cursor.executemany(
        "insert into t_api (id, a) values (%(id)s, %(a)s) on duplicate key update b = 'x%%'",
        [{"id": 1, "a": 5}, {"id": 2, "a": 6}],
    )
    cursor.execute("SELECT id, a, b FROM t_api ORDER BY id")
    assert cursor.fetchall() == ((1, None, "x%"), (2, 6, None))


@pytest.mark.unshaken_only
def test_executemany_splits_at_max_stmt_length(conn, cursor, table):
    cursor.max_stmt_length = len("INSERT INTO t_api (a) VALUES (1),(2)")
    before = queries(conn)
    cursor.executemany("INSERT INTO t_api (a) VALUES (%s)", [(1,), (2,), (3,), (4,), (5,)])
    assert queries(conn) == before + 3
    assert cursor._executed == b"INSERT INTO t_api (a) VALUES (5)"
    assert cursor.rowcount == 5
    cursor.execute("SELECT a FROM t_api ORDER BY id")
    assert cursor.fetchall() == ((1,), (2,), (3,), (4,), (5,))


def test_executemany_other_statements_loop(driver_name, conn, cursor, table):
    cursor.executemany("INSERT INTO t_api (a) VALUES (%s)", [(1,), (2,), (3,)])
    before = queries(conn) if driver_name == "unshaken" else None
    cursor.bulk_executemany = False  # one statement per row (bulk: test_executemany_bulk.py)
    assert cursor.executemany("UPDATE t_api SET b=%s WHERE a>=%s", [("u", 2), ("v", 3)]) == 3
    assert cursor._executed == b"UPDATE t_api SET b='v' WHERE a>=3"
    if before is not None:
        assert queries(conn) == before + 2


def test_executemany_insert_select_is_not_rewritten(driver_name, conn, cursor, table):
    before = queries(conn) if driver_name == "unshaken" else None
    cursor.executemany("INSERT INTO t_api (a) SELECT %s", [(1,), (2,)])
    assert cursor._executed == b"INSERT INTO t_api (a) SELECT 2"
    if before is not None:
        assert queries(conn) == before + 2
    cursor.execute("SELECT a FROM t_api ORDER BY id")
    assert cursor.fetchall() == ((1,), (2,))


def test_executemany_empty(driver_name, conn, cursor):
    before = queries(conn) if driver_name == "unshaken" else None
    assert cursor.executemany("INSERT INTO t_api VALUES (%s)", []) is None
    if before is not None:
        assert cursor.executemany("INSERT INTO t_api VALUES (%s)", iter([])) is None
        assert queries(conn) == before


def test_executemany_placeholder_outside_values_row(driver, cursor, table):
    with pytest.raises(driver.ProgrammingError):
        cursor.executemany(
            "INSERT INTO t_api (a) VALUES (%s) ON DUPLICATE KEY UPDATE a=%s", [(1,), (2,)]
        )
