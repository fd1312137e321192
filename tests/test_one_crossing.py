"""A buffered cursor's execute() runs as one native call (Connection.query_stored,
and with the arguments bound in it too: _native.execute_stored); cursors and
connections whose subclasses override one of the steps it stands for still see that
step called, with the same results either way."""

import pytest
import unshaken
from unshaken import cursors
from unshaken.connections import Connection


class CountingCursor(cursors.Cursor):
    calls = 0

    def _post_get_result(self):
        type(self).calls += 1
        super()._post_get_result()


class BindingCursor(cursors.Cursor):
    """One crossing for the statement, the arguments bound by a call of their own."""

    def _mogrify(self, query, args=None):
        return super()._mogrify(query, args)


class QueryLoggingConnection(Connection):
    def query(self, query):
        self.seen.append(query)
        super().query(query)


def test_stock_buffered_cursors_take_one_call():
    assert cursors.Cursor._one_crossing and cursors.DictCursor._one_crossing
    assert cursors.Cursor._fused_execute and cursors.DictCursor._fused_execute
    assert not cursors.SSCursor._one_crossing and not cursors.SSDictCursor._one_crossing
    assert not cursors.SSCursor._fused_execute
    assert BindingCursor._one_crossing and not BindingCursor._fused_execute
    assert not CountingCursor._fused_execute
    assert Connection._one_crossing


def _shown(cur):
    """Everything a cursor shows of its last statement."""
    return (cur.description, cur.description_flags, cur.rowcount, cur.lastrowid,
            cur.warning_count, cur._executed, cur.rownumber, cur.connection.errno())


def _outcome(fn, *args):
    try:
        return ("ok", fn(*args))
    except unshaken.Error as exc:
        return (type(exc), exc.args)


# Each step runs after the one before it on the same cursor: what a step leaves
# behind (a failed statement's figures, an earlier statement's rowcount) is compared.
STEPS = [
    ("CREATE TEMPORARY TABLE oc2 (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(9))", None),
    ("INSERT INTO oc2 (v) VALUES (%s), (%s)", ("a", "b")),
    ("SELECT id, v FROM oc2 WHERE v <> %s ORDER BY id", ("z",)),
    ("SELECT * FROM no_such_table_oc2 WHERE id = %s", (1,)),  # a server error
    ("SELECT %s, %s", (1,)),  # a binding error after a server error: nothing sent
    ("SELECT %(a)s, %(b)s", {"a": 1, "b": "x'y"}),
    ("SELECT %s", (1,)),
    ("SELECT %s", ("a", "b")),  # a binding error after a statement with a result
    ("SELECT CAST(%s AS DECIMAL(5,2)), %s", (b"1.5", None)),
    ("SELECT 1 %% 2, %s", (3,)),
    (b"SELECT %s", (7,)),
    ("SELECT 1 % 2", None),  # no arguments: no % formatting
    # The same columns again (the fused path reuses the last description), with
    # longer, shorter and NULL values, then a column of the same name and another type.
    ("SELECT %s AS v", ("a",)),
    ("SELECT %s AS v", ("abcd",)),
    ("SELECT %s AS v", ("ab",)),
    ("SELECT %s AS v", ("ab",)),
    ("SELECT %s AS v", (None,)),
    ("SELECT %s AS v", (5,)),
    ("INSERT INTO oc2 (v) VALUES (%s), (NULL)", ("abcd",)),
    ("SELECT v FROM oc2 WHERE id = %s", (1,)),
    ("SELECT v FROM oc2 WHERE id = %s", (3,)),
    ("SELECT v FROM oc2 WHERE id = %s", (4,)),
    ("SELECT v FROM oc2 WHERE id = %s", (1,)),
    ("SELECT id AS v FROM oc2 WHERE id = %s", (1,)),
    ("SELECT v FROM oc2 WHERE id = %s", (1,)),
]


@pytest.mark.parametrize("cls", [BindingCursor, CountingCursor])
def test_the_fused_execute_shows_what_the_other_paths_show(connect, cls):
    runs = []
    for cursor_class in (cursors.Cursor, cls):
        cur = connect().cursor(cursor_class)
        seen = []
        for sql, args in STEPS:
            outcome = _outcome(cur.execute, sql, args)
            rows = _outcome(cur.fetchall)
            seen.append((sql, outcome, rows, _shown(cur)))
        runs.append(seen)
    for fused, other in zip(*runs):
        assert fused == other
    errors = {sql: outcome[0] for sql, outcome, _, _ in runs[0]}
    assert errors["SELECT %s, %s"] is unshaken.ProgrammingError
    assert errors["SELECT * FROM no_such_table_oc2 WHERE id = %s"] is unshaken.ProgrammingError


def test_pending_results_are_drained_before_the_fused_execute(conn):
    first = conn.cursor()
    first.execute("SELECT 1; SELECT 2")  # the second result is still pending
    cur = conn.cursor()
    cur.execute("SELECT %s", (3,))
    assert cur.fetchall() == ((3,),)
    assert first.nextset() is None


def test_an_overridden_cursor_step_is_still_called(conn):
    assert not CountingCursor._one_crossing
    CountingCursor.calls = 0
    cur = conn.cursor(CountingCursor)
    cur.execute("SELECT %s, 2", ("a",))
    assert cur.fetchall() == (("a", 2),)
    assert CountingCursor.calls == 1


def test_an_overridden_connection_method_is_still_called(server_kwargs):
    assert not QueryLoggingConnection._one_crossing
    db = QueryLoggingConnection(**server_kwargs)
    try:
        db.seen = []
        cur = db.cursor()
        cur.execute("SELECT %s", (5,))
        assert cur.fetchall() == ((5,),)
        assert db.seen == [b"SELECT 5"]
    finally:
        db.close()


def test_both_paths_show_the_same_statement(conn):
    shown = []
    for cur in (conn.cursor(), conn.cursor(CountingCursor)):
        cur.execute("CREATE TEMPORARY TABLE oc (id INT AUTO_INCREMENT PRIMARY KEY, v INT)")
        cur.execute("INSERT INTO oc (v) VALUES (1), (2)")
        insert = (cur.rowcount, cur.lastrowid, cur.description, cur.warning_count)
        cur.execute("SELECT id, v, CAST('x' AS SIGNED) FROM oc ORDER BY id")
        select = (cur.fetchall(), cur.rowcount, cur.lastrowid, cur.description,
                  cur.description_flags, cur.warning_count)
        cur.execute("DROP TEMPORARY TABLE oc")
        shown.append((insert, select))
    assert shown[0] == shown[1]
    assert shown[0][0] == (2, 1, None, 0)
    assert shown[0][1][:3] == (((1, 1, 0), (2, 2, 0)), 2, 1) and shown[0][1][5] == 2


def test_a_row_that_fails_to_convert_leaves_the_statement_shown(connect):
    def boom(value):
        raise ValueError("no")

    conv = dict(unshaken.converters.conversions)
    conv[unshaken.constants.FIELD_TYPE.LONG] = boom
    db = connect(conv=conv)
    cur = db.cursor()
    try:
        cur.execute("SELECT 1")
    except ValueError as exc:
        assert str(exc) == "no"
    else:
        raise AssertionError("the converter's error was not raised")
    assert cur.description[0][0] == "1" and cur.rowcount == 1
    cur.execute("SELECT 'next'")
    assert cur.fetchall() == (("next",),)


def test_a_template_is_never_reused_for_another_query(connect):
    # The core keeps the last template it parsed, keyed by the query's bytes: queries
    # that differ in one byte, or that alternate, each bind by their own.
    conn = connect()
    cur = conn.cursor()
    queries = [
        ("SELECT %s, %s", (1, "a"), (1, "a")),
        ("SELECT %s, %s ", (2, "b"), (2, "b")),
        ("SELECT %s,%s", (3, "c"), (3, "c")),
        ("SELECT %(x)s, %(y)s", {"x": 4, "y": "d"}, (4, "d")),
        ("SELECT %s, '%%s'", (5,), (5, "%s")),
        ("SET NAMES utf8mb4 /* %s */", (6,), None),  # Python binds this one
        ("SELECT %s, %s", (7, "e"), (7, "e")),
        # Too long to be kept: parsed every time.
        ("SELECT %s, '" + "x" * 5000 + "'", (8,), (8, "x" * 5000)),
        ("SELECT %s, '" + "x" * 5000 + "'", (9,), (9, "x" * 5000)),
    ]
    for _ in range(3):
        for sql, args, want in queries:
            cur.execute(sql, args)
            assert (cur.fetchall() == () if want is None else cur.fetchall() == (want,))
            if isinstance(args, dict):
                literals = {k.encode(): conn.literal(v) for k, v in args.items()}
            else:
                literals = tuple(conn.literal(v) for v in args)
            assert cur._executed == sql.encode() % literals


def test_threads_bind_their_own_queries(connect):
    import threading

    failures = []

    def run(k):
        conn = connect()
        cur = conn.cursor()
        try:
            for i in range(200):
                sql = f"SELECT %s, {k}" if i % 2 else f"SELECT {k}, %s"
                cur.execute(sql, (i,))
                want = (i, k) if i % 2 else (k, i)
                if cur.fetchall() != (want,):
                    failures.append((k, i))
        finally:
            conn.close()

    threads = [threading.Thread(target=run, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_a_reused_description_shows_this_statements_display_sizes(conn):
    cur = conn.cursor()
    cur.execute("CREATE TEMPORARY TABLE ds (id INT PRIMARY KEY, v VARCHAR(10))")
    cur.execute("INSERT INTO ds VALUES (1, 'a'), (2, 'abcd'), (3, 'ab'), (4, NULL)")
    sizes = []
    for i in (1, 2, 3, 3, 4, 1):
        cur.execute("SELECT v FROM ds WHERE id = %s", (i,))
        sizes.append(cur.description[0][2])
    assert sizes == [1, 4, 2, 2, 0, 1]
    # Literals of other lengths are columns of other lengths: described afresh.
    for value, want in (("a", (253, 1, 4)), ("abcd", (253, 4, 16)), (12345, (3, 5, 5))):
        cur.execute("SELECT %s AS v", (value,))
        assert cur.description[0][1:4] == want
