"""The MySQLdb-compatible foundation API against a real server.

Expected values are what mysqlclient 2.x returns for the same calls (checked against
it), since unshaken is a drop-in replacement.
"""

import importlib
import socket

import pytest


@pytest.fixture
def table(cursor):
    cursor.execute(
        "CREATE TEMPORARY TABLE t_basic (id INT AUTO_INCREMENT PRIMARY KEY, v INT) "
        "ENGINE=InnoDB"
    )
    return "t_basic"


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


# -- connections ----------------------------------------------------------------------


def test_connect_and_close(driver, server_kwargs):
    c = driver.connect(**server_kwargs)
    assert c.open
    c.close()
    assert not c.open


def test_connection_context_manager_closes(driver, server_kwargs):
    with driver.connect(**server_kwargs) as c:
        with c.cursor() as cur:
            cur.execute("SELECT 1")
            assert cur.fetchall() == ((1,),)
        assert c.open
    assert not c.open


def test_mysqldb_aliases_passwd_db(driver, server_kwargs):
    kw = dict(server_kwargs)
    kw["passwd"] = kw.pop("password")
    kw["db"] = kw.pop("database")
    with driver.connect(**kw) as c:
        cur = c.cursor()
        cur.execute("SELECT DATABASE()")
        assert cur.fetchone() == (kw["db"],)


def test_unknown_kwarg_is_type_error(driver, server_kwargs):
    with pytest.raises(TypeError):
        driver.connect(no_such_option=1, **server_kwargs)


def test_session_facts(conn, cursor):
    cursor.execute("SELECT CONNECTION_ID(), VERSION()")
    cid, version = cursor.fetchone()
    assert conn.thread_id() == cid
    assert conn.get_server_info() == version
    assert conn.character_set_name() == "utf8mb4"
    assert conn.ping() is None


def test_init_command(connect):
    c = connect(init_command="SET @unshaken_init = 42")
    cur = c.cursor()
    cur.execute("SELECT @unshaken_init")
    assert cur.fetchone() == (42,)


def test_client_flag_found_rows(driver, connect):
    client = importlib.import_module(driver.__name__ + ".constants.CLIENT")
    counts = {}
    for flag in (0, client.FOUND_ROWS):
        cur = connect(client_flag=flag).cursor()
        cur.execute("CREATE TEMPORARY TABLE t_fr (id INT PRIMARY KEY, v INT)")
        cur.execute("INSERT INTO t_fr VALUES (1, 5)")
        counts[flag] = cur.execute("UPDATE t_fr SET v = 5 WHERE id = 1")  # a no-op
        assert cur.rowcount == counts[flag]
    assert counts == {0: 0, client.FOUND_ROWS: 1}


# -- cursors --------------------------------------------------------------------------


def test_fetch_methods_and_exhaustion(cursor):
    assert cursor.execute("SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4") == 4
    assert cursor.rowcount == 4
    assert cursor.fetchone() == (1,)
    assert cursor.fetchmany(2) == ((2,), (3,))
    assert cursor.fetchall() == ((4,),)
    assert cursor.fetchone() is None
    assert cursor.fetchall() == ()
    assert cursor.fetchmany(5) == ()


def test_fetchmany_default_arraysize(cursor):
    cursor.execute("SELECT 1 UNION ALL SELECT 2")
    assert cursor.arraysize == 1
    assert cursor.fetchmany() == ((1,),)


def test_description(cursor):
    cursor.execute("SELECT 1 AS a, 'x' AS b, NULL AS n, 1.5 AS d")
    # (name, type_code, display_size, internal_size, precision, scale, null_ok)
    assert cursor.description == (
        ("a", 3, 1, 1, 1, 0, 0),
        ("b", 253, 1, 4, 4, 39, 0),
        ("n", 6, 0, 0, 0, 0, 1),
        ("d", 246, 3, 4, 4, 1, 0),
    )
    assert all(len(d) == 7 for d in cursor.description)
    cursor.execute("DO 1")
    assert cursor.description is None


def test_rowcount_lastrowid(cursor, table):
    assert cursor.execute("INSERT INTO t_basic (v) VALUES (10)") == 1
    assert cursor.lastrowid == 1
    assert cursor.execute("INSERT INTO t_basic (v) VALUES (11), (12)") == 2
    assert cursor.rowcount == 2
    assert cursor.lastrowid == 2  # the first id of a multi-row insert
    assert cursor.execute("UPDATE t_basic SET v = v + 1") == 3
    assert cursor.execute("DELETE FROM t_basic WHERE id > 1") == 2


def test_executemany(cursor, table):
    n = cursor.executemany("INSERT INTO t_basic (v) VALUES (%s)", [(i,) for i in range(5)])
    assert n == 5 and cursor.rowcount == 5
    n = cursor.executemany("INSERT INTO t_basic (v) VALUES (%(v)s)", [{"v": 7}, {"v": 8}])
    assert n == 2
    # Not an INSERT ... VALUES: executed one by one, affected rows summed.
    assert cursor.executemany("UPDATE t_basic SET v = v + 1 WHERE id = %s", [(1,), (2,)]) == 2
    cursor.execute("SELECT v FROM t_basic ORDER BY id")
    assert [r[0] for r in cursor.fetchall()] == [1, 2, 2, 3, 4, 7, 8]


def test_parameter_styles(cursor):
    cursor.execute("SELECT %s, %s, %s", (1, "a'b", None))
    assert cursor.fetchone() == (1, "a'b", None)
    cursor.execute("SELECT %(x)s, %(y)s, %(x)s", {"x": 5, "y": "z"})
    assert cursor.fetchone() == (5, "z", 5)
    cursor.execute("SELECT '%%', %s", (1,))
    assert cursor.fetchone() == ("%", 1)


def test_no_args_keeps_percent_literal(cursor):
    cursor.execute("SELECT '%'")
    assert cursor.fetchone() == ("%",)
    cursor.execute("SELECT '%%'", None)
    assert cursor.fetchone() == ("%%",)


def test_nextset_multi_statements(cursor):
    cursor.execute("SELECT 1; SELECT 2, 3")
    assert cursor.fetchall() == ((1,),)
    assert cursor.nextset() == 1
    assert cursor.fetchall() == ((2, 3),)
    assert cursor.nextset() is None
    cursor.execute("SELECT 4")  # the connection is in sync afterwards
    assert cursor.fetchall() == ((4,),)


def test_abandoned_results_are_drained_and_keep_the_insert_id(conn, cursor, table):
    # The cursor reads only the first result; the next execute drops the rest. The
    # C client takes its insert id from every OK read on the way, rows or not.
    cursor.execute("SELECT 1; INSERT INTO t_basic (v) VALUES (7); SELECT 2; SELECT 3")
    assert cursor.fetchall() == ((1,),)
    cursor.execute("SELECT 4")
    assert cursor.fetchall() == ((4,),)
    assert conn.insert_id() == 1


def test_an_error_in_an_abandoned_result_is_raised(driver, cursor):
    cursor.execute("SELECT 1; SELECT * FROM no_such_table_here")
    with pytest.raises(driver.ProgrammingError) as e:
        cursor.execute("SELECT 2")
    assert e.value.args[0] == 1146
    cursor.execute("SELECT 3")  # the connection is in sync afterwards
    assert cursor.fetchall() == ((3,),)


def test_transactions(conn, cursor, table):
    assert conn.get_autocommit() is False
    cursor.execute("INSERT INTO t_basic (v) VALUES (1)")
    conn.rollback()
    cursor.execute("SELECT COUNT(*) FROM t_basic")
    assert cursor.fetchone() == (0,)
    cursor.execute("INSERT INTO t_basic (v) VALUES (2)")
    conn.commit()
    conn.rollback()
    cursor.execute("SELECT v FROM t_basic")
    assert cursor.fetchall() == ((2,),)
    conn.autocommit(True)
    assert conn.get_autocommit() is True
    cursor.execute("INSERT INTO t_basic (v) VALUES (3)")
    conn.rollback()  # nothing to undo in autocommit mode
    cursor.execute("SELECT COUNT(*) FROM t_basic")
    assert cursor.fetchone() == (2,)


def test_autocommit_kwarg(connect):
    assert connect(autocommit=True).get_autocommit() is True
    assert connect(autocommit=False).get_autocommit() is False


def test_escape_and_literal(conn):
    assert conn.literal("a'b") == b"'a\\'b'"
    assert conn.literal(None) == b"NULL"
    assert conn.literal(b"\x00'") == b"'\\0\\''"
    assert conn.literal(1.5) == b"1.5e0"
    assert conn.escape_string("a'b") == b"a\\'b"
    assert conn.escape_string(b"a'b\n") == b"a\\'b\\n"


# -- errors ---------------------------------------------------------------------------


def test_syntax_error(driver, cursor):
    with pytest.raises(driver.ProgrammingError) as ei:
        cursor.execute("SELEC 1")
    assert ei.value.args[0] == 1064
    assert "syntax" in ei.value.args[1]
    assert len(ei.value.args) == 2
    cursor.execute("SELECT 1")  # the connection survives a server error
    assert cursor.fetchone() == (1,)


def test_duplicate_key(driver, cursor):
    cursor.execute("CREATE TEMPORARY TABLE t_dup (id INT PRIMARY KEY)")
    cursor.execute("INSERT INTO t_dup VALUES (1)")
    with pytest.raises(driver.IntegrityError) as ei:
        cursor.execute("INSERT INTO t_dup VALUES (1)")
    assert ei.value.args[0] == 1062
    assert "Duplicate entry" in ei.value.args[1]


def test_bad_password(driver, server_kwargs):
    with pytest.raises(driver.OperationalError) as ei:
        driver.connect(**{**server_kwargs, "password": "certainly-wrong"})
    assert ei.value.args[0] == 1045


def test_refused_port(driver, server_kwargs):
    kw = {**server_kwargs, "host": "127.0.0.1", "port": _closed_port()}
    kw.pop("unix_socket", None)
    with pytest.raises(driver.OperationalError) as ei:
        driver.connect(**kw)
    # 2003 as libmysqlclient and the design say (mysqlclient on libmariadb says 2002).
    assert ei.value.args[0] == 2003


def test_unknown_database(driver, server_kwargs):
    with pytest.raises(driver.OperationalError) as ei:
        driver.connect(**{**server_kwargs, "database": "unshaken_no_such_db"})
    assert ei.value.args[0] == 1049


@pytest.mark.parametrize(
    "sql,args", [("SELECT %s", (1, 2)), ("SELECT %s, %s", (1,))], ids=["too-many", "too-few"]
)
def test_wrong_parameter_count(driver, cursor, sql, args):
    with pytest.raises(driver.ProgrammingError):
        cursor.execute(sql, args)


def test_closed_cursor(driver, cursor):
    cursor.close()
    with pytest.raises(driver.ProgrammingError):
        cursor.execute("SELECT 1")


@pytest.mark.parametrize(
    "use",
    [
        lambda c: c.cursor().execute("SELECT 1"),
        lambda c: c.ping(),
        lambda c: c.commit(),
        lambda c: c.thread_id(),
    ],
    ids=["execute", "ping", "commit", "thread_id"],
)
def test_closed_connection(driver, conn, use):
    conn.close()
    with pytest.raises(driver.OperationalError) as ei:
        use(conn)
    assert ei.value.args[0] == 2006


def test_exception_hierarchy(driver):
    assert issubclass(driver.OperationalError, driver.DatabaseError)
    assert issubclass(driver.ProgrammingError, driver.DatabaseError)
    assert issubclass(driver.IntegrityError, driver.DatabaseError)
    assert issubclass(driver.DatabaseError, driver.Error)
    assert issubclass(driver.InterfaceError, driver.Error)


# -- unshaken extensions --------------------------------------------------------------


@pytest.mark.unshaken_only
def test_stats(conn, cursor):
    before = conn.stats()
    assert set(before) == {"interrupted_retries", "bytes_in", "bytes_out", "queries"}
    assert all(isinstance(v, int) for v in before.values())
    cursor.execute("SELECT REPEAT('x', 1000)")
    cursor.fetchall()
    after = conn.stats()
    assert after["queries"] == before["queries"] + 1
    assert after["bytes_in"] >= before["bytes_in"] + 1000
    assert after["bytes_out"] > before["bytes_out"]


@pytest.mark.slow
@pytest.mark.unshaken_only
def test_retry_is_logged_at_debug(signal_script, server_kwargs):
    s = signal_script(
        "log_storm.py",
        {"kwargs": server_kwargs, "storm": {"kind": "timer", "interval": 0.0002}, "queries": 20},
    )
    assert s["signals"] > 0, s
    assert s["stats"]["interrupted_retries"] > 0, s
    assert s["debug_records"] > 0, s
    assert all(n == "unshaken" or n.startswith("unshaken.") for n in s["loggers"]), s


@pytest.mark.unshaken_only
def test_logging_set_up_after_import_gets_the_next_connections_records(server_kwargs):
    # The core forwards its log records to Python once `logging` is imported (not
    # imported for it: that would cost every process its import time).
    import json
    import subprocess
    import sys

    script = """
import json, sys
import unshaken
kw = json.loads(sys.argv[1])
unshaken.connect(**kw).close()
assert "logging" not in sys.modules, "the driver imported logging"
import logging
records = []
class Keep(logging.Handler):
    def emit(self, record):
        records.append(record.getMessage())
log = logging.getLogger("unshaken")
log.setLevel(logging.DEBUG)
log.addHandler(Keep())
unshaken.connect(**kw).close()
print(json.dumps(records))
"""
    out = subprocess.run([sys.executable, "-c", script, json.dumps(server_kwargs)],
                         capture_output=True, text=True, timeout=60, check=True)
    records = json.loads(out.stdout)
    assert any(m.startswith("logged in to ") for m in records), records


def test_unix_socket(driver, throwaway_server):
    kw = throwaway_server.connect_kwargs()
    del kw["host"], kw["port"]
    with driver.connect(unix_socket=throwaway_server.unix_socket, **kw) as c:
        cur = c.cursor()
        cur.execute("SELECT @@socket")
        assert cur.fetchone() == (throwaway_server.unix_socket,)
