"""unshaken.pool.ConnectionPool against the real server: no session state crosses a
checkout, the checkout deadline is exact, Ctrl-C while waiting is prompt and leaks
nothing, dead connections are replaced, fork and threads are safe."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
import unshaken
from interrupts import CTRL_C_WITHIN, keyboard_interrupt_after
from unshaken.pool import ConnectionPool, PoolClosed, PoolTimeout

pytestmark = pytest.mark.unshaken_only

# A deadline is kept to within this (scheduling on a busy 2-core machine included).
TOLERANCE = 0.1


@pytest.fixture
def make_pool(server_kwargs):
    pools = []

    def _make(**kw):
        pool = ConnectionPool(**{**server_kwargs, **kw})
        pools.append(pool)
        return pool

    yield _make
    for p in pools:
        p.close()


def one(conn, sql):
    cur = conn.cursor()
    cur.execute(sql)
    rows = cur.fetchall()
    cur.close()
    return rows[0] if rows else None


def wait_until_gone(conn, thread_id, within=5.0):
    """KILL is asynchronous: wait until the session has left the process list."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if one(conn, f"SELECT COUNT(*) FROM information_schema.processlist WHERE id={thread_id}")[0] == 0:
            return
        time.sleep(0.02)
    raise AssertionError(f"session {thread_id} still there after KILL")


# -- no session state leaks ------------------------------------------------------------


SETUP = [
    "SET @secret = 'user one'",
    "CREATE TEMPORARY TABLE t_pool_tmp (a INT)",
    "SET autocommit = 1",
    "SET SESSION sql_mode = 'ANSI_QUOTES'",
    "SET SESSION time_zone = '+05:00'",
]
PROBE = (
    "SELECT @secret, @@autocommit, @@session.sql_mode LIKE '%ANSI_QUOTES%',"
    " @@session.time_zone = '+05:00'"
)


def test_session_state_does_not_leak_to_the_next_user(make_pool):
    pool = make_pool(max_size=1)
    with pool.connection() as conn:
        tid = conn.thread_id()
        for sql in SETUP:
            one(conn, sql)
        assert one(conn, PROBE) == ("user one", 1, 1, 1)
        assert one(conn, "SELECT COUNT(*) FROM t_pool_tmp") == (0,)
    with pool.connection() as conn:
        assert conn.thread_id() == tid  # the same session, reused
        assert one(conn, PROBE) == (None, 0, 0, 0)
        assert conn.get_autocommit() is False  # as connect() left it
        with pytest.raises(unshaken.ProgrammingError) as info:
            one(conn, "SELECT COUNT(*) FROM t_pool_tmp")  # the temporary table is gone
        assert info.value.args[0] == 1146


def test_without_reset_state_does_carry_over(make_pool):
    """reset=False only rolls back: the probe above is able to see a leak."""
    pool = make_pool(max_size=1, reset=False)
    with pool.connection() as conn:
        one(conn, "SET @secret = 'user one'")
    with pool.connection() as conn:
        assert one(conn, "SELECT @secret") == ("user one",)


def test_reset_restores_connect_options(make_pool):
    pool = make_pool(max_size=1, autocommit=True, init_command="SET @from_init = 7",
                     charset="latin1")
    with pool.connection() as conn:
        one(conn, "SET @from_init = 8")
        conn.autocommit(False)
        conn.set_character_set("utf8mb4")
    with pool.connection() as conn:
        assert one(conn, "SELECT @from_init, @@autocommit, @@character_set_client") == (
            7, 1, "latin1")
        assert conn.character_set_name() == "latin1"
        assert conn.get_autocommit() is True


def test_uncommitted_work_is_rolled_back_on_return(make_pool, conn):
    one(conn, "CREATE TABLE IF NOT EXISTS t_pool_rb (a INT) ENGINE=InnoDB")
    one(conn, "DELETE FROM t_pool_rb")
    conn.commit()
    pool = make_pool(max_size=1)
    with pool.connection() as c:
        one(c, "INSERT INTO t_pool_rb VALUES (1)")
    with pool.connection() as c:
        one(c, "INSERT INTO t_pool_rb VALUES (2)")
        c.commit()
    assert one(conn, "SELECT GROUP_CONCAT(a) FROM t_pool_rb") == ("2",)
    one(conn, "DROP TABLE t_pool_rb")


# -- checkout deadline -------------------------------------------------------------


@pytest.mark.parametrize("timeout", [0.0, 0.3, 0.5])
def test_checkout_timeout_is_exact(make_pool, timeout):
    pool = make_pool(max_size=1)
    held = pool.getconn()
    start = time.monotonic()
    with pytest.raises(PoolTimeout) as info:
        pool.getconn(timeout=timeout)
    elapsed = time.monotonic() - start
    assert timeout <= elapsed < timeout + TOLERANCE
    assert isinstance(info.value, unshaken.OperationalError)
    assert info.value.args[0] == 2003 and f"{timeout} s" in info.value.args[1]
    assert pool.stats()["timeouts"] == 1 and pool.stats()["waiting"] == 0
    pool.putconn(held)


def test_pool_default_timeout_applies(make_pool):
    pool = make_pool(max_size=1, timeout=0.2)
    with pool.connection():
        start = time.monotonic()
        with pytest.raises(PoolTimeout):
            pool.getconn()
        assert 0.2 <= time.monotonic() - start < 0.2 + TOLERANCE


def test_waiter_gets_the_connection_given_back(make_pool):
    pool = make_pool(max_size=1)
    held = pool.getconn()
    tid = held.thread_id()
    start = time.monotonic()  # before the timer starts: the wait is at least its 0.2 s
    threading.Timer(0.2, pool.putconn, args=(held,)).start()
    seen_waiting = []
    threading.Timer(0.1, lambda: seen_waiting.append(pool.stats()["waiting"])).start()
    with pool.connection(timeout=5) as conn:
        waited = time.monotonic() - start
        assert conn.thread_id() == tid
    assert 0.2 <= waited < 0.2 + TOLERANCE + 0.1  # + the reset of the returned one
    assert seen_waiting == [1]


# -- Ctrl-C while waiting ----------------------------------------------------------------


def _assert_nothing_leaked(pool, held):
    s = pool.stats()
    assert (s["waiting"], s["size"], s["in_use"]) == (0, 1, 1)
    pool.putconn(held)
    start = time.monotonic()
    with pool.connection(timeout=1) as conn:
        assert one(conn, "SELECT 42") == (42,)
    assert time.monotonic() - start < 0.5  # the slot came back at once


def test_ctrl_c_while_waiting_is_prompt_and_leaks_nothing(make_pool):
    pool = make_pool(max_size=1)
    held = pool.getconn()
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt), keyboard_interrupt_after(0.2):
        pool.getconn(timeout=10)
    assert time.monotonic() - start < 0.2 + CTRL_C_WITHIN
    _assert_nothing_leaked(pool, held)


def test_ctrl_c_on_another_thread_is_noticed_within_a_slice(make_pool):
    """SIGINT sent to a helper thread does not interrupt the main thread's wait; the
    wait notices the pending handler when its slice ends."""
    pool = make_pool(max_size=1)
    held = pool.getconn()
    old = signal.signal(signal.SIGINT, signal.default_int_handler)

    def fire():
        signal.pthread_kill(threading.get_ident(), signal.SIGINT)

    try:
        timer = threading.Timer(0.2, fire)
        start = time.monotonic()
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            pool.getconn(timeout=10)
        elapsed = time.monotonic() - start
        timer.join()
    finally:
        signal.signal(signal.SIGINT, old)
    assert 0.2 <= elapsed < 0.2 + CTRL_C_WITHIN
    _assert_nothing_leaked(pool, held)


def test_interrupted_waiter_leaves_the_others_waiting(make_pool):
    """One of two waiters is interrupted; the connection given back later reaches the
    other one."""
    pool = make_pool(max_size=1)
    held = pool.getconn()
    got = []
    other = threading.Thread(target=lambda: got.append(pool.getconn(timeout=5)))
    other.start()
    with pytest.raises(KeyboardInterrupt), keyboard_interrupt_after(0.2):
        pool.getconn(timeout=5)
    assert pool.stats()["waiting"] == 1 and got == []
    pool.putconn(held)
    other.join(5)
    assert len(got) == 1
    pool.putconn(got[0])
    assert pool.stats()["waiting"] == 0


# -- broken connections ------------------------------------------------------------------


def test_killed_idle_connection_is_replaced(make_pool, conn):
    pool = make_pool(max_size=2)
    with pool.connection() as c:
        tid = c.thread_id()
    conn.kill(tid)
    wait_until_gone(conn, tid)
    with pool.connection() as c:
        assert c.thread_id() != tid
        assert one(c, "SELECT 1") == (1,)
    s = pool.stats()
    assert s["discarded"] == 1 and s["size"] == 1


def test_connection_killed_while_in_use_is_discarded(make_pool, conn):
    pool = make_pool(max_size=1)
    with pytest.raises(unshaken.OperationalError) as info, pool.connection() as c:
        tid = c.thread_id()
        conn.kill(tid)
        wait_until_gone(conn, tid)
        one(c, "SELECT 1")
    assert info.value.args[0] in (2006, 2013, 1927)
    assert pool.stats()["discarded"] == 1 and pool.stats()["size"] == 0
    with pool.connection() as c:
        assert c.thread_id() != tid and one(c, "SELECT 1") == (1,)


def test_closed_by_the_user_is_discarded(make_pool):
    pool = make_pool(max_size=1)
    with pool.connection() as c:
        c.close()
    assert pool.stats()["discarded"] == 1
    with pool.connection() as c:
        assert one(c, "SELECT 1") == (1,)


def test_max_lifetime_and_max_idle(make_pool):
    pool = make_pool(max_size=1, max_lifetime=0.3)
    with pool.connection() as c:
        tid = c.thread_id()
    time.sleep(0.35)
    with pool.connection() as c:
        assert c.thread_id() != tid
    pool = make_pool(max_size=1, max_idle=0.2, max_lifetime=None)
    with pool.connection() as c:
        tid = c.thread_id()
    with pool.connection() as c:
        assert c.thread_id() == tid  # used again well within max_idle
    time.sleep(0.25)
    with pool.connection() as c:
        assert c.thread_id() != tid


def test_min_size_is_opened_at_once_and_kept_when_idle(make_pool):
    pool = make_pool(min_size=2, max_size=3, max_idle=0.0)
    s = pool.stats()
    assert (s["size"], s["idle"], s["checkouts"]) == (2, 2, 0)
    with pool.connection():
        pass
    assert pool.stats()["size"] == 2  # max_idle=0 never shrinks below min_size


def test_connect_failure_gives_the_slot_back(server_kwargs):
    pool = ConnectionPool(max_size=1, **{**server_kwargs, "password": "wrong", "user": "nobody"})
    for _ in range(2):
        with pytest.raises(unshaken.OperationalError) as info:
            pool.getconn(timeout=0.5)
        assert not isinstance(info.value, PoolTimeout)
    assert pool.stats()["size"] == 0
    pool.close()


# -- close ---------------------------------------------------------------------------------


def test_close_ends_sessions_and_refuses_checkouts(make_pool, conn):
    pool = make_pool(min_size=2, max_size=3)
    held = pool.getconn()
    tids = {held.thread_id()}
    with pool.connection() as c:
        tids.add(c.thread_id())
    pool.close()
    pool.close()  # idempotent
    with pytest.raises(PoolClosed):
        pool.getconn()
    assert isinstance(PoolClosed(0, ""), unshaken.InterfaceError)
    assert one(held, "SELECT 1") == (1,)  # a checked-out one lives until given back
    pool.putconn(held)
    assert not held.open
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        ids = ",".join(map(str, tids))
        if one(conn, f"SELECT COUNT(*) FROM information_schema.processlist WHERE id IN ({ids})")[0] == 0:
            break
        time.sleep(0.02)
    else:
        raise AssertionError("the pool's sessions are still on the server")
    assert pool.stats()["size"] == 0


def test_bad_arguments(make_pool, server_kwargs):
    with pytest.raises(unshaken.ProgrammingError):
        ConnectionPool(min_size=3, max_size=2, **server_kwargs)
    with pytest.raises(unshaken.ProgrammingError):
        ConnectionPool(max_size=0, **server_kwargs)
    pool = make_pool(max_size=1)
    stranger = unshaken.connect(**server_kwargs)
    with pytest.raises(unshaken.ProgrammingError):
        pool.putconn(stranger)
    stranger.close()


# -- threads -------------------------------------------------------------------------------


def test_threads_hammering_the_pool(make_pool):
    pool = make_pool(max_size=4, timeout=10)
    errors, tids = [], set()
    lock = threading.Lock()

    def worker(n):
        try:
            for i in range(40):
                with pool.connection() as c:
                    seen = one(c, "SELECT @mine, CONNECTION_ID()")
                    assert seen[0] is None, f"leaked {seen[0]!r}"
                    one(c, f"SET @mine = '{n}-{i}'")
                    with lock:
                        tids.add(seen[1])
                        assert pool.stats()["size"] <= 4
        except BaseException as e:  # noqa: BLE001 -- reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    s = pool.stats()
    assert s["checkouts"] == 8 * 40 and s["discarded"] == 0 and s["in_use"] == 0
    assert len(tids) <= 4  # never more than max_size sessions
    assert s["waiting"] == 0 and s["size"] == len(tids)


# -- fork ----------------------------------------------------------------------------------

FORK_SCRIPT = textwrap.dedent(r"""
    import json, os, sys
    from unshaken.pool import ConnectionPool

    pool = ConnectionPool(min_size=1, max_size=2, **json.loads(sys.stdin.read()))
    def tid_of(c):
        cur = c.cursor(); cur.execute("SELECT CONNECTION_ID()"); return cur.fetchall()[0][0]
    held = pool.getconn()
    held_tid = tid_of(held)
    with pool.connection() as c:
        idle_tid = tid_of(c)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        out = {"stats": pool.stats()}
        with pool.connection() as c:
            out["child_tid"] = tid_of(c)
        pool.putconn(held)  # the parent's: only our copy of its fd is closed
        out["stats_after"] = pool.stats()
        pool.close()
        os.write(w, json.dumps(out).encode())
        os._exit(0)
    os.close(w)
    os.waitpid(pid, 0)
    child = json.loads(os.read(r, 65536))
    with pool.connection() as c:
        again_tid = tid_of(c)
    print(json.dumps({"child": child, "held_tid": held_tid, "idle_tid": idle_tid,
                      "held_after": tid_of(held), "again_tid": again_tid,
                      "parent_stats": pool.stats()}))
""")


def test_fork_child_gets_a_fresh_pool(server_kwargs):
    proc = subprocess.run([sys.executable, "-c", FORK_SCRIPT], input=json.dumps(server_kwargs),
                          check=False,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    child = out["child"]
    assert child["stats"]["size"] == 0 and child["stats"]["idle"] == 0
    assert child["child_tid"] not in (out["held_tid"], out["idle_tid"])
    assert child["stats_after"]["size"] == 1 and child["stats_after"]["in_use"] == 0
    # The parent's sessions survived the child.
    assert out["held_after"] == out["held_tid"]
    assert out["again_tid"] == out["idle_tid"]
    assert out["parent_stats"]["discarded"] == 0


def test_tls_connections_are_reused(tls_server_kwargs):
    """Bytes the TLS layer has not read yet (e.g. TLS 1.3 session tickets) must not
    look like a hang-up: an idle TLS connection is reused, not replaced."""
    pool = ConnectionPool(max_size=1, **tls_server_kwargs)
    try:
        tids = []
        for _ in range(3):
            with pool.connection() as conn:
                assert one(conn, "SHOW STATUS LIKE 'Ssl_version'")[1].startswith("TLS")
                tids.append(conn.thread_id())
        assert len(set(tids)) == 1
        assert pool.stats()["discarded"] == 0
    finally:
        pool.close()


def test_ctrl_c_during_the_reset_on_return_leaks_nothing(make_pool, monkeypatch):
    pool = make_pool(max_size=1)
    conn = pool.getconn()

    def interrupted_reset():
        raise KeyboardInterrupt

    monkeypatch.setattr(conn, "_reset_session", interrupted_reset)
    with pytest.raises(KeyboardInterrupt):
        pool.putconn(conn)
    s = pool.stats()
    assert (s["size"], s["in_use"], s["discarded"]) == (0, 0, 1)
    assert not conn.open  # half-reset: never handed to anyone again
    with pool.connection(timeout=1) as c:
        assert one(c, "SELECT 1") == (1,)
