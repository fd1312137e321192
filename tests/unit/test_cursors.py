import pytest
from fake_native import Reply
from unshaken import IntegrityError, InterfaceError, ProgrammingError, cursors


def rows_responder(rows=((1, "a"), (2, "b"), (3, "c")), names=("id", "name")):
    def respond(sql):
        if sql.startswith(b"SELECT"):
            return [Reply(rows=list(rows), names=names)]
        return [Reply(affected=1, insert_id=42)]
    return respond


def sent(conn):
    return conn._conn.log[-1]


def test_execute_without_args_keeps_percent(conn):
    cur = conn.cursor()
    cur.execute("UPDATE t SET a = 'x%s' WHERE b LIKE '100%'")
    assert sent(conn) == b"UPDATE t SET a = 'x%s' WHERE b LIKE '100%'"


def test_execute_with_sequence_args(conn):
    cur = conn.cursor()
    assert cur.execute("UPDATE t SET a=%s, b=%s WHERE c LIKE 'x%%'", ("it's", None)) == 1
    assert sent(conn) == b"UPDATE t SET a='it\\'s', b=NULL WHERE c LIKE 'x%'"
    assert cur.lastrowid == 42 and cur.rowcount == 1
    assert cur._executed == sent(conn)


def test_execute_with_mapping_args(conn):
    cur = conn.cursor()
    cur.execute("INSERT INTO t VALUES (%(a)s, %(b)s, %(a)s)", {"a": 1, "b": b"\x00"})
    assert sent(conn) == b"INSERT INTO t VALUES (1, '\\0', 1)"


def test_sequence_argument_expands_for_in(conn):
    conn.cursor().execute("DELETE FROM t WHERE id IN %s", ([1, 2, "x"],))
    assert sent(conn) == b"DELETE FROM t WHERE id IN (1,2,'x')"


def test_unicode_query_and_args_are_encoded(conn):
    conn.cursor().execute("SELECT 'ü', %s", ("ß",))
    assert sent(conn) == "SELECT 'ü', 'ß'".encode()


@pytest.mark.parametrize("query,args", [
    ("SELECT %s, %s", (1,)),
    ("SELECT %s", (1, 2)),
])
def test_wrong_argument_count_is_programming_error(conn, query, args):
    with pytest.raises(ProgrammingError, match="arguments"):
        conn.cursor().execute(query, args)


def test_mogrify(conn):
    assert conn.cursor().mogrify("SELECT %s, %s", ("a", 1)) == "SELECT 'a', 1"
    assert conn.cursor().mogrify("SELECT 100%") == "SELECT 100%"


def test_fetch_methods(make_conn):
    conn = make_conn(rows_responder())
    cur = conn.cursor()
    assert cur.execute("SELECT id, name FROM t") == 3
    assert cur.description[0][0] == "id" and len(cur.description[0]) == 7
    assert cur.fetchone() == (1, "a")
    assert cur.fetchmany(5) == ((2, "b"), (3, "c"))
    assert cur.fetchone() is None
    assert cur.fetchmany() == ()
    assert cur.fetchall() == ()
    cur.scroll(0, "absolute")
    assert cur.fetchall() == ((1, "a"), (2, "b"), (3, "c"))
    cur.scroll(-2)
    assert cur.rownumber == 1
    assert list(cur) == [(2, "b"), (3, "c")]
    with pytest.raises(IndexError):
        cur.scroll(5)
    with pytest.raises(ProgrammingError):
        cur.scroll(0, "sideways")


def test_fetch_before_execute(conn):
    with pytest.raises(ProgrammingError, match="execute"):
        conn.cursor().fetchone()


def test_statement_without_result_set(conn):
    cur = conn.cursor()
    cur.execute("DELETE FROM t")
    assert cur.description is None
    assert cur.fetchone() is None and cur.fetchall() == ()


def test_dict_cursor(make_conn):
    conn = make_conn(rows_responder())
    cur = conn.cursor(cursors.DictCursor)
    cur.execute("SELECT id, name FROM t")
    assert cur.fetchone() == {"id": 1, "name": "a"}


def test_ss_cursor_streams(make_conn):
    conn = make_conn(rows_responder())
    cur = conn.cursor(cursors.SSCursor)
    cur.execute("SELECT id, name FROM t")
    assert cur.fetchone() == (1, "a")
    assert next(cur) == (2, "b")
    assert cur.fetchall() == ((3, "c"),)
    assert cur.rownumber == 3
    assert cur.fetchone() is None


def test_ss_cursor_close_drains_unread_rows(make_conn):
    conn = make_conn(rows_responder())
    cur = conn.cursor(cursors.SSDictCursor)
    cur.execute("SELECT id, name FROM t")
    result = cur._result
    cur.close()
    assert result.num_rows() == 0


def test_closed_cursor(conn):
    cur = conn.cursor()
    cur.execute("DELETE FROM t")
    cur.close()
    cur.close()  # harmless
    assert cur.rowcount == 1  # kept after close, Django reads it
    with pytest.raises(ProgrammingError, match="cursor closed"):
        cur.execute("SELECT 1")
    with pytest.raises(ProgrammingError, match="cursor closed"):
        cur.fetchall()


def test_cursor_context_manager(conn):
    with conn.cursor() as cur:
        cur.execute("DELETE FROM t")
    assert cur.connection is None


def multi_responder(sql):
    if sql.startswith((b"CALL", b"SELECT 1; SELECT 2")):
        return [Reply(rows=[(1,)], names=("a",)), Reply(rows=[(2,)], names=("b",)), Reply()]
    return [Reply()]


def test_nextset(make_conn):
    conn = make_conn(multi_responder)
    cur = conn.cursor()
    cur.execute("SELECT 1; SELECT 2")
    assert cur.fetchall() == ((1,),)
    assert cur.nextset() == 1
    assert cur.fetchall() == ((2,),)
    assert cur.nextset() == 1
    assert cur.description is None
    assert cur.nextset() is None


def test_execute_drains_pending_results(make_conn):
    conn = make_conn(multi_responder)
    cur = conn.cursor()
    cur.execute("SELECT 1; SELECT 2")
    cur.execute("DELETE FROM t")  # would be out of sync without draining
    assert sent(conn) == b"DELETE FROM t"


def test_callproc(make_conn):
    conn = make_conn(multi_responder)
    cur = conn.cursor()
    assert cur.callproc("p", (1, "x")) == (1, "x")
    assert conn._conn.log[-2:] == [b"SET @_p_0=1,@_p_1='x'", b"CALL p(@_p_0,@_p_1)"]
    assert cur.fetchall() == ((1,),)
    cur.close()  # drains the CALL's remaining results
    conn.cursor().callproc("q")
    assert sent(conn) == b"CALL q()"


def test_executemany_rewrites_insert(conn):
    cur = conn.cursor()
    n = cur.executemany("INSERT INTO t (a, b) VALUES (%s, %s)", [(1, "x"), (2, None), (3, "z")])
    assert sent(conn) == b"INSERT INTO t (a, b) VALUES (1, 'x'),(2, NULL),(3, 'z')"
    assert n == cur.rowcount == 1  # affected rows reported by the (fake) server


def test_executemany_keeps_on_duplicate_and_unescapes_percent(conn):
    cur = conn.cursor()
    cur.executemany(
        "insert into t (a) values (%(a)s) on duplicate key update b = 'x%%'",
        [{"a": 1}, {"a": 2}],
    )
    assert sent(conn) == b"insert into t (a) values (1),(2) on duplicate key update b = 'x%'"


def test_executemany_splits_at_max_stmt_length(conn):
    cur = conn.cursor()
    cur.max_stmt_length = len("INSERT INTO t VALUES (1),(2)")
    cur.executemany("INSERT INTO t VALUES (%s)", [(1,), (2,), (3,), (4,), (5,)])
    assert conn._conn.log[-3:] == [
        b"INSERT INTO t VALUES (1),(2)",
        b"INSERT INTO t VALUES (3),(4)",
        b"INSERT INTO t VALUES (5)",
    ]
    assert cur.rowcount == 3


def test_executemany_other_statements_loop(conn):
    cur = conn.cursor()
    assert cur.executemany("UPDATE t SET a=%s", [(1,), (2,)]) == 2
    assert conn._conn.log[-2:] == [b"UPDATE t SET a=1", b"UPDATE t SET a=2"]


def test_executemany_insert_select_is_not_rewritten(conn):
    cur = conn.cursor()
    cur.executemany("INSERT INTO t SELECT * FROM u WHERE a=%s", [(1,), (2,)])
    assert conn._conn.log[-2:] == [b"INSERT INTO t SELECT * FROM u WHERE a=1",
                                   b"INSERT INTO t SELECT * FROM u WHERE a=2"]


def test_executemany_empty(conn):
    cur = conn.cursor()
    before = list(conn._conn.log)
    assert cur.executemany("INSERT INTO t VALUES (%s)", []) is None
    assert cur.executemany("INSERT INTO t VALUES (%s)", iter([])) is None
    assert conn._conn.log == before


def test_executemany_placeholder_outside_values_row(conn):
    with pytest.raises(ProgrammingError):
        conn.cursor().executemany(
            "INSERT INTO t VALUES (%s) ON DUPLICATE KEY UPDATE a=%s", [(1,), (2,)]
        )


def test_insert_values_regex():
    m = cursors.RE_INSERT_VALUES.match("  REPLACE INTO t VALUE (%s,%(x)s) ;  ")
    assert m.group("head") == "REPLACE INTO t VALUE "
    assert m.group("row") == "(%s,%(x)s)"
    assert cursors.RE_INSERT_VALUES.match("INSERT INTO t VALUES (%s, NOW())") is None


def test_server_error_propagates(make_conn):
    def respond(sql):
        return [Reply(error=(1062, "Duplicate entry"))]

    conn = make_conn()
    fake = conn._conn
    fake.responder = respond
    with pytest.raises(IntegrityError) as info:
        conn.cursor().execute("INSERT INTO t VALUES (1)")
    assert info.value.args == (1062, "Duplicate entry")


def test_cursor_exposes_exception_classes(conn):
    cur = conn.cursor()
    assert cur.InterfaceError is InterfaceError
    cur.setinputsizes(1)
    cur.setoutputsize(1)
    cur.setoutputsizes(1)
