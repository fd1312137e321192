"""TLS against a throwaway MariaDB started with certificates made for the test: every
ssl_mode, a wrong CA, a wrong host name, and client-certificate authentication."""

import time

import pytest
from interrupts import CTRL_C_WITHIN, keyboard_interrupt_after
from unshaken.testing import generate_certificates

pytestmark = pytest.mark.unshaken_only


@pytest.fixture(scope="module", autouse=True)
def x509_user(tls_server):
    with tls_server.connect() as c:
        cur = c.cursor()
        cur.execute("CREATE USER IF NOT EXISTS 'x509user'@'%' REQUIRE X509")
        cur.execute("GRANT ALL ON test.* TO 'x509user'@'%'")


@pytest.fixture(scope="module")
def other_ca(tmp_path_factory):
    return generate_certificates(str(tmp_path_factory.mktemp("other-ca")))["ca"]


def tls_connect(srv, **kw):
    import unshaken

    args = srv.connect_kwargs()
    args.update(kw)
    return unshaken.connect(**args)


def session_cipher(conn):
    cur = conn.cursor()
    cur.execute("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
    return cur.fetchone()[1]


@pytest.mark.parametrize(
    "mode, use_ca",
    [("PREFERRED", False), ("REQUIRED", False), ("VERIFY_CA", True), ("VERIFY_IDENTITY", True)],
)
def test_every_encrypting_mode(tls_server, mode, use_ca):
    ssl = {"ca": tls_server.ssl_ca} if use_ca else None
    with tls_connect(tls_server, ssl_mode=mode, ssl=ssl) as c:
        assert c.get_ssl_cipher()
        assert session_cipher(c), "the server says this session is not encrypted"


def test_default_is_tls_when_offered(tls_server):
    with tls_connect(tls_server) as c:
        assert c.get_ssl_cipher() and session_cipher(c)


def test_disabled_is_plain(tls_server):
    with tls_connect(tls_server, ssl_mode="DISABLED") as c:
        assert c.get_ssl_cipher() is None
        assert session_cipher(c) == ""


def test_ssl_true_and_dict_imply_encryption(tls_server):
    with tls_connect(tls_server, ssl=True) as c:
        assert session_cipher(c)
    with tls_connect(tls_server, **tls_server.ssl_kwargs()) as c:
        assert session_cipher(c)


def test_wrong_ca_is_refused(tls_server, other_ca):
    import unshaken

    for kw in ({"ssl": {"ca": other_ca}}, {"ssl_mode": "VERIFY_IDENTITY", "ssl": {"ca": other_ca}}):
        with pytest.raises(unshaken.OperationalError) as e:
            tls_connect(tls_server, **kw)
        assert e.value.args[0] == 2026
        assert "invalid peer certificate" in e.value.args[1]


def test_public_roots_do_not_trust_a_private_ca(tls_server):
    import unshaken

    # VERIFY_IDENTITY without a CA checks the chain against the public web roots.
    with pytest.raises(unshaken.OperationalError) as e:
        tls_connect(tls_server, ssl_mode="VERIFY_IDENTITY")
    assert e.value.args[0] == 2026
    assert "UnknownIssuer" in e.value.args[1]


def test_verify_ca_without_a_ca_is_refused(tls_server):
    import unshaken

    # The public roots with no host-name check would accept anyone's public certificate.
    for kw in ({"ssl_mode": "VERIFY_CA"}, {"ssl_mode": "VERIFY_CA", "ssl": {"cert": None}}):
        with pytest.raises(unshaken.OperationalError) as e:
            tls_connect(tls_server, **kw)
        assert e.value.args[0] == 2026
        assert "VERIFY_CA needs a CA" in e.value.args[1]


def test_wrong_host_name(tls_server):
    import unshaken

    ca = {"ca": tls_server.ssl_ca}
    with pytest.raises(unshaken.OperationalError) as e:
        tls_connect(tls_server, host="127.0.0.2", ssl_mode="VERIFY_IDENTITY", ssl=ca)
    assert e.value.args[0] == 2026
    assert "not valid for name" in e.value.args[1]
    # VERIFY_CA checks the chain only: the same connection is accepted.
    with tls_connect(tls_server, host="127.0.0.2", ssl_mode="VERIFY_CA", ssl=ca) as c:
        assert session_cipher(c)


def test_client_certificate_authentication(tls_server):
    import unshaken

    x509 = {"user": "x509user", "password": ""}
    with pytest.raises(unshaken.OperationalError) as e:
        tls_connect(tls_server, ssl={"ca": tls_server.ssl_ca}, **x509)
    assert e.value.args[0] == 1045
    with tls_connect(tls_server, **tls_server.ssl_kwargs(), **x509) as c:
        cur = c.cursor()
        cur.execute("SELECT CURRENT_USER()")
        assert cur.fetchone()[0].startswith("x509user@")


def test_missing_certificate_file_is_a_clear_error(tls_server, tmp_path):
    import unshaken

    missing = str(tmp_path / "nope.pem")
    with pytest.raises(unshaken.OperationalError) as e:
        tls_connect(tls_server, ssl={"ca": missing})
    assert e.value.args[0] == 2026
    assert "nope.pem" in e.value.args[1]


def test_results_and_big_packets_over_tls(tls_server):
    with tls_connect(tls_server, ssl_mode="REQUIRED") as c:
        cur = c.cursor()
        cur.execute("SET SESSION max_recursive_iterations = 100000")
        cur.execute("CREATE TEMPORARY TABLE big (v LONGBLOB)")
        blob = bytes(range(256)) * (40 * 1024)  # 10 MiB: many TLS records, one packet
        cur.execute("INSERT INTO big VALUES (%s)", (blob,))
        cur.execute("SELECT v, LENGTH(v) FROM big")
        got, n = cur.fetchone()
        assert n == len(blob) and got == blob
        cur.execute(
            "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM s WHERE n<5000) "
            "SELECT SUM(n) FROM s"
        )
        assert int(cur.fetchone()[0]) == 5000 * 5001 // 2


def test_ctrl_c_cancel_over_tls(tls_server):
    """The cancel side connection uses the same TLS settings; the session survives."""
    with tls_connect(tls_server, ssl_mode="REQUIRED") as c:
        cur = c.cursor()
        t0 = time.monotonic()
        with keyboard_interrupt_after(0.3), pytest.raises(KeyboardInterrupt):
            cur.execute("SELECT SLEEP(10)")
        assert 0.3 <= time.monotonic() - t0 <= 0.3 + CTRL_C_WITHIN
        cur.execute("SELECT 7")
        assert cur.fetchone() == (7,)


def cnf(tmp_path, *lines):
    path = tmp_path / "my.cnf"
    path.write_text("[client]\n" + "".join(f"{line}\n" for line in lines))
    return {"read_default_file": str(path)}


def test_option_file_verify_server_cert_checks_ca_and_name(tls_server, other_ca, tmp_path):
    import unshaken

    good = cnf(tmp_path, f"ssl-ca={tls_server.ssl_ca}", "ssl-verify-server-cert")
    with tls_connect(tls_server, **good) as c:
        assert session_cipher(c)
    # VERIFY_IDENTITY: the name is checked too.
    with pytest.raises(unshaken.OperationalError) as e:
        tls_connect(tls_server, host="127.0.0.2", **good)
    assert e.value.args[0] == 2026 and "not valid for name" in e.value.args[1]
    bad = cnf(tmp_path, f"ssl_ca = {other_ca}", "ssl_verify_server_cert = 1")
    with pytest.raises(unshaken.OperationalError) as e:
        tls_connect(tls_server, **bad)
    assert e.value.args[0] == 2026 and "invalid peer certificate" in e.value.args[1]


def test_option_file_ssl_mode_verify_ca(tls_server, other_ca, tmp_path):
    import unshaken

    kw = cnf(tmp_path, "ssl-mode=VERIFY_CA", f"ssl-ca={tls_server.ssl_ca}")
    with tls_connect(tls_server, host="127.0.0.2", **kw) as c:  # chain only, not the name
        assert session_cipher(c)
    with pytest.raises(unshaken.OperationalError) as e:
        tls_connect(tls_server, **cnf(tmp_path, "ssl-mode=VERIFY_CA", f"ssl-ca={other_ca}"))
    assert e.value.args[0] == 2026
    # An explicit ssl_mode wins over the file's.
    with tls_connect(tls_server, ssl_mode="DISABLED", **kw) as c:
        assert session_cipher(c) == ""


def test_option_file_client_certificate(tls_server, tmp_path):
    kw = cnf(tmp_path, f"ssl-ca={tls_server.ssl_ca}", f"ssl-cert={tls_server.client_cert}",
             f"ssl-key={tls_server.client_key}")
    with tls_connect(tls_server, user="x509user", password="", **kw) as c:
        cur = c.cursor()
        cur.execute("SELECT CURRENT_USER()")
        assert cur.fetchone()[0].startswith("x509user@")


def test_option_file_tls_option_we_cannot_honour_raises(tls_server, tmp_path):
    import unshaken

    kw = cnf(tmp_path, f"ssl-ca={tls_server.ssl_ca}", "ssl-crl=/etc/crl.pem")
    with pytest.raises(unshaken.NotSupportedError, match=r"my\.cnf.*'ssl-crl'"):
        tls_connect(tls_server, **kw)


def test_option_file_cannot_weaken_the_ssl_argument(tls_server, other_ca, tmp_path):
    import unshaken

    # connect(ssl={"ca": ...}) verifies; a file's skip-ssl or REQUIRED does not undo it.
    for line in ("skip-ssl", "ssl-mode=REQUIRED", "ssl-mode=DISABLED"):
        with pytest.raises(unshaken.OperationalError) as e:
            tls_connect(tls_server, ssl={"ca": other_ca}, **cnf(tmp_path, line))
        assert e.value.args[0] == 2026, line
    # ... while the file's CA joins a connect() ssl dict that names none.
    kw = cnf(tmp_path, f"ssl-ca={tls_server.ssl_ca}")
    with tls_connect(tls_server, ssl={"cert": tls_server.client_cert,
                                      "key": tls_server.client_key},
                     user="x509user", password="", **kw) as c:
        assert session_cipher(c)


@pytest.mark.parametrize("cipher, negotiated", [
    ("ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
    ("TLS_AES_128_GCM_SHA256", "TLS13_AES_128_GCM_SHA256"),
    ("DHE-RSA-AES256-SHA:ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
])
def test_cipher_restricts_the_suites_offered(tls_server, cipher, negotiated):
    with tls_connect(tls_server, ssl={"ca": tls_server.ssl_ca, "cipher": cipher}) as c:
        assert c.get_ssl_cipher() == negotiated
        assert session_cipher(c)


def test_cipher_we_cannot_honour_is_refused(tls_server, tmp_path):
    import unshaken

    for cipher in ("HIGH", "HIGH:!aNULL", "RC4-MD5"):
        with pytest.raises(unshaken.OperationalError) as e:
            tls_connect(tls_server, ssl={"ca": tls_server.ssl_ca, "cipher": cipher})
        assert e.value.args[0] == 2026 and "ssl cipher" in e.value.args[1], cipher
    # The option file's ssl-cipher is the same key.
    kw = cnf(tmp_path, f"ssl-ca={tls_server.ssl_ca}", "ssl-cipher=ECDHE-RSA-AES128-GCM-SHA256")
    with tls_connect(tls_server, **kw) as c:
        assert c.get_ssl_cipher() == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
