"""No connection outlives its last reference, as with mysqlclient: a connection
nobody can reach is closed when the last reference goes, or when the garbage
collector frees the reference cycle it is in (with its cursors, its results, and
converters that refer back to it). Closed means: gone from the server's PROCESSLIST,
its open transaction rolled back and its metadata locks released, so a DROP TABLE
from another connection does not wait (the hang mysqlclient's own suite ran into).

Each check asks the server, from a second connection, and is bounded in time.
"""

from __future__ import annotations

import gc
import time

import pytest

TABLE = "lifetime_t"
WAIT = 10.0  # seconds for the server to see a closed session go


@pytest.fixture
def observer(driver, server_kwargs):
    con = driver.connect(**server_kwargs)
    cur = con.cursor()
    # A DROP blocked by a metadata lock (a session an earlier test leaked) fails with
    # 1205 after this, never hangs.
    cur.execute("SET SESSION lock_wait_timeout = 5")
    cur.execute(f"DROP TABLE IF EXISTS {TABLE}")
    cur.execute(f"CREATE TABLE {TABLE} (id INT PRIMARY KEY, v VARCHAR(20))")
    cur.execute(f"INSERT INTO {TABLE} VALUES " + ",".join(f"({i}, 'row {i}')" for i in range(50)))
    con.commit()
    yield con
    cur = con.cursor()
    cur.execute(f"DROP TABLE IF EXISTS {TABLE}")
    con.close()


def _alive(observer, thread_id):
    cur = observer.cursor()
    cur.execute("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = %s",
                (thread_id,))
    return cur.fetchone()[0] == 1


def _assert_gone(observer, thread_id):
    deadline = time.monotonic() + WAIT
    while _alive(observer, thread_id):
        assert time.monotonic() < deadline, f"session {thread_id} still on the server"
        time.sleep(0.05)
    # Its metadata lock on the table is released: DROP TABLE does not wait.
    start = time.monotonic()
    observer.cursor().execute(f"DROP TABLE {TABLE}")
    assert time.monotonic() - start < 4
    observer.cursor().execute(f"CREATE TABLE {TABLE} (id INT PRIMARY KEY)")


def _holding_a_lock(driver, server_kwargs, cursorclass=None):
    """A connection in an open transaction that has read the table (so it holds a
    metadata lock on it until it commits, rolls back or goes away)."""
    con = driver.connect(**server_kwargs)
    cur = con.cursor(cursorclass) if cursorclass else con.cursor()
    cur.execute(f"SELECT * FROM {TABLE} ORDER BY id")
    return con, cur


def test_last_reference_closes(driver, server_kwargs, observer):
    con, cur = _holding_a_lock(driver, server_kwargs)
    tid = con.thread_id()
    assert _alive(observer, tid)
    del con, cur
    _assert_gone(observer, tid)


def test_cycle_with_its_cursor_is_collected(driver, server_kwargs, observer):
    con, cur = _holding_a_lock(driver, server_kwargs)
    con.keep = cur  # connection -> cursor -> connection
    tid = con.thread_id()
    del con, cur
    gc.collect()
    _assert_gone(observer, tid)


def test_cycle_through_a_converter_is_collected(driver, server_kwargs, observer):
    con, cur = _holding_a_lock(driver, server_kwargs)
    # A converter that refers back to its connection: the cycle runs through the
    # converter dict the driver's session object holds.
    con.converter[driver.FIELD_TYPE.LONG] = lambda v, con=con: int(v)
    cur.execute(f"SELECT id FROM {TABLE} ORDER BY id LIMIT 2")
    assert cur.fetchall() == ((0,), (1,))
    tid = con.thread_id()
    del con, cur
    gc.collect()
    _assert_gone(observer, tid)


@pytest.mark.unshaken_only  # mysqlclient 2.3.2 keeps this session until exit
def test_cycle_through_an_unread_streamed_result_is_collected(driver, server_kwargs, observer):
    con = driver.connect(**server_kwargs)
    cur = con.cursor(driver.cursors.SSCursor)
    con.converter[driver.FIELD_TYPE.LONG] = lambda v, cur=cur: int(v)
    cur.execute(f"SELECT id FROM {TABLE} ORDER BY id")
    assert cur.fetchone() == (0,)  # the rest stays unread; the result holds the converter
    tid = con.thread_id()
    del con, cur
    gc.collect()
    _assert_gone(observer, tid)


@pytest.mark.parametrize("cursor_name", ["SSCursor", "SSDictCursor"])
def test_rows_left_unread_do_not_block_the_next_statement(driver, server_kwargs, cursor_name):
    """A streaming cursor dropped before its last row: the rest is read and thrown away
    (as mysql_free_result does), so a new cursor's statement runs (no 2014)."""
    con = driver.connect(**server_kwargs)
    try:
        cur = con.cursor(getattr(driver.cursors, cursor_name))
        cur.execute("SELECT seq FROM seq_1_to_1000")
        assert cur.fetchone() is not None
        del cur
        cur = con.cursor()
        cur.execute("SELECT 42")
        assert cur.fetchone() == (42,)
    finally:
        con.close()


def test_closed_and_context_manager(driver, server_kwargs):
    with driver.connect(**server_kwargs) as con:
        assert con.closed == 0
        assert con.cursor().execute("SELECT 1") == 1
    assert con.closed == 1
    with pytest.raises(driver.OperationalError):
        con.cursor().execute("SELECT 1")
