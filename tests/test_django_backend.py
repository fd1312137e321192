"""django_unshaken: the backend's settings and connection lifecycle, a subset of Django's
own test suite (tests/django/run_django_suite.py), and gunicorn under signals end to end
(tests/django/gunicorn_e2e.py, marked slow).

Uses its own throwaway TLS-capable server (a TemporaryServer for this module), since the
gunicorn scenarios need TLS and Django's runner creates and drops databases."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

django = pytest.importorskip("django")
pytest.importorskip("django_unshaken")

import unshaken
from django.conf import settings
from django.db import OperationalError
from django.db.utils import ConnectionHandler
from unshaken.testing import TemporaryServer

sys.path.insert(0, str(Path(__file__).resolve().parent / "django"))
import gunicorn_e2e
import run_django_suite

if not settings.configured:
    settings.configure(USE_TZ=True, DATABASES={})
    django.setup()

# Django's own tests run in CI: fast modules that cover the backend, the driver-facing
# paths (backends.mysql pokes the driver directly), transactions, time zones and types.
CI_MODULES = [
    "backends", "basic", "transactions", "select_for_update", "timezones", "get_or_create",
    "raw_query", "update", "delete", "introspection", "model_fields", "datetimes",
    "bulk_create", "inspectdb",
]


@pytest.fixture(scope="module")
def srv():
    with TemporaryServer(tls=True) as server:
        with server.connect() as conn:
            cur = conn.cursor()
            cur.execute("CREATE DATABASE djdb")
            for host in ("localhost", "127.0.0.1"):
                cur.execute(f"CREATE USER 'djuser'@'{host}' IDENTIFIED BY 'dj pw'")
                cur.execute(f"GRANT ALL ON djdb.* TO 'djuser'@'{host}'")
        yield server


def wrapper(srv, **db):
    """A Django connection (DatabaseWrapper) for one DATABASES entry."""
    entry = {"ENGINE": "django_unshaken", "HOST": "127.0.0.1", "PORT": str(srv.port),
             "USER": "root", "PASSWORD": srv.password, "NAME": "test", **db}
    return ConnectionHandler({"default": entry})["default"]


def one(conn, sql, params=None):
    with conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()


def request(conn, sql="SELECT CONNECTION_ID()"):
    """One web request as Django's request_started/request_finished see it."""
    conn.close_if_unusable_or_obsolete()
    try:
        return one(conn, sql)[0]
    finally:
        conn.close_if_unusable_or_obsolete()


def kill(srv, conn_id):
    with srv.connect() as side:
        side.cursor().execute(f"KILL {int(conn_id)}")
    time.sleep(0.1)


# -- the backend ----------------------------------------------------------------------


def test_imports_without_mysqldb_and_swaps_nothing():
    code = textwrap.dedent("""
        import sys
        sys.modules["MySQLdb"] = None   # any import of mysqlclient now fails
        import unshaken
        import django_unshaken.base as base
        assert base.Database is unshaken
        assert base.DatabaseWrapper.Database is unshaken
        assert base.DatabaseWrapper.vendor == "mysql"
        assert sys.modules["MySQLdb"] is None
        assert "django.db.backends.mysql.base" not in sys.modules
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=False)
    assert out.stdout.strip() == "ok", out.stderr


def test_mysqlclient_alias_alongside(srv):
    MySQLdb = pytest.importorskip("MySQLdb")
    entry = {"HOST": "127.0.0.1", "PORT": str(srv.port), "USER": "root",
             "PASSWORD": srv.password, "NAME": "test", "OPTIONS": {"ssl_mode": "DISABLED"}}
    handler = ConnectionHandler({"default": {**entry, "ENGINE": "django_unshaken"},
                                 "b": {**entry, "ENGINE": "django.db.backends.mysql"}})
    try:
        assert one(handler["default"], "SELECT 1") == one(handler["b"], "SELECT 1") == (1,)
        assert isinstance(handler["default"].connection, unshaken.connections.Connection)
        assert isinstance(handler["b"].connection, MySQLdb.connections.Connection)
        assert handler["b"].Database is MySQLdb
    finally:
        handler.close_all()


def test_host_port_and_socket(srv):
    tcp = wrapper(srv)
    sock = wrapper(srv, HOST=srv.socket, PORT="")
    try:
        tcp.ensure_connection()
        sock.ensure_connection()
        assert "TCP/IP" in tcp.connection.get_host_info()
        assert "socket" in sock.connection.get_host_info().lower()
        assert one(tcp, "SELECT 1") == one(sock, "SELECT 1") == (1,)
        assert tcp.display_name == "MariaDB"
    finally:
        tcp.close()
        sock.close()


def test_user_password_name(srv):
    conn = wrapper(srv, USER="djuser", PASSWORD="dj pw", NAME="djdb")
    try:
        user, db = one(conn, "SELECT CURRENT_USER(), DATABASE()")
        assert user.startswith("djuser@") and db == "djdb"
    finally:
        conn.close()


def test_read_default_file(srv, tmp_path):
    cnf = tmp_path / "my.cnf"
    cnf.write_text("[client]\nuser = djuser\npassword = dj pw\ndatabase = djdb\n")
    conn = wrapper(srv, USER="", PASSWORD="", NAME="", OPTIONS={"read_default_file": str(cnf)})
    try:
        user, db = one(conn, "SELECT CURRENT_USER(), DATABASE()")
        assert user.startswith("djuser@") and db == "djdb"
    finally:
        conn.close()


def test_documented_options(srv):
    conn = wrapper(srv, OPTIONS={
        "init_command": "SET @dj_init = 42",
        "sql_mode": "STRICT_ALL_TABLES,ANSI_QUOTES",
        "isolation_level": "serializable",
        "charset": "latin1",
    })
    try:
        init, mode, iso = one(conn, "SELECT @dj_init, @@sql_mode, @@tx_isolation")
        assert init == 42 and "ANSI_QUOTES" in mode and iso == "SERIALIZABLE"
        assert conn.connection.character_set_name() == "latin1"
    finally:
        conn.close()
    with pytest.raises(Exception, match="isolation level"):
        wrapper(srv, OPTIONS={"isolation_level": "chaos"}).ensure_connection()


def test_ssl_options(srv):
    tls = wrapper(srv, OPTIONS={"ssl": {"ca": srv.ssl_ca}, "ssl_mode": "VERIFY_CA"})
    plain = wrapper(srv, OPTIONS={"ssl_mode": "DISABLED"})
    try:
        tls.ensure_connection()
        plain.ensure_connection()
        assert tls.connection.get_ssl_cipher()
        assert not plain.connection.get_ssl_cipher()
    finally:
        tls.close()
        plain.close()


def test_unshaken_options(srv):
    conn = wrapper(srv, OPTIONS={
        "read_timeout": 1, "write_timeout": 5, "connect_timeout": 5, "query_timeout": 30,
        "cancel_on_interrupt": True, "compress": True, "ssl_mode": "DISABLED",
    })
    try:
        assert one(conn, "SELECT 1") == (1,)
        assert conn.connection.get_compression() == "zlib"
        t0 = time.monotonic()
        with pytest.raises(OperationalError) as e:
            one(conn, "SELECT SLEEP(3)")
        assert e.value.args[0] == 2013 and 1.0 <= time.monotonic() - t0 <= 1.0 + 0.2
        assert conn.is_usable() and one(conn, "SELECT 2") == (2,)
    finally:
        conn.close()


def test_driver_facing_paths(srv):
    conn = wrapper(srv)
    try:
        editor = conn.schema_editor()
        assert editor.quote_value("¿Tú?") == "'¿Tú?'"
        assert editor.quote_value(b"bytes") == b"'bytes'"
        assert editor.quote_value(1.754) == "1.754e0"
        assert editor.quote_value(False) == b"0"
        with conn.cursor() as cur:
            cur.execute("SELECT %s, %s", ["it's", 3])
            sql = conn.ops.last_executed_query(cur, "SELECT %s, %s", ["it's", 3])
        assert sql == "SELECT 'it\\'s', 3"
        with pytest.raises(Exception) as e:
            one(conn, "SELECT * FROM no_such_table")
        assert e.value.args[0] == 1146
    finally:
        conn.close()


# -- the connection lifecycle -----------------------------------------------------------


def test_conn_max_age(srv):
    persistent = wrapper(srv, CONN_MAX_AGE=60)
    per_request = wrapper(srv, CONN_MAX_AGE=0)
    try:
        assert len({request(persistent) for _ in range(3)}) == 1
        assert len({request(per_request) for _ in range(3)}) == 3
    finally:
        persistent.close()
        per_request.close()


def test_killed_connection_health_checks(srv):
    conn = wrapper(srv, CONN_MAX_AGE=60, CONN_HEALTH_CHECKS=True)
    try:
        first = request(conn)
        assert conn.is_usable()
        kill(srv, first)
        assert not conn.is_usable()
        second = request(conn)  # the health check replaces the dead connection
        assert second != first and request(conn) == second
    finally:
        conn.close()


def test_killed_connection_without_health_checks(srv):
    conn = wrapper(srv, CONN_MAX_AGE=60)
    try:
        first = request(conn)
        kill(srv, first)
        with pytest.raises(OperationalError) as e:
            request(conn)  # that request fails; Django then drops the connection
        assert e.value.args[0] in (2006, 2013)
        assert conn.connection is None
        second = request(conn)
        assert second != first and request(conn) == second
    finally:
        conn.close()


# -- Django's own tests, the CI subset -------------------------------------------------


def test_django_suite_subset(srv, tmp_path):
    server = dict(srv.connect_kwargs(), unix_socket=srv.socket)
    modules = CI_MODULES
    if not run_django_suite.load_time_zones(server):  # no zoneinfo: these tests need it
        modules = [m for m in CI_MODULES if m not in ("timezones", "datetimes")]
    result = run_django_suite.run_suite("unshaken", modules, server, parallel=2,
                                        log_dir=tmp_path, timeout=600)
    counts = result["counts"]
    assert counts["complete"], f"incomplete run, see {result['log']}"
    assert counts["failures"] == counts["errors"] == 0, (result["problems"], result["log"])
    assert counts["passed"] > 1000


# -- gunicorn under signals -------------------------------------------------------------


@pytest.fixture(scope="module")
def e2e_db(srv):
    gunicorn_e2e.prepare_database("unshaken", srv)
    return srv


@pytest.mark.slow
@pytest.mark.parametrize(("worker", "transport"), gunicorn_e2e.SCENARIOS)
def test_gunicorn_under_signals(e2e_db, worker, transport, tmp_path):
    pytest.importorskip("gunicorn")
    r = gunicorn_e2e.run_scenario("unshaken", e2e_db, worker, transport, requests=300,
                                  workdir=tmp_path)
    # The logs first: when a worker dies, its traceback says why its requests failed.
    assert r["tracebacks_in_logs"] == 0, "\n".join(r["traceback_texts"])
    assert r["ok"] == r["requests"], r
    assert r["failed"] == r["5xx"] == r["wrong"] == r["sleeps_cut_short"] == 0, r
    assert r["lost_connection_in_logs"] == 0, r
    # The storm really happened: workers signalled, the master reopened logs and reloaded.
    assert r["signals_to_workers"] > 100, r
    assert r["master_signals"] == ["SIGUSR1", "SIGHUP", "SIGUSR1", "SIGHUP"], r
    assert r["worker_pids_seen"] >= 4, r


@pytest.mark.slow
def test_gunicorn_gevent_serves_slow_requests_together(e2e_db, tmp_path):
    """Issue 15: one gevent worker answers 40 concurrent SELECT SLEEP(0.3) requests in
    about the time of one (one after another: 12 s), under SIGWINCH and SIGUSR1 to the
    worker and SIGUSR1 to the master."""
    pytest.importorskip("gunicorn")
    r = gunicorn_e2e.run_concurrent("unshaken", e2e_db, requests=40, seconds=0.3,
                                    workdir=tmp_path)
    assert r["ok"] == 40 and r["wrong"] == r["sleeps_cut_short"] == 0, r
    assert r["tracebacks_in_logs"] == 0, "\n".join(r["traceback_texts"])
    assert r["worker_pids_seen"] == 1, r
    assert r["signals_to_workers"] > 0, r
    assert r["seconds"] < 2.0, r
