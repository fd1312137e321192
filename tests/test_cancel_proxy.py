"""A cancel never kills someone else's statement.

A read_timeout or a Ctrl-C cancels the running statement with ``KILL QUERY <thread id>``
over a side connection. Behind a round-robin proxy that side connection lands on
another server, where the same thread id is someone else's (fresh servers hand out
the same small ids, and workers usually share one account, so the server allows the
kill). Here three throwaway servers sit behind a round-robin proxy; victims connected
directly to the other servers hold the attacker's thread id. Their statements must run
to completion, the attacker still gets its error at the deadline, and its connection
is closed because the cancel could not prove where it landed. Connected directly
(TCP over IPv4 and IPv6, Unix socket), the cancel is proved and the connection stays
usable.
"""

from __future__ import annotations

import secrets
import threading
import time

import pytest
import unshaken
from faultproxy import FaultProxy
from interrupts import keyboard_interrupt_after
from unshaken.testing import TemporaryServer

pytestmark = pytest.mark.unshaken_only

TIMEOUT = 1.0
SLACK = 0.5  # the cancel's side connection and check, on a loaded machine
VICTIM_SLEEP = 3


@pytest.fixture(scope="module")
def servers():
    """Three fresh servers, started at once. The first two also listen on ::1; the
    second shows client addresses as IPs (skip-name-resolve), the others as names
    ('localhost:port' for a loopback client)."""
    both = "--bind-address=127.0.0.1,::1"
    # One account on every server, as on a cluster: the cancel's side connection can
    # log in wherever the proxy sends it, so only the proof stops it.
    password = secrets.token_hex(16)
    srvs = [TemporaryServer([both], password=password),
            TemporaryServer([both, "--skip-name-resolve"], password=password),
            TemporaryServer(password=password)]
    errors = []

    def start(srv):
        try:
            srv.start()
        except BaseException as e:  # noqa: BLE001 -- re-raised in the test's thread
            errors.append(e)

    threads = [threading.Thread(target=start, args=(s,)) for s in srvs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    try:
        if errors:
            raise errors[0]
        yield srvs
    finally:
        for s in srvs:
            s.stop()


def connect(srv, **overrides):
    return unshaken.connect(**{**srv.connect_kwargs(), **overrides})


def next_thread_id(srv):
    """The id the server gives its next connection (the probe itself uses one)."""
    c = connect(srv)
    try:
        return c.thread_id() + 1
    finally:
        c.close()


def align(servers):
    """Bring every server's next thread id to the same value."""
    nexts = [next_thread_id(s) for s in servers]
    goal = max(nexts)
    for srv, n in zip(servers, nexts):
        for _ in range(goal - n):
            connect(srv).close()


def sleeping(conn, seconds, out):
    t0 = time.monotonic()
    try:
        cur = conn.cursor()
        cur.execute(f"SELECT SLEEP({seconds})")
        out["rows"] = cur.fetchall()
    except BaseException as e:  # noqa: BLE001 -- reported to the test
        out["error"] = e
    out["elapsed"] = time.monotonic() - t0


def running_sleeps(srv, thread_id):
    with connect(srv) as watcher:
        cur = watcher.cursor()
        cur.execute("SELECT COUNT(*) FROM information_schema.PROCESSLIST "
                    "WHERE ID = %s AND INFO LIKE 'SELECT SLEEP(%%'", (thread_id,))
        return cur.fetchone()[0]


def wait_for(predicate, seconds):
    end = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > end:
            return False
        time.sleep(0.02)
    return True


def attacker_and_victims(servers, proxy, **kw):
    """The attacker through the proxy (on servers[0]) and a victim directly on each
    other server, all with the same thread id. Retries if something else took an id."""
    for _ in range(3):
        align(servers)
        attacker = unshaken.connect(**{**servers[0].connect_kwargs(), "host": proxy.host,
                                       "port": proxy.port, **kw})
        victims = [connect(s) for s in servers[1:]]
        ids = {attacker.thread_id(), *(v.thread_id() for v in victims)}
        if len(ids) == 1:
            return attacker, victims
        for c in (attacker, *victims):
            c.close()
    pytest.fail(f"could not give the victims the attacker's thread id: {ids}")


@pytest.mark.parametrize("cause", ["read_timeout", "ctrl_c"])
def test_the_cancel_never_kills_a_victim_behind_a_round_robin_proxy(servers, cause):
    # Connection i through the proxy goes to servers[i % 3]: the attacker to the
    # first, its cancel's side connection to the second.
    with FaultProxy([(s.host, s.port) for s in servers]) as proxy:
        kw = {"read_timeout": TIMEOUT} if cause == "read_timeout" else {}
        attacker, victims = attacker_and_victims(servers, proxy, **kw)
        tid = attacker.thread_id()
        results = [{} for _ in victims]
        threads = [threading.Thread(target=sleeping, args=(v, VICTIM_SLEEP, r))
                   for v, r in zip(victims, results)]
        for t in threads:
            t.start()
        assert all(wait_for(lambda s=s: running_sleeps(s, tid) == 1, 2.0)
                   for s in servers[1:]), "the victims' statements did not start"

        t0 = time.monotonic()
        if cause == "read_timeout":
            with pytest.raises(unshaken.OperationalError) as exc:
                attacker.cursor().execute("SELECT SLEEP(10)")
            assert exc.value.args[0] == 2013 and "timed out" in exc.value.args[1]
        else:
            with keyboard_interrupt_after(TIMEOUT), pytest.raises(KeyboardInterrupt):
                attacker.cursor().execute("SELECT SLEEP(10)")
        elapsed = time.monotonic() - t0
        assert TIMEOUT <= elapsed <= TIMEOUT + SLACK, elapsed
        assert proxy.accepted == 2, "the cancel made no side connection through the proxy"

        # Not provably the same server: closed, and the next use says why.
        with pytest.raises(unshaken.OperationalError) as exc:
            attacker.cursor().execute("SELECT 1")
        assert exc.value.args[0] == 2006
        assert "could not be cancelled safely" in exc.value.args[1]
        assert "not provably the same" in exc.value.args[1]
        # The proxy sees us hang up, which is what makes it drop the backend session.
        assert wait_for(lambda: proxy.link(0).up.eof, 1.0), "the attacker did not hang up"

        for t in threads:
            t.join(VICTIM_SLEEP + 5)
        for r, v in zip(results, victims):
            # A killed SLEEP returns 1 (or fails with 1317); 0 when it ran its full time.
            assert "error" not in r, r
            assert tuple(map(tuple, r["rows"])) == ((0,),), r
            assert r["elapsed"] >= VICTIM_SLEEP - 0.05, r
            v.close()


def test_one_server_behind_a_proxy_is_not_proof_either(servers):
    """The side connection reaches the right server, but through the proxy it cannot
    tell: the server shows the proxy's ports, not ours."""
    with FaultProxy((servers[0].host, servers[0].port)) as proxy:
        conn = unshaken.connect(**{**servers[0].connect_kwargs(), "host": proxy.host,
                                   "port": proxy.port, "read_timeout": TIMEOUT})
        t0 = time.monotonic()
        with pytest.raises(unshaken.OperationalError) as exc:
            conn.cursor().execute("SELECT SLEEP(10)")
        assert exc.value.args[0] == 2013
        assert TIMEOUT <= time.monotonic() - t0 <= TIMEOUT + SLACK
        with pytest.raises(unshaken.OperationalError) as exc:
            conn.cursor().execute("SELECT 1")
        assert exc.value.args[0] == 2006
        assert "not provably the same" in exc.value.args[1]


@pytest.mark.parametrize("where", ["127.0.0.1", "::1", "unix"])
@pytest.mark.parametrize("names", ["resolved", "skip-name-resolve"])
def test_a_direct_connection_is_proved_and_stays_usable(servers, names, where):
    """Connected directly, the server lists our own ports (or, over the socket, the
    socket and process are ours): the statement is cancelled and the connection kept."""
    srv = servers[0] if names == "resolved" else servers[1]
    target = {"unix_socket": srv.socket} if where == "unix" else {"host": where}
    conn = connect(srv, read_timeout=0.5, **target)
    t0 = time.monotonic()
    with pytest.raises(unshaken.OperationalError) as exc:
        conn.cursor().execute("SELECT SLEEP(5)")
    assert exc.value.args[0] == 2013
    assert "cancelled and the connection is still usable" in exc.value.args[1]
    assert 0.5 <= time.monotonic() - t0 <= 0.5 + SLACK
    assert running_sleeps(srv, conn.thread_id()) == 0
    cur = conn.cursor()
    cur.execute("SELECT 41 + 1")
    assert cur.fetchone() == (42,)
    conn.close()


class UnixRelay:
    """Listens on ``path`` and relays each connection to the socket at ``target``."""

    def __init__(self, path, target):
        import socket as _socket

        self._socket = _socket
        self.target = target
        self.listener = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen(8)
        self.accepted = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            server = self._socket.socket(self._socket.AF_UNIX, self._socket.SOCK_STREAM)
            server.connect(self.target)
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(2)
                except OSError:
                    pass

    def close(self):
        self.listener.close()


def test_a_relay_on_the_servers_own_socket_path_is_not_proof(servers):
    """A relay that took the server's socket path (the server's socket file moved
    away, still listening): the side connection's peer is the same process, the
    server's @@socket is the path connected to, and both sessions show 'localhost'.
    Only the server's pid file tells the relay from the server."""
    import os

    srv = servers[2]
    moved = srv.socket + ".moved"
    os.rename(srv.socket, moved)
    try:
        relay = UnixRelay(srv.socket, moved)
        try:
            conn = connect(srv, unix_socket=srv.socket, read_timeout=TIMEOUT)
            t0 = time.monotonic()
            with pytest.raises(unshaken.OperationalError) as exc:
                conn.cursor().execute("SELECT SLEEP(10)")
            assert exc.value.args[0] == 2013
            assert TIMEOUT <= time.monotonic() - t0 <= TIMEOUT + SLACK
            assert relay.accepted == 2, "the cancel made no side connection"
            with pytest.raises(unshaken.OperationalError) as exc:
                conn.cursor().execute("SELECT 1")
            assert exc.value.args[0] == 2006
            assert "not provably the same" in exc.value.args[1]
            assert f"but the server's pid file names {srv.pid}" in exc.value.args[1]
        finally:
            relay.close()
            os.unlink(srv.socket)
    finally:
        os.rename(moved, srv.socket)
    # Direct again: proved.
    conn = connect(srv, unix_socket=srv.socket, read_timeout=0.5)
    with pytest.raises(unshaken.OperationalError) as exc:
        conn.cursor().execute("SELECT SLEEP(5)")
    assert "cancelled and the connection is still usable" in exc.value.args[1]
    conn.close()
