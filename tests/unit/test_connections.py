"""Argument handling of connect() that is decided before any socket is opened.

The behaviour on a real server (aliases, positional order, session set-up) is in
tests/test_connection_api.py; these pin the pure helpers.
"""

import pytest
from unshaken import connections


def test_numeric_part():
    assert connections.numeric_part("20-alpha") == 20
    assert connections.numeric_part("foo") is None


def test_bind_arguments_positional_order_and_aliases():
    params = connections._bind_arguments(("h", "u", "pw", "db", 3307), {})
    assert params == {"host": "h", "user": "u", "password": "pw", "database": "db", "port": 3307}
    params = connections._bind_arguments(("h", "u"), {"passwd": "x"})
    assert params == {"host": "h", "user": "u", "password": "x"}
    params = connections._bind_arguments((), {"db": "app", "cursorclass": None})
    assert params == {"database": "app", "cursorclass": None}


def test_bind_arguments_rejects_unknown_duplicate_and_too_many():
    with pytest.raises(TypeError, match="invalid keyword"):
        connections._bind_arguments((), {"hostname": "x"})
    with pytest.raises(TypeError, match="name .* and position"):
        connections._bind_arguments(("h",), {"host": "h"})
    with pytest.raises(TypeError, match="at most"):
        connections._bind_arguments(tuple(range(30)), {})


def test_port_validation():
    assert connections._port(None) == connections._port(0) == 3306
    assert connections._port(3307) == 3307
    with pytest.raises(TypeError):
        connections._port("3306")
    with pytest.raises(OverflowError, match="0-65535"):
        connections._port(70000)
    with pytest.raises(OverflowError, match="0-65535"):
        connections._port(-1)


def test_credentials_are_checked_like_mysqldb():
    assert connections._text_bytes("ü") == "ü".encode()
    assert connections._text_bytes(b"x") == b"x"
    assert connections._text_bytes(None) is None
    with pytest.raises(TypeError, match="user must be str"):
        connections._text_bytes(123, "user")
    with pytest.raises(ValueError, match="null"):
        connections._text_bytes("a\0b")
    with pytest.raises(ValueError, match="null"):
        connections._text("host\0")
