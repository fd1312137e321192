"""Per-statement deadlines (query_timeout, conn.timeout()), read_timeout, and what
cancel_on_interrupt changes: the statement is cancelled on the server and the
connection stays usable, or (switched off) the connection is closed with a clear error."""

import time

import pytest
from interrupts import CTRL_C_WITHIN, keyboard_interrupt_after

pytestmark = pytest.mark.unshaken_only

# How late past its deadline a timeout may fire: the same window as the signal storm
# tests (README: deadlines are exact).
SLACK = 0.2


def running_sleeps(connect, conn):
    """Whether `conn`'s session still runs a SLEEP on the server (seen from another)."""
    with connect() as watcher:
        cur = watcher.cursor()
        cur.execute(
            "SELECT COUNT(*) FROM information_schema.processlist "
            "WHERE info LIKE 'SELECT SLEEP(%%' AND id = %s",
            (conn.thread_id(),),
        )
        return cur.fetchone()[0]


def timed(fn):
    t0 = time.monotonic()
    try:
        fn()
    except Exception as e:  # noqa: BLE001 -- returned for the caller to check
        return e, time.monotonic() - t0
    return None, time.monotonic() - t0


def assert_usable(conn):
    cur = conn.cursor()
    cur.execute("SELECT 41 + 1")
    assert cur.fetchone() == (42,)


def test_query_timeout_cancels_and_keeps_the_connection(driver, connect):
    conn = connect(query_timeout=0.5)
    err, elapsed = timed(lambda: conn.cursor().execute("SELECT SLEEP(5)"))
    assert isinstance(err, driver.OperationalError) and err.args[0] == 2013
    assert "timed out" in err.args[1]
    assert 0.5 <= elapsed <= 0.5 + SLACK, elapsed
    assert running_sleeps(connect, conn) == 0
    assert_usable(conn)


def test_timeout_block_sets_and_restores(driver, connect):
    conn = connect()
    with conn.timeout(0.3):
        err, elapsed = timed(lambda: conn.cursor().execute("SELECT SLEEP(3)"))
        assert isinstance(err, driver.OperationalError) and err.args[0] == 2013
        assert 0.3 <= elapsed <= 0.3 + SLACK, elapsed
    assert conn.query_timeout is None
    cur = conn.cursor()
    cur.execute("SELECT SLEEP(0.5)")  # no deadline any more
    assert cur.fetchone() == (0,)


def test_deadline_covers_reading_an_unbuffered_result(driver, connect):
    conn = connect(query_timeout=0.6)
    cur = conn.cursor(driver.cursors.SSCursor)
    # Rows trickle out, one every 0.2 s (each larger than the server's network buffer,
    # so each is sent at once). The deadline, fixed when the statement was sent,
    # expires while rows are being fetched.
    t0 = time.monotonic()
    cur.execute("SELECT SLEEP(0.2), REPEAT('x', 40000) FROM seq_1_to_20")
    err, _ = timed(cur.fetchall)
    elapsed = time.monotonic() - t0
    assert isinstance(err, driver.OperationalError) and err.args[0] == 2013
    assert 0.6 <= elapsed <= 0.6 + SLACK, elapsed
    cur.close()
    assert_usable(conn)


def test_each_statement_gets_its_own_deadline(connect):
    conn = connect(query_timeout=0.5)
    cur = conn.cursor()
    for _ in range(3):  # 3 x 0.3 s > 0.5 s, but each statement is within its deadline
        cur.execute("SELECT SLEEP(0.3)")
        assert cur.fetchone() == (0,)


def test_read_timeout_cancels_and_keeps_the_connection(driver, connect):
    conn = connect(read_timeout=0.5)
    err, elapsed = timed(lambda: conn.cursor().execute("SELECT SLEEP(4)"))
    assert isinstance(err, driver.OperationalError) and err.args[0] == 2013
    assert 0.5 <= elapsed <= 0.5 + SLACK, elapsed
    assert running_sleeps(connect, conn) == 0
    assert_usable(conn)


def test_without_cancel_a_timeout_closes_the_connection(driver, connect):
    conn = connect(read_timeout=0.5, cancel_on_interrupt=False)
    err, elapsed = timed(lambda: conn.cursor().execute("SELECT SLEEP(2)"))
    assert isinstance(err, driver.OperationalError) and err.args[0] == 2013
    assert 0.5 <= elapsed <= 0.5 + SLACK, elapsed
    err, _ = timed(lambda: conn.cursor().execute("SELECT 1"))
    assert isinstance(err, driver.OperationalError) and err.args[0] == 2006
    assert "timed out" in err.args[1]


def test_without_cancel_ctrl_c_closes_the_connection(driver, connect):
    conn = connect(cancel_on_interrupt=False)
    t0 = time.monotonic()
    with keyboard_interrupt_after(0.3), pytest.raises(KeyboardInterrupt):
        conn.cursor().execute("SELECT SLEEP(3)")
    assert 0.3 <= time.monotonic() - t0 <= 0.3 + CTRL_C_WITHIN
    with pytest.raises(driver.OperationalError) as e:
        conn.cursor().execute("SELECT 1")
    assert e.value.args[0] == 2006 and "interrupted" in e.value.args[1]


def test_ctrl_c_cancels_and_keeps_the_connection(driver, connect):
    conn = connect()
    t0 = time.monotonic()
    with keyboard_interrupt_after(0.3), pytest.raises(KeyboardInterrupt):
        conn.cursor().execute("SELECT SLEEP(3)")
    assert 0.3 <= time.monotonic() - t0 <= 0.3 + CTRL_C_WITHIN
    assert running_sleeps(connect, conn) == 0
    assert_usable(conn)
