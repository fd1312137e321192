"""The pool behind a real HAProxy (TCP round robin) over two throwaway servers: no
more sessions than max_size, no state leaks across backends, a cancel through the
proxy never kills the other server's session with the same thread id, and a killed
backend is discarded and replaced through the proxy."""

from __future__ import annotations

import secrets
import threading
import time

import pytest
import unshaken
from cluster import HAProxy
from unshaken.pool import ConnectionPool
from unshaken.testing import TemporaryServer

pytestmark = pytest.mark.unshaken_only


@pytest.fixture(scope="module")
def backends():
    password = secrets.token_hex(12)
    # HAProxy's refused retries must never get a loopback client blocked.
    servers = [TemporaryServer(["--max-connect-errors=1000000"], password=password)
               for _ in range(2)]
    try:
        for s in servers:
            s.start()
        yield servers
    finally:
        for s in servers:
            s.stop()


@pytest.fixture(scope="module")
def haproxy(backends):
    with HAProxy([(s.host, s.port) for s in backends]) as proxy:
        yield proxy


def kwargs(backends, haproxy, **kw):
    return {**backends[0].connect_kwargs(), "host": haproxy.host, "port": haproxy.port, **kw}


def one(conn, sql):
    cur = conn.cursor()
    cur.execute(sql)
    return cur.fetchone()


def test_round_robin_reaches_both_backends(backends, haproxy):
    ports = set()
    for _ in range(4):
        with unshaken.connect(**kwargs(backends, haproxy)) as conn:
            ports.add(one(conn, "SELECT @@port")[0])
    assert ports == {s.port for s in backends}


def test_pool_through_haproxy_threads_within_max_size(backends, haproxy):
    pool = ConnectionPool(max_size=3, timeout=10, **kwargs(backends, haproxy))
    seen, errors, lock = set(), [], threading.Lock()

    def worker(n):
        try:
            for i in range(20):
                with pool.connection() as conn:
                    port, tid, mine = one(conn, "SELECT @@port, CONNECTION_ID(), @mine")
                    assert mine is None, f"leaked {mine!r}"
                    one(conn, f"SET @mine = {n}{i}")
                    with lock:
                        seen.add((port, tid))
        except BaseException as e:  # noqa: BLE001 -- reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    pool.close()
    assert errors == []
    assert 1 <= len(seen) <= 3  # server sessions, over both backends


def _attacker_and_victim(backends, haproxy):
    """A connection through HAProxy and one straight to the other backend holding the
    same thread id (fresh servers hand out the same small ids)."""
    by_port = {s.port: s for s in backends}
    for _ in range(100):
        attacker = unshaken.connect(**kwargs(backends, haproxy, query_timeout=0.5))
        port, tid = one(attacker, "SELECT @@port, CONNECTION_ID()")
        other = next(s for p, s in by_port.items() if p != port)
        while True:
            victim = other.connect()
            vid = victim.thread_id()
            if vid >= tid:
                break
            victim.close()
        if vid == tid:
            return attacker, victim
        victim.close()
        attacker.close()
    raise AssertionError("could not line up the thread ids")


def test_cancel_through_haproxy_never_kills_the_other_backends_session(backends, haproxy):
    attacker, victim = _attacker_and_victim(backends, haproxy)
    assert attacker.thread_id() == victim.thread_id()
    box = {}

    def victim_sleeps():
        start = time.monotonic()
        box["result"] = one(victim, "SELECT SLEEP(2)")
        box["elapsed"] = time.monotonic() - start

    t = threading.Thread(target=victim_sleeps)
    t.start()
    time.sleep(0.1)
    start = time.monotonic()
    with pytest.raises(unshaken.OperationalError) as info:
        one(attacker, "SELECT SLEEP(3)")
    elapsed = time.monotonic() - start
    t.join(10)
    assert info.value.args[0] == 2013 and 0.5 <= elapsed < 1.0
    assert not attacker.open  # the cancel could not be proved: closed, nothing killed
    assert box["result"] == (0,) and box["elapsed"] >= 1.9  # SLEEP ran to its end
    victim.close()


def test_killed_backend_is_discarded_and_replaced_through_haproxy(backends, haproxy):
    """Runs last in this module: it stops one backend for good."""
    pool = ConnectionPool(max_size=2, timeout=5,
                          **kwargs(backends, haproxy, connect_timeout=2))
    try:
        a, b = pool.getconn(), pool.getconn()  # round robin: one on each backend
        ports = {one(a, "SELECT @@port")[0], one(b, "SELECT @@port")[0]}
        assert ports == {s.port for s in backends}
        pool.putconn(a)
        pool.putconn(b)
        dead, live = backends
        dead.stop()  # the node dies, with an idle pooled session on it
        for _ in range(3):
            start = time.monotonic()
            # Both at once: one of them is the idle session the dead node held.
            with pool.connection() as c1, pool.connection() as c2:
                assert one(c1, "SELECT @@port")[0] == live.port
                assert one(c2, "SELECT @@port")[0] == live.port
            assert time.monotonic() - start < 2 + 1  # connect_timeout + 1 s
        assert pool.stats()["discarded"] == 1 and pool.stats()["size"] == 2
    finally:
        pool.close()
