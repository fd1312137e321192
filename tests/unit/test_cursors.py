"""The executemany() statement parser and multi-statement batcher; batching itself
is checked on a real server in tests/test_connection_api.py and
tests/test_executemany_multi.py."""

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


# -- split_insert_values: mysqlclient's groups, in linear time --------------------------

def _reference(query):
    m = cursors.RE_INSERT_VALUES.match(query)
    return None if m is None else (m.group("head"), m.group("row"), m.group("tail") or "")


# Pieces that exercise every choice of the expression: placeholders whose names span
# ")s", rows followed by more rows, VALUES inside names, ON DUPLICATE tails, the
# characters re.IGNORECASE folds (U+017F is "s", U+0131 is "i"), word boundaries.
_PIECES = ["%s", "%S", "%\u017f", "%(", ")s", ")S", "(", ")", ",", " ", "\n", "a", "_",
           "VALUES", "value", "valueſ", "INSERT", "ınsert", "REPLACE", " INTO t ",
           "ON DUPLICATE", "on duplicate", ";", "%(a)s", "b=", "%", "\u3000", "\x1c"]


def test_split_insert_values_agrees_with_the_expression_on_random_statements():
    import random

    rng = random.Random(20261202)
    items = ["%s", "%S", "%(a)s", "%(a)S", "%(x)s), (%(y)s", "%(VALUES (%s)s", "%(a,b)s"]
    tails = ["", " ", ";", " ; \n", " ON DUPLICATE KEY UPDATE b=VALUES(b)", " on duplicate (%s)"]
    matched = 0
    for _ in range(20000):
        row = ",".join(rng.choice(items) + rng.choice(["", " "]) for _ in range(rng.randrange(1, 5)))
        query = (rng.choice(["INSERT", "replace", "  Insert", "ınsert"]) + rng.choice(
            [" INTO t ", "(a)", " x VALUES (%s) "]) + rng.choice(["VALUES", "value", "valueſ"])
            + rng.choice(["", " "]) + "(" + row + ")" + rng.choice(tails))
        for _ in range(rng.choice([0, 0, 1, 2, 3])):  # then break it, or not, at random
            at = rng.randrange(len(query) + 1)
            query = query[:at] + rng.choice(_PIECES) + query[at:]
        expected = _reference(query)
        assert cursors.split_insert_values(query) == expected, query
        matched += expected is not None
    assert 2000 < matched < 18000  # both kinds of statement are well represented


@pytest.mark.parametrize("query", [
    "INSERT INTO t VALUES (%(a)s), (%(b)s)",  # one "name" spanning ")s), (%(b"
    "INSERT INTO t VALUES (%(a)s) ON DUPLICATE KEY UPDATE b=%(b)s",
    "INSERT INTO t (v) SELECT 'VALUES' FROM u VALUES (%s)",
    "INSERT INTO t VALUES (%s, %s) ON DUPLICATE KEY UPDATE x=VALUES(x);",
    "insert into t values (%S, %(x)S)",
    "INSERT INTO t VALUES (%s);\n ",
    "INSERT INTO tVALUES (%s)",  # no word boundary before VALUES
    "INSERTINTO t VALUES (%s)",
    "INSERT INTO t VALUES (%(a)s, NOW())",
])
def test_split_insert_values_agrees_on_edge_cases(query):
    assert cursors.split_insert_values(query) == _reference(query)


def test_split_insert_values_is_linear_on_named_placeholders_that_do_not_match():
    import subprocess
    import sys

    # The expression takes about 1 s at 22 such placeholders and grows ~14x per 4
    # more: at 200 it would run for longer than the universe has existed. In a
    # subprocess, so that a regression fails at the timeout instead of hanging.
    script = (
        "import time; from unshaken import cursors\n"
        "q = 'INSERT INTO t VALUES (' + ', '.join(f'%(p{i})s' for i in range(200)) + ', NOW())'\n"
        "t0 = time.monotonic()\n"
        "assert cursors.split_insert_values(q) is None\n"
        "assert cursors.split_insert_values(q * 50) is None\n"
        "print(time.monotonic() - t0)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True,
                         text=True, timeout=20)
    assert float(out.stdout) < 2.0, out.stdout


# -- executemany_fallback="multi": what is batched, and how ----------------------------


@pytest.mark.parametrize(("query", "batched"), [
    ("UPDATE t SET a=%s", True),
    ("  delete FROM t WHERE id=%s", True),
    (b"INSERT INTO t SET a=%s", True),
    (bytearray(b"REPLACE INTO t SET a=%s"), True),
    ("UPDATE t SET a=%s -- comment", True),
    ("UPDATE t SET a=%s;", False),          # a second (empty) statement
    ("UPDATE t SET a=';'", False),          # the check is lexical: safe side
    (b"DELETE FROM t RETURNING id", False),  # a result set per statement
    ("/* c */ UPDATE t SET a=%s", False),
    ("WITH x AS (SELECT 1) UPDATE t SET a=%s", False),
    ("SELECT %s", False),
    ("UPDATEx t", False),
])
def test_is_executemany_dml(query, batched):
    assert cursors._is_executemany_dml(query) is batched


def test_batches_by_count_and_length():
    statements = [b"a" * n for n in (3, 3, 3, 10, 1)]
    # 3 + 3 + 3 + 3 + 3 = 15 bytes with separators: at most 2 statements by count.
    assert list(cursors._batches(iter(statements), 100, 2)) == [
        (b"aaa\n;\naaa", 2), (b"aaa\n;\n" + b"a" * 10, 2), (b"a", 1)]
    # 9 bytes fit exactly; the 10-byte statement is over the limit and goes alone.
    assert [n for _, n in cursors._batches(iter(statements), 9, 200)] == [2, 1, 1, 1]
    assert list(cursors._batches(iter(()), 9, 200)) == []


def test_batches_read_lazily():
    pulled = []

    def statements():
        for i in range(5):
            pulled.append(i)
            yield b"s"

    batches = cursors._batches(statements(), 100, 2)
    next(batches)
    assert pulled == [0, 1, 2]  # the third had to be seen to close the first batch


@pytest.mark.parametrize("value", ["loop", "multi"])
def test_checked_fallback(value):
    assert cursors.checked_fallback(value) == value


@pytest.mark.parametrize("value", ["LOOP", "", None, 0, "batch"])
def test_checked_fallback_refuses(value):
    with pytest.raises(ValueError, match="executemany_fallback must be either 'loop' or 'multi'"):
        cursors.checked_fallback(value)
