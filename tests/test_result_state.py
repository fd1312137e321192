"""Unbuffered results and threads: a result never reads another statement's rows, two
threads on one result get an error instead of a deadlock, and a closed connection is
really closed (the server sees it go) even while the Python object lives on."""

import threading
import time

import pytest
import unshaken

pytestmark = pytest.mark.unshaken_only

# Rows larger than the server's network buffer, one every 0.05 s: they trickle.
TRICKLE = "SELECT SLEEP(0.05), REPEAT('x', 40000) FROM seq_1_to_40"


def test_stale_unbuffered_result_cannot_read_a_later_statement(conn):
    ss = conn.cursor(unshaken.cursors.SSCursor)
    ss.execute("SELECT seq FROM seq_1_to_1000")
    assert ss.fetchone() == (1,)
    conn.discard_result()  # the rest of that result is gone
    other = conn.cursor()
    other.execute("SELECT 'later'")
    assert other.fetchall() == (("later",),)
    with pytest.raises(unshaken.ProgrammingError) as e:
        ss.fetchall()
    assert e.value.args[0] == 2014


def test_two_threads_on_one_result_do_not_deadlock(conn):
    cur = conn.cursor(unshaken.cursors.SSCursor)
    cur.execute(TRICKLE)
    box = {}

    def fetch_all():
        box["rows"] = len(cur.fetchall())

    reader = threading.Thread(target=fetch_all)
    reader.start()
    time.sleep(0.2)  # the reader is now waiting for rows with the GIL released
    t0 = time.monotonic()
    with pytest.raises(unshaken.ProgrammingError) as e:
        cur.fetchone()
    assert e.value.args[0] == 2014 and time.monotonic() - t0 < 0.5
    reader.join(10)
    assert not reader.is_alive() and box["rows"] >= 35


def test_close_with_an_unread_result_ends_the_server_session(connect, conn):
    victim = connect()
    tid = victim.thread_id()
    cur = victim.cursor(unshaken.cursors.SSCursor)
    cur.execute("SELECT seq FROM seq_1_to_100000")
    cur.fetchone()
    victim.close()  # no COM_QUIT possible mid-result: the socket must really close
    watcher = conn.cursor()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        watcher.execute("SELECT COUNT(*) FROM information_schema.processlist WHERE id = %s",
                        (tid,))
        if watcher.fetchone()[0] == 0:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the server still has the closed connection's session")
    assert victim is not None  # the object is alive; only its session is gone
