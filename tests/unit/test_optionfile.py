import pytest
from unshaken import NotSupportedError, _optionfile


def test_parse_line():
    assert _optionfile.parse_line("default_character_set = latin1") == (
        "default-character-set", "latin1")
    assert _optionfile.parse_line('password = "a#b c"') == ("password", "a#b c")
    assert _optionfile.parse_line("password = a\\sb # comment") == ("password", "a b")
    assert _optionfile.parse_line("compress") == ("compress", None)


def test_nothing_read_without_options():
    assert _optionfile.read_options() == {}


def test_groups_and_override(tmp_path):
    inc = tmp_path / "extra.cnf"
    inc.write_text("[client]\nport=3310\n")
    cnf = tmp_path / "my.cnf"
    cnf.write_text(
        "# comment\n[client]\nuser=alice\nhost=db1\n"
        f"!include {inc}\n"
        "[mysqld]\nuser=mysql\n"
        "[app]\nhost=db2\nsocket=/tmp/s.sock\ndatabase=shop\n"
    )
    assert _optionfile.read_options(str(cnf)) == {"user": "alice", "host": "db1", "port": 3310}
    assert _optionfile.read_options(str(cnf), "app") == {
        "user": "alice", "host": "db2", "port": 3310,
        "unix_socket": "/tmp/s.sock", "database": "shop",
    }



def read(tmp_path, text, group=None):
    cnf = tmp_path / "my.cnf"
    cnf.write_text(text)
    return _optionfile.read_options(str(cnf), group)


def test_group_names_compare_case_insensitively(tmp_path):
    assert read(tmp_path, "[MySQLdb-tests]\nuser=bob\n", "MySQLdb-tests") == {"user": "bob"}


def test_tls_files_and_mode(tmp_path):
    kw = read(tmp_path, "[client]\nssl-ca=/c/ca.pem\nssl_capath=/c/dir\nssl-cert=/c/cert.pem\n"
                        "ssl-key=/c/key.pem\nssl-cipher=ECDHE-RSA-AES128-GCM-SHA256\n"
                        "ssl-mode=verify_ca\n")
    assert kw == {"ssl": {"ca": "/c/ca.pem", "capath": "/c/dir", "cert": "/c/cert.pem",
                          "key": "/c/key.pem", "cipher": "ECDHE-RSA-AES128-GCM-SHA256"},
                  "ssl_mode": "VERIFY_CA"}


@pytest.mark.parametrize("line, mode", [
    ("ssl-verify-server-cert", "VERIFY_IDENTITY"),
    ("ssl_verify_server_cert=1", "VERIFY_IDENTITY"),
    ("enable-ssl-verify-server-cert", "VERIFY_IDENTITY"),
    ("loose-ssl-verify-server-cert=ON", "VERIFY_IDENTITY"),
    ("ssl-mode=REQUIRED\nssl-verify-server-cert", "VERIFY_IDENTITY"),  # the stronger one
    ("ssl-verify-server-cert=0", None),
    ("skip-ssl-verify-server-cert", None),
])
def test_verify_server_cert_means_verify_identity(tmp_path, line, mode):
    kw = read(tmp_path, f"[client]\n{line}\n")
    assert kw.get("ssl_mode") == mode


@pytest.mark.parametrize("line, expected", [
    ("ssl", {"ssl": True}),
    ("ssl=1", {"ssl": True}),
    ("skip-ssl", {"ssl_mode": "DISABLED"}),
    ("disable-ssl", {"ssl_mode": "DISABLED"}),
    ("ssl=OFF", {"ssl_mode": "DISABLED"}),
    ("ssl\nskip-ssl", {"ssl_mode": "DISABLED"}),  # the last occurrence counts
    ("skip-ssl\nssl", {"ssl": True}),
    ("tls-version=TLSv1.2,TLSv1.3", {}),
    ("tls-ciphersuites=TLS_AES_256_GCM_SHA384", {"ssl": {"cipher": "TLS_AES_256_GCM_SHA384"}}),
    ("ssl-cipher=ECDHE-RSA-AES128-GCM-SHA256\ntls_ciphersuites=TLS_AES_256_GCM_SHA384",
     {"ssl": {"cipher": "ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_256_GCM_SHA384"}}),
    ("tls_version = tlsv1.1,TLSv1.2,TLSv1.3", {}),
])
def test_tls_booleans_and_versions(tmp_path, line, expected):
    assert read(tmp_path, f"[client]\n{line}\n") == expected


@pytest.mark.parametrize("line", [
    "ssl-crl=/c/crl.pem", "ssl-crlpath=/c/crl", "ssl-passphrase=x", "ssl-fp=aa:bb",
    "ssl-fips-mode=ON", "loose-ssl-crl=/c",
    "tls-version=TLSv1.2", "tls-version=TLSv1.3", "ssl-mode=STRICT", "ssl=maybe",
    "skip-ssl-ca", "skip-ssl=1", "ssl_session_data=/x",
])
def test_tls_options_we_cannot_honour_raise(tmp_path, line):
    with pytest.raises(NotSupportedError) as e:
        read(tmp_path, f"[client]\n{line}\n")
    message = str(e.value)
    assert str(tmp_path / "my.cnf") in message
    assert line.split("=")[0].replace("_", "-").removeprefix("loose-") in message


def test_unknown_tls_option_outside_the_groups_read_is_ignored(tmp_path):
    assert read(tmp_path, "[mysqld]\nssl-crl=/c/crl.pem\n[client]\nuser=a\n") == {"user": "a"}


def test_included_file_is_named_in_the_error(tmp_path):
    inc = tmp_path / "tls.cnf"
    inc.write_text("[client]\nssl-crl=/c/crl.pem\n")
    with pytest.raises(NotSupportedError, match="tls.cnf"):
        read(tmp_path, f"[client]\n!include {inc}\n")


def apply(explicit, file_params):
    return _optionfile.merge_into(dict(explicit), file_params)


def test_explicit_arguments_win_over_the_file():
    file_params = {"ssl": {"ca": "/f/ca.pem", "cert": "/f/c.pem"}, "ssl_mode": "VERIFY_CA",
                   "user": "file"}
    # Key by key: the file's CA stays, connect()'s certificate wins.
    assert apply({"ssl": {"cert": "/x/c.pem", "key": None}, "user": "me"}, file_params) == {
        "ssl": {"ca": "/f/ca.pem", "cert": "/x/c.pem"}, "ssl_mode": "VERIFY_CA", "user": "me"}
    assert apply({"ssl_mode": "REQUIRED"}, file_params)["ssl_mode"] == "REQUIRED"
    assert apply({"ssl": True}, file_params)["ssl"] == file_params["ssl"]
    assert apply({}, {"ssl": True}) == {"ssl": True}
    assert apply({"ssl": True}, {}) == {"ssl": True}
    assert apply({"ssl": False}, file_params)["ssl"] is False
    assert apply({"ssl": {}}, file_params)["ssl"] == {}


def test_the_file_cannot_weaken_connects_ssl():
    # connect(ssl={"ca": ...}) means VERIFY_CA: a file's skip-ssl or REQUIRED leaves it.
    mine = {"ssl": {"ca": "/x/ca.pem"}}
    for mode in ("DISABLED", "PREFERRED", "REQUIRED"):
        assert "ssl_mode" not in apply(mine, {"ssl_mode": mode})
    assert apply(mine, {"ssl_mode": "VERIFY_IDENTITY"})["ssl_mode"] == "VERIFY_IDENTITY"
    assert apply({"ssl": True}, {"ssl_mode": "DISABLED"}) == {"ssl": True}
    # Without a connect() ssl the file's mode is the mode, as if passed to connect().
    assert apply({}, {"ssl_mode": "DISABLED"}) == {"ssl_mode": "DISABLED"}
