"""The public ``unshaken.testing.TemporaryServer`` API and the pytest plugin fixtures."""

from __future__ import annotations

import os
import shutil

import pytest
from unshaken import testing


def test_plugin_fixtures(unshaken_server, unshaken_conn):
    kw = unshaken_server.connect_kwargs()
    assert {"host", "port", "user", "database"} <= set(kw)
    assert isinstance(unshaken_server.port, int)
    cur = unshaken_conn.cursor()
    cur.execute("SELECT DATABASE()")
    assert cur.fetchall()[0][0] == kw["database"]


def _can_make_certs():
    if shutil.which("openssl"):
        return True
    try:
        import cryptography  # noqa: F401
    except ImportError:
        return False
    return True


def test_temporary_server_with_tls_and_extra_args():
    if testing.find_server_binary() is None:
        pytest.fail("no mariadbd/mysqld for TemporaryServer")
    if not _can_make_certs():
        with pytest.raises(testing.TLSUnavailableError, match="openssl"):
            testing.TemporaryServer(tls=True).start()
        return
    with testing.TemporaryServer(extra_args=["--max-connections=17"], tls=True) as srv:
        assert srv.running and srv.port > 0
        assert srv.socket and os.path.exists(srv.socket)
        for path in (srv.ssl_ca, srv.ssl_cert, srv.ssl_key, srv.client_cert, srv.client_key):
            assert os.path.isfile(path)
        assert srv.ssl_kwargs()["ssl"]["ca"] == srv.ssl_ca
        conn = srv.connect()
        try:
            cur = conn.cursor()
            cur.execute("SHOW VARIABLES WHERE Variable_name IN ('have_ssl', 'max_connections')")
            got = dict(cur.fetchall())
        finally:
            conn.close()
        assert got == {"have_ssl": "YES", "max_connections": "17"}
        tmpdir = srv.tmpdir
    assert not os.path.exists(tmpdir)


def test_temporary_server_without_binary(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("UNSHAKEN_SERVER_BINARY", "mariadbd")
    assert testing.find_server_binary() is None
    with pytest.raises(testing.ServerStartError, match="UNSHAKEN_SERVER_BINARY"):
        testing.TemporaryServer().start()
