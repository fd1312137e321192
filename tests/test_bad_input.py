"""Bad input raises the exception mysqlclient raises: never a crash, panic or hang.

Each expectation was checked against mysqlclient 2.3 (``MySQLdb``) on the same
server (``UNSHAKEN_TEST_DRIVER=mysqlclient`` runs this file with it). Where unshaken
deliberately differs, the test is ``unshaken_only`` and says why.
"""

import threading
import time

import pytest

LOST = {2006, 2013}  # CR_SERVER_GONE_ERROR, CR_SERVER_LOST

# Connections that may lose their server get socket timeouts, so a driver that
# waited forever would fail the test after 10 s instead of hanging it.
GUARD = {"read_timeout": 10, "write_timeout": 10}


@pytest.fixture
def cursors(driver):
    return pytest.importorskip(f"{driver.__name__}.cursors")


def assert_lost(driver, call):
    start = time.monotonic()
    with pytest.raises(driver.OperationalError) as info:
        call()
    assert info.value.args[0] in LOST, info.value.args
    assert time.monotonic() - start < 5
    return info.value


# -- connect() arguments ----------------------------------------------------------------


@pytest.mark.parametrize("overrides", [
    {"port": "abc"},
    {"port": "3306"},
    {"port": 3306.0},
    {"user": 123},
    {"password": 123},
    {"database": 123},
    {"host": 123},
    {"unix_socket": 5},
    {"charset": 5},
    {"connect_timeout": "x"},
    {"read_timeout": "x"},
    {"client_flag": "x"},
    {"init_command": 5},
], ids=repr)
def test_connect_wrong_type_is_type_error(connect, overrides):
    with pytest.raises(TypeError):
        connect(**overrides)


@pytest.mark.parametrize("overrides", [
    {"host": "127.0.0.1\0x"}, {"user": "ro\0ot"}, {"password": "p\0w"}, {"database": "te\0st"},
], ids=repr)
def test_connect_nul_in_string_is_value_error(connect, overrides):
    with pytest.raises(ValueError, match="null"):
        connect(**overrides)


@pytest.mark.unshaken_only
@pytest.mark.parametrize("port", [-1, 70000, 65536 + 3306])
def test_connect_port_out_of_range(connect, port):
    # Deliberate difference: libmysqlclient truncates the port to 16 bits, so
    # MySQLdb fails with OperationalError 2005/2002 for -1/70000 and *connects to
    # 3306* for 68842. unshaken refuses the value, as socket.connect() does.
    with pytest.raises(OverflowError, match="0-65535"):
        connect(port=port)


@pytest.mark.unshaken_only
def test_connect_timeouts_accept_seconds_as_float(driver, connect):
    # Deliberate difference: MySQLdb takes whole seconds only (TypeError for 1.5);
    # unshaken takes any non-negative number and refuses negative ones (MySQLdb
    # wraps -1 into a huge unsigned timeout).
    assert connect(connect_timeout=1.5, read_timeout=2.5).open
    with pytest.raises(ValueError):
        connect(connect_timeout=-1)


def test_unknown_keyword_arguments(connect):
    with pytest.raises(TypeError, match="'hostname' is an invalid keyword argument"):
        connect(hostname="x")
    with pytest.raises(TypeError):
        connect(ssl_ca_path="x", bogus=1)


def test_too_many_positional_arguments(driver):
    with pytest.raises(TypeError):
        driver.connect(*range(30))


@pytest.mark.parametrize("overrides,cls,errno", [
    ({"charset": "nope"}, "OperationalError", 2019),
    ({"sql_mode": "BOGUS"}, "OperationalError", 1231),
    ({"collation": "nope"}, "OperationalError", 1273),
    ({"init_command": "SELEC 1"}, "ProgrammingError", 1064),
], ids=["charset", "sql_mode", "collation", "init_command"])
def test_connect_bad_session_options(driver, connect, overrides, cls, errno):
    with pytest.raises(getattr(driver, cls)) as info:
        connect(**overrides)
    assert info.value.args[0] == errno


# -- placeholders and arguments ---------------------------------------------------------


@pytest.mark.parametrize("sql,args,message", [
    ("SELECT %s, %s", (1,), "not enough arguments"),
    ("SELECT %s", (1, 2), "not all arguments converted"),
    ("SELECT 1", (1,), "not all arguments converted"),
    ("SELECT '100%'", (), "not enough arguments"),  # with args, '%' must be '%%'
    ("SELECT %(a)s", (1,), "format requires a mapping"),
    ("SELECT %s", "ab", "not all arguments converted"),  # a str is a sequence of 2
], ids=["too-few", "too-many", "no-placeholder", "bare-percent", "mapping-style", "str-args"])
def test_placeholder_mismatch_is_programming_error(driver, cursor, sql, args, message):
    with pytest.raises(driver.ProgrammingError, match=message):
        cursor.execute(sql, args)
    cursor.execute("SELECT 1")  # nothing was sent; the cursor is fine
    assert cursor.fetchall() == ((1,),)


def test_mapping_with_missing_key_is_key_error(cursor):
    # mysqlclient lets the KeyError of %-formatting through; so does unshaken.
    with pytest.raises(KeyError):
        cursor.execute("SELECT %(a)s, %(b)s", {"a": 1})


@pytest.mark.parametrize("args", [5, object(), 1.5], ids=["int", "object", "float"])
def test_non_sequence_args_is_type_error(cursor, args):
    with pytest.raises(TypeError):
        cursor.execute("SELECT %s", args)


def test_executemany_bad_rows(cursor):
    with pytest.raises(TypeError):
        cursor.executemany("SELECT %s", 5)
    with pytest.raises(TypeError):
        cursor.executemany("INSERT INTO t VALUES (%s)", [1, 2])


@pytest.mark.unshaken_only
@pytest.mark.parametrize("query", [123, None, 1.5])
def test_execute_query_of_wrong_type(driver, cursor, query):
    # Deliberate difference: mysqlclient fails an internal assert (AssertionError,
    # or nothing at all under python -O); a TypeError names the problem.
    with pytest.raises(TypeError):
        cursor.execute(query)
    cursor.execute("SELECT 1")
    assert cursor.fetchall() == ((1,),)


def test_execute_query_of_wrong_type_with_args(driver, cursor):
    with pytest.raises(driver.ProgrammingError):
        cursor.execute(123, (1,))


def test_empty_query(driver, cursor):
    for query in ("", b""):
        with pytest.raises(driver.OperationalError) as info:
            cursor.execute(query)
        assert info.value.args[0] == 1065  # ER_EMPTY_QUERY


# -- NUL bytes, bad encodings ------------------------------------------------------------


def test_nul_bytes_in_query_and_values(cursor):
    cursor.execute("SELECT 'a\0b', %s, %s", ("c\0d", b"\0\0"))
    assert cursor.fetchall() == (("a\0b", "c\0d", "\0\0"),)
    cursor.execute(b"SELECT 1 /* \0 */")
    assert cursor.fetchall() == ((1,),)


def test_unencodable_query_and_value(cursor):
    with pytest.raises(UnicodeEncodeError):
        cursor.execute("SELECT '\udc80'")
    with pytest.raises(UnicodeEncodeError):
        cursor.execute("SELECT %s", ("\udc80",))
    cursor.execute("SELECT 1")
    assert cursor.fetchall() == ((1,),)


@pytest.mark.parametrize("cursor_class", ["Cursor", "SSCursor", "DictCursor"])
def test_undecodable_result_then_cursor_still_works(conn, cursors, cursor_class):
    # The server sends the invalid literal back unchanged as utf8mb4 text.
    cur = conn.cursor(getattr(cursors, cursor_class))
    with pytest.raises(UnicodeDecodeError):
        cur.execute(b"SELECT seq, IF(seq = 2, '\xff', 'a') FROM seq_1_to_3")
        cur.fetchall()
    # Fixed bug: a buffered cursor used to keep the failed result and raise the
    # same UnicodeDecodeError from every later execute() and close().
    cur.execute("SELECT 1")
    assert list(cur.fetchall()) in ([(1,)], [{"1": 1}])
    cur.close()
    assert conn.cursor().execute("SELECT 2") == 1


# -- closed cursor, closed connection, no execute -------------------------------------


@pytest.mark.parametrize("cursor_class", ["Cursor", "SSCursor"])
@pytest.mark.parametrize("method", ["fetchone", "fetchmany", "fetchall"])
def test_fetch_before_execute(driver, conn, cursors, cursor_class, method):
    cur = conn.cursor(getattr(cursors, cursor_class))
    with pytest.raises(driver.ProgrammingError, match="execute"):
        getattr(cur, method)()


@pytest.mark.parametrize("call", [
    lambda c: c.execute("SELECT 1"),
    lambda c: c.executemany("SELECT %s", [(1,)]),
    lambda c: c.callproc("p"),
], ids=["execute", "executemany", "callproc"])
def test_closed_cursor_refuses_statements(driver, cursor, call):
    cursor.close()
    with pytest.raises(driver.ProgrammingError, match="cursor closed"):
        call(cursor)
    cursor.close()  # closing again is harmless


@pytest.mark.unshaken_only
@pytest.mark.parametrize("call", [
    lambda c: c.fetchone(),
    lambda c: c.fetchmany(),
    lambda c: c.fetchall(),
    lambda c: c.nextset(),
    lambda c: c.scroll(0),
], ids=["fetchone", "fetchmany", "fetchall", "nextset", "scroll"])
def test_closed_cursor_refuses_fetch(driver, cursor, call):
    # Deliberate difference: mysqlclient fails with an accidental TypeError
    # ("object of type 'NoneType' has no len()"); unshaken says what is wrong.
    cursor.execute("SELECT 1")
    cursor.close()
    with pytest.raises(driver.ProgrammingError, match="cursor closed"):
        call(cursor)


@pytest.mark.parametrize("use", [
    lambda c: c.cursor().execute("SELECT 1"),
    lambda c: c.query("SELECT 1"),
    lambda c: c.ping(),
    lambda c: c.commit(),
    lambda c: c.rollback(),
    lambda c: c.autocommit(True),
    lambda c: c.get_autocommit(),
    lambda c: c.select_db("test"),
    lambda c: c.set_character_set("latin1"),
    lambda c: c.get_server_info(),
    lambda c: c.show_warnings(),
    lambda c: c.affected_rows(),
    lambda c: c.insert_id(),
    lambda c: c.fileno(),
    lambda c: c.close(),
], ids=[
    "execute", "query", "ping", "commit", "rollback", "autocommit", "get_autocommit",
    "select_db", "set_character_set", "get_server_info", "show_warnings",
    "affected_rows", "insert_id", "fileno", "close",
])
def test_closed_connection(driver, conn, use):
    cur = conn.cursor()
    conn.close()
    with pytest.raises(driver.OperationalError) as info:
        use(conn)
    assert info.value.args == (2006, "")
    with pytest.raises(driver.OperationalError):
        cur.execute("SELECT 1")  # a cursor made before the close
    assert conn.open == 0


def test_character_set_name_on_closed_connection(driver, conn):
    conn.close()
    with pytest.raises(driver.OperationalError):
        conn.character_set_name()


# -- statement over max_allowed_packet --------------------------------------------------


def test_statement_over_max_allowed_packet(driver, connect):
    conn = connect(**GUARD)
    cur = conn.cursor()
    cur.execute("SELECT @@max_allowed_packet")
    (limit,) = cur.fetchone()
    big = b"SELECT '" + b"x" * (limit + 1024) + b"'"
    start = time.monotonic()
    with pytest.raises(driver.OperationalError) as info:
        cur.execute(big)
    assert info.value.args[0] == 1153  # ER_NET_PACKET_TOO_LARGE
    assert time.monotonic() - start < 10
    # The server closes the session after this error (mysqlclient: 2006 next);
    # unshaken may first report the reset it meets while writing (2013).
    assert_lost(driver, lambda: cur.execute("SELECT 1"))
    assert_lost(driver, lambda: cur.execute("SELECT 1"))
    assert_lost(driver, conn.ping)


# -- a session killed by the server -------------------------------------------------------


def _kill(connect, thread_id):
    killer = connect()
    killer.cursor().execute(f"KILL {int(thread_id)}")
    killer.close()


def test_query_after_kill(driver, driver_name, connect):
    conn = connect(**GUARD)
    cur = conn.cursor()
    _kill(connect, conn.thread_id())
    assert_lost(driver, lambda: cur.execute("SELECT 1"))
    assert_lost(driver, lambda: cur.execute("SELECT 1"))
    assert_lost(driver, lambda: conn.cursor().execute("SELECT 1"))
    assert_lost(driver, conn.commit)
    if driver_name == "unshaken":
        # Deliberate difference: MySQLdb keeps reporting open == 1 for a
        # connection it knows is lost; unshaken reports 0.
        assert conn.open == 0
    conn.close()  # closing a lost connection is fine (both drivers)


def test_ping_after_kill(driver, connect):
    conn = connect(**GUARD)
    _kill(connect, conn.thread_id())
    assert_lost(driver, conn.ping)
    assert_lost(driver, conn.ping)
    assert_lost(driver, lambda: conn.cursor().execute("SELECT 1"))


@pytest.mark.parametrize("cursor_class", ["Cursor", "SSCursor"])
def test_kill_during_query(driver, connect, cursors, cursor_class):
    conn = connect(**GUARD)
    cur = conn.cursor(getattr(cursors, cursor_class))
    timer = threading.Timer(0.3, _kill, (connect, conn.thread_id()))
    timer.start()
    try:
        assert_lost(driver, lambda: cur.execute("SELECT SLEEP(8)"))
    finally:
        timer.join()
    assert_lost(driver, lambda: conn.cursor().execute("SELECT 1"))


def test_kill_while_streaming(driver, connect, cursors):
    conn = connect(**GUARD)
    cur = conn.cursor(cursors.SSCursor)
    cur.execute("SELECT seq FROM seq_1_to_2000000")
    assert cur.fetchone() == (1,)
    _kill(connect, conn.thread_id())
    # Rows already in the socket buffers may still arrive, but the KILL must end in an
    # error: a short result that looks complete would be silent data loss.
    with pytest.raises(driver.OperationalError) as info:
        cur.fetchall()
    assert info.value.args[0] in LOST, info.value.args
    assert_lost(driver, lambda: conn.cursor().execute("SELECT 1"))


def test_kill_query_keeps_session(driver, connect):
    conn = connect(**GUARD)
    _kill_query = connect()
    _kill_query.cursor().execute(f"KILL QUERY {conn.thread_id()}")
    cur = conn.cursor()
    cur.execute("SELECT 1")  # nothing was running: the session is intact
    assert cur.fetchall() == ((1,),)
