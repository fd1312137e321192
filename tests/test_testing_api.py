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


def test_temporary_server_is_private(throwaway_server, tmp_path):
    import unshaken

    srv = throwaway_server
    kw = srv.connect_kwargs()
    assert kw["password"] == srv.password and len(srv.password) >= 32
    # No password, or another name: refused over TCP.
    for user in ("root", "nobody", ""):
        with pytest.raises(unshaken.OperationalError) as e:
            unshaken.connect(host=srv.host, port=srv.port, user=user, password="",
                             ssl_mode="DISABLED")
        assert e.value.args[0] == 1045, e.value.args
    # Files: only those in secure_file_priv, inside the 0700 tmpdir.
    outside = tmp_path / "runner-secret.txt"
    outside.write_text("not for the server")
    inside = os.path.join(srv.secure_file_priv, "fixture.txt")
    with open(inside, "w") as f:
        f.write("in the secure dir")
    try:
        with srv.connect() as c:
            cur = c.cursor()
            cur.execute("SELECT LOAD_FILE(%s), LOAD_FILE(%s), LOAD_FILE('/etc/passwd')",
                        (str(outside), inside))
            assert cur.fetchone() == (None, b"in the secure dir", None)
    finally:
        os.unlink(inside)
    assert os.path.commonpath([srv.secure_file_priv, srv.tmpdir]) == srv.tmpdir
    assert os.stat(srv.tmpdir).st_mode & 0o077 == 0
    # The password is never on the server's command line; the client file is 0600.
    with open(f"/proc/{srv.pid}/cmdline", "rb") as f:
        assert srv.password.encode() not in f.read()
    assert os.stat(srv.option_file).st_mode & 0o077 == 0
    with unshaken.connect(read_default_file=srv.option_file, database="test") as c:
        cur = c.cursor()
        cur.execute("SELECT CURRENT_USER()")
        assert cur.fetchone()[0].startswith("root@")
