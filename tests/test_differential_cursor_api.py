"""Differential checks of the API surface mysqlclient 2.3's own suite looks at:
``warning_count`` on every cursor class, cursors as iterators, ``closed``,
``client_flag``, ``ping()``'s warning and ``literal()`` of container subclasses. The
same calls go through mysqlclient (the reference, ``MySQLdb``) and unshaken on the
same server, and must give the same results.
"""

from __future__ import annotations

import collections
import warnings

import pytest
import unshaken

MySQLdb = pytest.importorskip("MySQLdb")
REF_CURSORS = pytest.importorskip("MySQLdb.cursors")

pytestmark = pytest.mark.unshaken_only

CURSORS = ["Cursor", "DictCursor", "SSCursor", "SSDictCursor"]
STATEMENTS = [
    ("DROP TABLE IF EXISTS `no_such_table_diff`", "none"),
    ("SELECT CAST('abc' AS SIGNED), CAST('1x' AS SIGNED)", "one"),
    ("SELECT CAST('abc' AS SIGNED) FROM seq_1_to_5", "many2"),
    ("SELECT CAST('abc' AS SIGNED) FROM seq_1_to_5", "all"),
    ("SELECT 1", "iterate"),
    ("SELECT seq FROM seq_1_to_4", "iterate"),
]


@pytest.fixture
def pair(server_kwargs):
    cons = (MySQLdb.connect(**server_kwargs), unshaken.connect(**server_kwargs))
    yield cons
    for con in cons:
        if not con.closed:
            con.close()


def _observe(con, cursor_name):
    """(statement, fetch) -> what warning_count and the rows say at each step."""
    cur = con.cursor(getattr(_cursors(con), cursor_name))
    seen = []
    for sql, how in STATEMENTS:
        cur.execute(sql)
        step = [cur.warning_count]
        if how == "one":
            step += [cur.fetchone(), cur.warning_count, cur.fetchone(), cur.warning_count]
        elif how == "many2":
            step += [len(cur.fetchmany(2)), cur.warning_count,
                     len(cur.fetchmany(10)), cur.warning_count]
        elif how == "all":
            step += [len(cur.fetchall()), cur.warning_count]
        elif how == "iterate":
            step += [iter(cur) is cur, list(cur), cur.warning_count]
            with pytest.raises(StopIteration):
                next(cur)
        seen.append(step)
    cur.close()
    return seen


def _cursors(con):
    return REF_CURSORS if type(con).__module__.startswith("MySQLdb") else unshaken.cursors


@pytest.mark.parametrize("cursor_name", CURSORS)
def test_warning_count_and_iteration(pair, cursor_name):
    ref, got = (_observe(con, cursor_name) for con in pair)
    assert got == ref


def test_closed_and_client_flag(server_kwargs):
    flags = MySQLdb.constants.CLIENT.FOUND_ROWS
    seen = []
    for mod in (MySQLdb, unshaken):
        con = mod.connect(client_flag=flags, **server_kwargs)
        step = [con.closed, type(con.closed).__name__, bool(con.client_flag & flags),
                type(con.client_flag).__name__]
        with pytest.raises(AttributeError):
            con.client_flag = 0
        with con:
            step.append(con.closed)
        step.append(con.closed)
        seen.append(step)
    assert seen[1] == seen[0]


def test_ping_argument_warns(pair):
    seen = []
    for con in pair:
        step = []
        for args in ((), (False,), (True,)):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                con.ping(*args)
            step.append([(w.category.__name__, str(w.message)) for w in caught])
        seen.append(step)
    assert seen[1] == seen[0]


def test_literal_of_container_subclasses(pair):
    class Tup(tuple):
        pass

    class Lst(list):
        pass

    class St(set):
        pass

    point = collections.namedtuple("point", "x y")
    values = [Tup(("a", 1)), Lst(["b", 2]), St(["c"]), point(1, 2), ("d", 3), ["e", 4]]
    seen = []
    for con in pair:
        step = [con.literal(v) for v in values]
        con.encoders[Tup] = lambda v, m: b"'custom tuple'"
        con.encoders[Lst] = lambda v, m: b"'custom list'"
        step += [con.literal(v) for v in values]
        cur = con.cursor()
        cur.execute("SELECT %s, %s", (Tup(("x",)), Lst(["y"])))
        step.append(cur.fetchall())
        seen.append(step)
    assert seen[1] == seen[0]
