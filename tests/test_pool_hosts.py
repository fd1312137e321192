"""Host lists and failover, alone and under the pool: refused, deaf and dying hosts are
skipped within the connect deadline, credentials errors are not retried elsewhere,
"random" spreads connects, and a pool whose node dies discards and reconnects through
the list. The "nodes" are fault proxies (tests/faultproxy.py) in front of the suite's
server: closing one kills every session that went through it, as a dead node would."""

from __future__ import annotations

import socket
import time

import pytest
import unshaken
from faultproxy import FaultProxy
from unshaken import _hosts
from unshaken.pool import ConnectionPool

pytestmark = pytest.mark.unshaken_only

TOLERANCE = 0.25


@pytest.fixture
def proxies(server_kwargs):
    made = []

    def _make(n=1, accept="forward"):
        out = []
        for _ in range(n):
            p = FaultProxy((server_kwargs["host"], server_kwargs["port"]), lifetime=60)
            p.defaults.accept = accept
            made.append(p)
            out.append(p)
        return out

    yield _make
    for p in made:
        p.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hostlist(*entries):
    return ",".join(f"{h}:{p}" for h, p in entries)


def base(server_kwargs, **kw):
    return {k: v for k, v in server_kwargs.items() if k not in ("host", "port")} | kw


# -- parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    (None, [(None, 3306)]),
    ("db", [("db", 3306)]),
    ("::1", [("::1", 3306)]),  # a bare IPv6 address is one host
    ("db:3307", [("db", 3307)]),
    ("a:1, b ,[::1]:3308,[fe80::1]", [("a", 1), ("b", 3306), ("::1", 3308), ("fe80::1", 3306)]),
])
def test_parse(text, expected):
    assert _hosts.parse(text, 3306) == expected


@pytest.mark.parametrize("text", ["a,,b", "a:x,b", "a:0,b", "[::1,b", "a:70000,b"])
def test_parse_refuses_bad_lists(text):
    with pytest.raises(unshaken.OperationalError) as info:
        _hosts.parse(text, 3306)
    assert info.value.args[0] == 2005


def test_bad_host_policy(server_kwargs):
    with pytest.raises(unshaken.ProgrammingError):
        unshaken.connect(**base(server_kwargs, host=f"127.0.0.1:{free_port()},127.0.0.1",
                                host_policy="roundrobin"))


# -- failover on connect -----------------------------------------------------------------


def test_refused_host_is_skipped(server_kwargs):
    dead = ("127.0.0.1", free_port())
    live = (server_kwargs["host"], server_kwargs["port"])
    start = time.monotonic()
    conn = unshaken.connect(**base(server_kwargs, host=hostlist(dead, live), connect_timeout=5))
    assert time.monotonic() - start < 1
    assert (conn.host, conn.port) == live
    assert conn.cursor().execute("SELECT 1") == 1
    conn.close()


def test_deaf_host_costs_only_its_share_of_connect_timeout(server_kwargs, proxies):
    (deaf,) = proxies(accept="deaf")
    (live,) = proxies()
    start = time.monotonic()
    conn = unshaken.connect(**base(server_kwargs, host=hostlist((deaf.host, deaf.port),
                                                                (live.host, live.port)),
                                   connect_timeout=1.0))
    elapsed = time.monotonic() - start
    assert 0.5 <= elapsed < 0.5 + TOLERANCE  # half of connect_timeout for the first of two
    assert conn.port == live.port
    conn.close()


def test_all_hosts_failing_names_each_within_connect_timeout(server_kwargs, proxies):
    deaf1, deaf2 = proxies(2, accept="deaf")
    dead = ("127.0.0.1", free_port())
    hosts = hostlist((deaf1.host, deaf1.port), dead, (deaf2.host, deaf2.port))
    start = time.monotonic()
    with pytest.raises(unshaken.OperationalError) as info:
        unshaken.connect(**base(server_kwargs, host=hosts, connect_timeout=0.9))
    elapsed = time.monotonic() - start
    assert 0.9 - 0.05 <= elapsed < 0.9 + TOLERANCE  # one deadline for the whole connect
    errno, message = info.value.args
    assert errno == 2003 and message.startswith("Can't connect to any host: ")
    for port in (deaf1.port, dead[1], deaf2.port):
        assert f"127.0.0.1:{port} (" in message
    assert "Connection refused" in message and "timed out" in message


def test_credentials_error_is_not_retried_elsewhere(server_kwargs, proxies):
    first, second = proxies(2)
    hosts = hostlist((first.host, first.port), (second.host, second.port))
    with pytest.raises(unshaken.OperationalError) as info:
        unshaken.connect(**base(server_kwargs, host=hosts, password="wrong"))
    assert info.value.args[0] in (1045, 1698)
    assert second.accepted == 0


def test_random_policy_spreads_and_sequential_does_not(server_kwargs, proxies):
    a, b = proxies(2)
    hosts = hostlist((a.host, a.port), (b.host, b.port))
    ports = {"sequential": set(), "random": set()}
    for policy, seen in ports.items():
        for _ in range(16):
            conn = unshaken.connect(**base(server_kwargs, host=hosts, host_policy=policy))
            seen.add(conn.port)
            conn.close()
    assert ports["sequential"] == {a.port}
    assert ports["random"] == {a.port, b.port}  # 2 * 0.5**16: all on one is ~never


# -- the pool over a host list -----------------------------------------------------------


def test_pool_reconnects_through_the_list_when_a_node_dies(server_kwargs, proxies):
    a, b = proxies(2)
    pool = ConnectionPool(max_size=2, **base(server_kwargs, connect_timeout=2,
                                              host=hostlist((a.host, a.port), (b.host, b.port))))
    try:
        with pool.connection() as conn:
            assert conn.port == a.port
        a.close()  # node A dies with the idle session on it
        start = time.monotonic()
        with pool.connection() as conn:
            assert conn.port == b.port
            assert conn.cursor().execute("SELECT 1") == 1
        assert time.monotonic() - start < 2 + 1  # connect_timeout + 1 s
        assert pool.stats()["discarded"] == 1
    finally:
        pool.close()


def test_statement_on_a_dying_node_raises_2013_then_the_pool_moves_on(server_kwargs, proxies):
    a, b = proxies(2)
    pool = ConnectionPool(max_size=1, **base(server_kwargs, read_timeout=5,
                                              host=hostlist((a.host, a.port), (b.host, b.port))))
    try:
        with pytest.raises(unshaken.OperationalError) as info, pool.connection() as conn:
            cur = conn.cursor()
            a.link(0).close()  # the node dies mid-session: no silent reconnect
            start = time.monotonic()
            cur.execute("SELECT 1")
        assert info.value.args[0] == 2013
        assert time.monotonic() - start < 1
        a.close()
        with pool.connection() as conn:
            assert conn.port == b.port and conn.cursor().execute("SELECT 1") == 1
        assert pool.stats()["discarded"] == 1
    finally:
        pool.close()


def test_cancel_behind_a_proxy_closes_and_the_pool_replaces(server_kwargs, proxies):
    """Through a proxy the cancel cannot prove it reaches our server, so it kills
    nothing: the timed-out connection is closed, and the pool replaces it."""
    (proxy,) = proxies()
    pool = ConnectionPool(max_size=1, query_timeout=0.5,
                          **base(server_kwargs, host=f"127.0.0.1:{free_port()},"
                                                     f"{proxy.host}:{proxy.port}"))
    try:
        with pytest.raises(unshaken.OperationalError) as info, pool.connection() as conn:
            start = time.monotonic()
            conn.cursor().execute("SELECT SLEEP(3)")
        assert info.value.args[0] == 2013
        assert 0.5 <= time.monotonic() - start < 0.5 + TOLERANCE
        assert not conn.open
        assert pool.stats()["discarded"] == 1
        with pool.connection() as conn:
            assert conn.cursor().execute("SELECT 1") == 1
    finally:
        pool.close()


# -- a writer wanted: read-only servers (replicas) are skipped ------------------------


@pytest.fixture(scope="module")
def read_only_server(server_kwargs):
    from unshaken.testing import TemporaryServer

    # Same account as the suite's server, as on a primary/replica pair.
    with TemporaryServer(["--read-only=ON"], password=server_kwargs["password"]) as srv:
        yield srv


def test_read_write_target_skips_a_read_only_server(server_kwargs, read_only_server):
    ro = read_only_server
    hosts = hostlist((ro.host, ro.port), (server_kwargs["host"], server_kwargs["port"]))
    kw = base(server_kwargs, host=hosts)
    with unshaken.connect(**kw) as conn:  # "any": the first host, read-only or not
        assert conn.port == ro.port and one_value(conn, "SELECT @@read_only") == 1
    with unshaken.connect(**kw, target_session_attrs="read-write") as conn:
        assert conn.port == server_kwargs["port"] and one_value(conn, "SELECT @@read_only") == 0
    with pytest.raises(unshaken.OperationalError) as info:
        unshaken.connect(**base(kw, host=hostlist((ro.host, ro.port)), port=ro.port),
                         target_session_attrs="read-write")
    assert info.value.args[0] == 1290
    with pytest.raises(unshaken.ProgrammingError):
        unshaken.connect(**kw, target_session_attrs="primary")


def one_value(conn, sql):
    cur = conn.cursor()
    cur.execute(sql)
    return cur.fetchone()[0]
