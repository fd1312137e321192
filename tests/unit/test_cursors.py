"""The executemany() statement parser; batching itself is checked on a real server
in tests/test_connection_api.py."""

import pytest
from unshaken import ProgrammingError, cursors


def test_insert_values_regex():
    m = cursors.RE_INSERT_VALUES.match("  REPLACE INTO t VALUE (%s,%(x)s) ;  ")
    assert m.group("head") == "REPLACE INTO t VALUE "
    assert m.group("row") == "(%s,%(x)s)"
    assert m.group("tail") == " "


@pytest.mark.parametrize("query", [
    "INSERT INTO t VALUES (%s, NOW())",  # the row holds more than placeholders
    "INSERT INTO t SELECT %s",
    "UPDATE t SET a=%s",
    "INSERT INTO t VALUES (%s); DELETE FROM t",
])
def test_insert_values_regex_refuses(query):
    assert cursors.RE_INSERT_VALUES.match(query) is None


def test_insert_values_regex_keeps_on_duplicate_tail():
    m = cursors.RE_INSERT_VALUES.match(
        "insert into t (a) values (%(a)s) on duplicate key update b = 'x%%'"
    )
    assert m.group("row") == "(%(a)s)"
    assert m.group("tail") == " on duplicate key update b = 'x%%'"


def test_unescape_percent():
    assert cursors._unescape_percent(" ON DUPLICATE KEY UPDATE b='x%%'") == (
        " ON DUPLICATE KEY UPDATE b='x%'"
    )
    with pytest.raises(ProgrammingError):
        cursors._unescape_percent(" ON DUPLICATE KEY UPDATE a=%s")
