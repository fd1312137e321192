"""Authentication plugins against a throwaway MariaDB: mysql_native_password and
client_ed25519 (``INSTALL SONAME 'auth_ed25519'``), right and wrong passwords, over TCP
and the Unix socket, plus the authentication keywords of ``connect()``.

caching_sha2_password and sha256_password (MySQL only) are covered by the Rust
fake-server tests (tests/fake_server.rs), the fixed-nonce unit tests, and the man in
the middle cases of tests/test_mitm.py."""

import pytest
from unshaken.testing import TemporaryServer

pytestmark = pytest.mark.unshaken_only

ED_PASSWORD = "s3cret ed25519 pässword"
NATIVE_PASSWORD = "n4tive-pw"


@pytest.fixture(scope="module")
def auth_server():
    import unshaken

    with TemporaryServer() as srv:
        root = unshaken.connect(**srv.connect_kwargs())
        try:
            cur = root.cursor()
            cur.execute("INSTALL SONAME 'auth_ed25519'")
            # Both host forms: TCP from 127.0.0.1 and the socket (localhost), where an
            # anonymous ''@localhost account would otherwise win over '%'.
            for host in ("%", "localhost"):
                h = host.replace("%", "%%")  # the statements below take parameters
                cur.execute(
                    f"CREATE USER 'ed'@'{h}' IDENTIFIED VIA ed25519 USING PASSWORD(%s)",
                    (ED_PASSWORD,),
                )
                cur.execute(
                    f"CREATE USER 'nat'@'{h}' IDENTIFIED VIA mysql_native_password "
                    "USING PASSWORD(%s)",
                    (NATIVE_PASSWORD,),
                )
                cur.execute(f"GRANT ALL ON test.* TO 'ed'@'{host}'")
                cur.execute(f"GRANT ALL ON test.* TO 'nat'@'{host}'")
        finally:
            root.close()
        yield srv


def connect(srv, user, password, *, socket=False, **kw):
    import unshaken

    args = srv.connect_kwargs()
    args.update(user=user, password=password, ssl_mode="DISABLED", **kw)
    if socket:
        args.update(host="localhost", unix_socket=srv.unix_socket)
    return unshaken.connect(**args)


def whoami(conn):
    cur = conn.cursor()
    cur.execute("SELECT CURRENT_USER()")
    return cur.fetchone()[0]


def account_plugin(srv, user):
    import unshaken

    with unshaken.connect(**srv.connect_kwargs()) as root:
        cur = root.cursor()
        cur.execute(
            "SELECT JSON_VALUE(Priv, '$.plugin') FROM mysql.global_priv WHERE User = %s "
            "AND Host = '%%'",
            (user,),
        )
        return cur.fetchone()[0]


@pytest.mark.parametrize("socket", [False, True], ids=["tcp", "unix"])
def test_ed25519_login(auth_server, socket):
    assert account_plugin(auth_server, "ed") == "ed25519"
    with connect(auth_server, "ed", ED_PASSWORD, socket=socket) as c:
        assert whoami(c).startswith("ed@")
        cur = c.cursor()
        cur.execute("SELECT 1 + 1")
        assert cur.fetchone() == (2,)


@pytest.mark.parametrize("socket", [False, True], ids=["tcp", "unix"])
def test_ed25519_wrong_password(auth_server, socket):
    import unshaken

    for wrong in ("", "s3cret", ED_PASSWORD + "x", NATIVE_PASSWORD):
        with pytest.raises(unshaken.OperationalError) as e:
            connect(auth_server, "ed", wrong, socket=socket)
        assert e.value.args[0] == 1045, e.value.args


def test_ed25519_password_as_bytes(auth_server):
    with connect(auth_server, "ed", ED_PASSWORD.encode()) as c:
        assert whoami(c).startswith("ed@")


@pytest.mark.parametrize("socket", [False, True], ids=["tcp", "unix"])
def test_native_login_and_wrong_password(auth_server, socket):
    import unshaken

    assert account_plugin(auth_server, "nat") == "mysql_native_password"
    with connect(auth_server, "nat", NATIVE_PASSWORD, socket=socket) as c:
        assert whoami(c).startswith("nat@")
    with pytest.raises(unshaken.OperationalError) as e:
        connect(auth_server, "nat", "wrong", socket=socket)
    assert e.value.args[0] == 1045


def test_many_ed25519_logins(auth_server):
    # Fresh nonces every time: every login must verify.
    for _ in range(20):
        connect(auth_server, "ed", ED_PASSWORD).close()


def test_auth_keywords_are_accepted(auth_server, tmp_path):
    """The authentication keywords reach the core; unused here (no RSA, no clear
    text), they must not change a native or ed25519 login."""
    pem = (
        "-----BEGIN PUBLIC KEY-----\n"
        "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAMtEJZIPs+YFqUjcfBLcvjyxlJzJnv5k\n"
        "0AjChm4wWGFp+RV3rpi5bvjQ6WTPwvG7tNpUBTJT1cHQ6ZlZzz6BKyMCAwEAAQ==\n"
        "-----END PUBLIC KEY-----\n"
    )
    path = tmp_path / "server.pem"
    path.write_text(pem)
    variants = [
        {"server_public_key": pem},
        {"server_public_key": pem.encode()},
        {"server_public_key_path": str(path)},
        {"server_public_key_path": path},
        {"allow_cleartext_password": True},
        {"enable_cleartext_plugin": True},
        {"get_server_public_key": True},
        # The strict mode leaves the plugins that never send the password alone.
        {"auth_requires_verified_tls": True},
    ]
    for kw in variants:
        with connect(auth_server, "ed", ED_PASSWORD, **kw) as c:
            assert whoami(c).startswith("ed@")
        with connect(auth_server, "nat", NATIVE_PASSWORD, **kw) as c:
            assert whoami(c).startswith("nat@")


def test_unreadable_public_key_file(auth_server, tmp_path):
    import unshaken

    with pytest.raises(unshaken.OperationalError) as e:
        connect(auth_server, "nat", NATIVE_PASSWORD,
                server_public_key_path=str(tmp_path / "missing.pem"))
    assert e.value.args[0] == 2061
    assert "missing.pem" in e.value.args[1]
    with pytest.raises(TypeError):
        connect(auth_server, "nat", NATIVE_PASSWORD, server_public_key=12)
