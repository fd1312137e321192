"""django_unshaken with OPTIONS["pool"]: Django's PostgreSQL semantics (True or a dict
of ConnectionPool arguments, refused with persistent connections, close_pool()), with
CONN_MAX_AGE=0, from threads and from sync_to_async; no request sees another's session
state and the server never holds more sessions than the pool's max_size."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

django = pytest.importorskip("django")
pytest.importorskip("django_unshaken")

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError
from django.db.utils import ConnectionHandler
from unshaken.pool import ConnectionPool

pytestmark = pytest.mark.unshaken_only

if not settings.configured:
    settings.configure(USE_TZ=True, DATABASES={})
    django.setup()


@pytest.fixture
def handler(server_kwargs):
    """A ConnectionHandler factory for one pooled "default" alias; the pool is closed
    after the test (pools are per alias, shared by every thread, as Django's)."""
    made = []

    def _make(pool=True, **db):
        entry = {"ENGINE": "django_unshaken", "HOST": server_kwargs["host"],
                 "PORT": str(server_kwargs["port"]), "USER": server_kwargs["user"],
                 "PASSWORD": server_kwargs["password"], "NAME": server_kwargs["database"],
                 "CONN_MAX_AGE": 0, "OPTIONS": {"pool": pool}, **db}
        h = ConnectionHandler({"default": entry})
        made.append(h)
        return h

    yield _make
    for h in made:
        h["default"].close()
        h["default"].close_pool()


def one(conn, sql):
    with conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchone()


def request(conn, *sqls):
    """One web request as Django's request_started/request_finished see it."""
    conn.close_if_unusable_or_obsolete()
    try:
        return [one(conn, sql) for sql in sqls]
    finally:
        conn.close_if_unusable_or_obsolete()


def test_pool_true_reuses_sessions_without_leaking_state(handler):
    conn = handler()["default"]
    first = request(conn, "SELECT CONNECTION_ID()", "SET @who = 'request one'",
                    "SET SESSION TRANSACTION ISOLATION LEVEL SERIALIZABLE")
    assert conn.connection is None  # CONN_MAX_AGE=0: given back at the request's end
    second = request(conn, "SELECT CONNECTION_ID(), @who, @@session.tx_isolation,"
                           " @@sql_auto_is_null")
    assert second[0] == (first[0][0], None, "READ-COMMITTED", 0)  # Django's setup again
    assert isinstance(conn.pool, ConnectionPool)
    assert conn.pool.stats()["size"] == 1


def test_pool_dict_is_passed_to_the_pool(handler):
    conn = handler({"min_size": 2, "max_size": 3, "timeout": 1.5})["default"]
    pool = conn.pool
    assert (pool.min_size, pool.max_size, pool.timeout) == (2, 3, 1.5)
    assert pool.stats()["size"] == 2
    assert request(conn, "SELECT 1") == [(1,)]


@pytest.mark.parametrize("max_age", [None, 60])
def test_persistent_connections_are_refused(handler, max_age):
    conn = handler(CONN_MAX_AGE=max_age)["default"]
    with pytest.raises(ImproperlyConfigured, match="persistent"):
        conn.ensure_connection()


def test_no_pool_option_means_no_pool(handler):
    conn = handler(pool=False)["default"]
    assert conn.pool is None
    assert request(conn, "SELECT 1") == [(1,)]


def test_checkout_timeout_is_a_django_operational_error(handler):
    h = handler({"max_size": 1, "timeout": 0.3})
    holder = h["default"]
    holder.ensure_connection()  # this thread holds the only connection
    box = {}

    def other():
        start = time.monotonic()
        try:
            h["default"].ensure_connection()
        except OperationalError as e:
            box["error"] = e
        box["elapsed"] = time.monotonic() - start

    t = threading.Thread(target=other)
    t.start()
    t.join(10)
    assert isinstance(box.get("error"), OperationalError)
    assert 0.3 <= box["elapsed"] < 0.4
    holder.close()


def _hammer(h, n, rounds, seen, errors, lock):
    conn = h["default"]
    try:
        for i in range(rounds):
            (tid, mine), _ = request(conn, "SELECT CONNECTION_ID(), @mine", f"SET @mine = {n}{i}")
            assert mine is None, f"request saw {mine!r}"
            with lock:
                seen.add(tid)
    except BaseException as e:  # noqa: BLE001 -- reported by the test
        errors.append(repr(e))
    finally:
        conn.close()


def test_threads_share_one_pool_within_max_size(handler):
    h = handler({"max_size": 3, "timeout": 10})
    seen, errors, lock = set(), [], threading.Lock()
    threads = [threading.Thread(target=_hammer, args=(h, n, 25, seen, errors, lock))
               for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert 1 <= len(seen) <= 3  # never more server sessions than max_size
    stats = h["default"].pool.stats()
    assert stats["checkouts"] == 8 * 25 and stats["size"] <= 3 and stats["in_use"] == 0


def test_sync_to_async_threads(handler):
    """Under ASGI each sync_to_async call may run in its own thread."""
    h = handler({"max_size": 2, "timeout": 10})
    seen, errors, lock = set(), [], threading.Lock()

    async def main():
        await asyncio.gather(*(
            sync_to_async(_hammer, thread_sensitive=False)(h, n, 10, seen, errors, lock)
            for n in range(6)
        ))

    asyncio.run(main())
    assert errors == []
    assert 1 <= len(seen) <= 2


def test_close_pool_ends_the_sessions(handler, server_kwargs):
    import unshaken

    h = handler({"min_size": 2})
    conn = h["default"]
    tid = request(conn, "SELECT CONNECTION_ID()")[0][0]
    pool = conn.pool
    conn.close_pool()
    assert pool.closed and pool.stats()["size"] == 0
    with unshaken.connect(**server_kwargs) as side:
        deadline = time.monotonic() + 5
        while one(side, f"SELECT COUNT(*) FROM information_schema.processlist WHERE id={tid}")[0]:
            assert time.monotonic() < deadline, "the pool's session is still there"
            time.sleep(0.02)
    # A later request gets a new pool.
    assert request(conn, "SELECT 1") == [(1,)]
    assert conn.pool is not pool


def test_host_list_in_django_host(handler, server_kwargs):
    """HOST takes the same host list as connect(); PORT is the default port."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    conn = handler(HOST=f"127.0.0.1:{dead},{server_kwargs['host']}",
                   PORT=str(server_kwargs["port"]))["default"]
    assert request(conn, "SELECT 1") == [(1,)]
    assert conn.pool.stats()["size"] == 1
