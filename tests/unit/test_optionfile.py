from unshaken import _optionfile


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

