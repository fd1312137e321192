"""A buffered cursor's execute() runs as one native call (Connection.query_stored);
cursors and connections whose subclasses override one of the steps it stands for
still see that step called, with the same results either way."""

import unshaken
from unshaken import cursors
from unshaken.connections import Connection


class CountingCursor(cursors.Cursor):
    calls = 0

    def _post_get_result(self):
        type(self).calls += 1
        super()._post_get_result()


class QueryLoggingConnection(Connection):
    def query(self, query):
        self.seen.append(query)
        super().query(query)


def test_stock_buffered_cursors_take_one_call():
    assert cursors.Cursor._one_crossing and cursors.DictCursor._one_crossing
    assert not cursors.SSCursor._one_crossing and not cursors.SSDictCursor._one_crossing
    assert Connection._one_crossing


def test_an_overridden_cursor_step_is_still_called(conn):
    assert not CountingCursor._one_crossing
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
