"""The MySQLdb module surface: names, install_as_MySQLdb(), converters, cursors
(callproc OUT/INOUT, scroll, rownumber, _executed, SSCursor streaming in flat
memory) checked against mysqlclient where it is importable."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import textwrap
import tracemalloc
import types

import pytest
import unshaken

MySQLdb = pytest.importorskip("MySQLdb")

pytestmark = pytest.mark.unshaken_only


def _public(mod):
    """Public names, plus MySQLdb's documented private modules; names that are
    just modules imported for internal use (cursors.CLIENT) do not count."""
    return {
        n for n in dir(mod)
        if (not n.startswith("_") or n in ("_exceptions", "_mysql"))
        and not n.startswith("test_")
        and not (isinstance(getattr(mod, n), types.ModuleType) and "." in mod.__name__)
    }


@pytest.mark.parametrize(
    "name",
    ["", "constants", "constants.CLIENT", "constants.CR", "constants.ER",
     "constants.FIELD_TYPE", "constants.FLAG", "converters", "cursors", "times",
     "_exceptions", "release"],
)
def test_every_public_name_exists(name):
    suffix = "." + name if name else ""
    ours = importlib.import_module("unshaken" + suffix)
    theirs = importlib.import_module("MySQLdb" + suffix)
    missing = _public(theirs) - _public(ours) - {"_mysql", "author", "__author__"}
    assert not missing, missing


@pytest.mark.parametrize("name", ["CLIENT", "CR", "ER", "FIELD_TYPE", "FLAG"])
def test_constants_have_mysqlclients_values(name):
    ours = importlib.import_module(f"unshaken.constants.{name}")
    theirs = importlib.import_module(f"MySQLdb.constants.{name}")
    for attr in _public(theirs):
        assert getattr(ours, attr) == getattr(theirs, attr), attr


def test_module_attributes():
    assert (unshaken.apilevel, unshaken.threadsafety, unshaken.paramstyle) == (
        MySQLdb.apilevel, MySQLdb.threadsafety, MySQLdb.paramstyle)
    # A mysqlclient-shaped version: Django and SQLAlchemy gate on it.
    assert unshaken.version_info[:2] >= (2, 2)
    assert unshaken.version_info[3:] == ("final", 0)
    assert unshaken.__version__ == ".".join(map(str, unshaken.version_info[:3]))
    assert isinstance(unshaken.get_client_info(), str)
    for t in ("STRING", "BINARY", "NUMBER", "DATE", "TIME", "TIMESTAMP", "DATETIME", "ROWID"):
        assert set(getattr(unshaken, t)) == set(getattr(MySQLdb, t)), t
    assert unshaken.NUMBER == unshaken.FIELD_TYPE.LONG
    assert unshaken.Binary(b"x") == MySQLdb.Binary(b"x")
    for value in ("a'b\\c\0\n\r\x1a\"", b"bytes'", "é"):
        assert unshaken.escape_string(value) == MySQLdb._mysql.escape_string(value)
        assert unshaken.string_literal(value) == MySQLdb._mysql.string_literal(value)


def test_conversions_keys_and_defaults():
    importlib.import_module("unshaken.converters")
    importlib.import_module("MySQLdb.converters")
    ours, theirs = unshaken.converters.conversions, MySQLdb.converters.conversions
    # `set` is one extra key (mysqlclient <= 2.2 had it; 2.3 encodes sets in
    # Connection.literal, as unshaken also does): documented in the README.
    assert set(ours) - {set} == set(theirs)
    for key, value in theirs.items():
        mine = ours[key]
        if isinstance(value, (list, tuple)):
            assert [(m, f.__name__) for m, f in mine] == [(m, f.__name__) for m, f in value], key
        else:
            assert getattr(mine, "__name__", mine) == getattr(value, "__name__", value), key


def test_install_as_mysqldb_in_subprocess():
    script = textwrap.dedent(
        """
        import unshaken
        unshaken.install_as_MySQLdb()
        import MySQLdb
        from MySQLdb import constants, converters, cursors, connections, times, _exceptions
        from MySQLdb.constants import CLIENT, CR, ER, FIELD_TYPE, FLAG
        import MySQLdb._mysql
        assert MySQLdb is unshaken
        assert cursors.DictCursor is unshaken.cursors.DictCursor
        assert _exceptions.OperationalError is unshaken.OperationalError
        assert MySQLdb._mysql.OperationalError is unshaken.OperationalError
        assert ER.DUP_ENTRY == 1062 and FIELD_TYPE.JSON == 245
        assert converters.conversions is unshaken.converters.conversions
        print("ok")
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.strip() == "ok"


# -- cursors ---------------------------------------------------------------------------


@pytest.fixture
def pair(server_kwargs):
    conns = [MySQLdb.connect(**server_kwargs, autocommit=True),
             unshaken.connect(**server_kwargs, autocommit=True)]
    yield conns
    for c in conns:
        c.close()


def test_callproc_out_inout(pair):
    name = f"surface_{os.getpid()}_p"
    results = []
    for conn in pair:
        cur = conn.cursor()
        cur.execute(f"DROP PROCEDURE IF EXISTS {name}")
        cur.execute(
            f"CREATE PROCEDURE {name}(IN a INT, OUT b INT, INOUT c VARCHAR(20))"
            " BEGIN SET b = a * 2; SET c = CONCAT(c, '!'); SELECT a, b, c; END"
        )
        ret = cur.callproc(name, (21, None, "hi"))
        first = cur.fetchall()
        sets = [first]
        while cur.nextset():
            sets.append(cur.fetchall())
        cur.execute(f"SELECT @_{name}_0, @_{name}_1, @_{name}_2")
        results.append((ret, sets, cur.fetchall(), cur._executed))
        cur.execute(f"DROP PROCEDURE {name}")
    assert results[1] == results[0]
    assert results[1][2] == ((21, 42, "hi!"),)


def test_scroll_rownumber_executed_mogrify(pair):
    out = []
    for conn in pair:
        cur = conn.cursor()
        q = "SELECT * FROM (SELECT 1 a UNION SELECT 2 UNION SELECT 3 UNION SELECT 4) t WHERE a > %s"
        cur.execute(q, (0,))
        steps = [cur._executed, cur.mogrify(q, (0,)), cur.rownumber, cur.fetchone()]
        cur.scroll(2)
        steps += [cur.rownumber, cur.fetchone()]
        cur.scroll(0, "absolute")
        steps += [cur.fetchmany(2), cur.rownumber]
        cur.scroll(-1)
        steps += [cur.fetchall()]
        for bad in ((10,), (-10,), (0, "nowhere")):
            try:
                cur.scroll(*bad)
            except Exception as exc:  # noqa: BLE001
                steps.append(type(exc).__name__)
        out.append(steps)
    assert out[1] == out[0]


def test_sscursor_fetchmany_and_scroll(pair):
    out = []
    for conn in pair:
        cur = conn.cursor(conn.__class__.__module__.startswith("MySQLdb")
                          and MySQLdb.cursors.SSCursor or unshaken.cursors.SSCursor)
        cur.execute("SELECT seq FROM seq_1_to_10")
        steps = [cur.fetchone(), cur.fetchmany(3), cur.rownumber, cur.fetchmany(), cur.fetchall(),
                 cur.fetchone(), cur.fetchmany(5), cur.rownumber]
        cur.close()
        out.append(steps)
    assert out[1] == out[0]


def test_sscursor_memory_is_flat(server_kwargs):
    """Streaming 200k rows keeps the Python heap flat: peak traced memory while
    iterating is a small constant, not proportional to the row count."""
    conn = unshaken.connect(**server_kwargs)
    cur = conn.cursor(unshaken.cursors.SSCursor)
    n = 200_000
    cur.execute(f"SELECT seq, REPEAT('x', 100) FROM seq_1_to_{n}")
    tracemalloc.start()
    try:
        count = 0
        while True:
            rows = cur.fetchmany(1000)
            if not rows:
                break
            count += len(rows)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    conn.close()
    assert count == n
    # 200k rows of ~110 bytes buffered would be > 30 MB of Python objects.
    assert peak < 2_000_000, peak


# -- connection methods that need the compiled core's support ---------------------------

def test_stat(pair):
    assert pair[1].stat().startswith("Uptime:")


def test_sqlstate_errno_error(pair):
    for conn in pair:
        try:
            conn.cursor().execute("SELECT * FROM no_such_table_xyz")
        except conn.ProgrammingError:
            pass
    assert [c.sqlstate() for c in pair] == ["42S02", "42S02"]
    assert pair[1].errno() == pair[0].errno() == 1146
    assert pair[1].error() == pair[0].error()


def test_change_user(pair, server_kwargs):
    conn = pair[1]
    cur = conn.cursor()
    cur.execute("SET @x = 1")
    conn.change_user(server_kwargs.get("user") or "root", server_kwargs.get("password") or "",
                     server_kwargs.get("database"))
    cur.execute("SELECT @x")
    assert cur.fetchall() == ((None,),)


@pytest.mark.unshaken_only
def test_change_user_to_another_account_and_a_refusal(driver, conn, connect):
    cur = conn.cursor()
    name = f"cu_{os.getpid()}"
    cur.execute(f"CREATE USER '{name}'@'%' IDENTIFIED BY 'pw1'")
    try:
        cur.execute(f"GRANT SELECT ON *.* TO '{name}'@'%'")
        other = connect()
        other.change_user(name, "pw1", None)
        c2 = other.cursor()
        c2.execute("SELECT CURRENT_USER()")
        assert c2.fetchone()[0].startswith(name + "@")
        # A wrong password is the server's 1045, and the session is then closed.
        with pytest.raises(driver.OperationalError) as e:
            other.change_user(name, "wrong", None)
        assert e.value.args[0] == 1045
        with pytest.raises(driver.OperationalError) as e:
            other.cursor().execute("SELECT 1")
        assert e.value.args[0] == 2006
    finally:
        cur.execute(f"DROP USER '{name}'@'%'")


def test_reset_connection(pair):
    conn = pair[1]
    cur = conn.cursor()
    cur.execute("SET @x = 1")
    conn.reset_connection()
    cur.execute("SELECT @x")
    assert cur.fetchall() == ((None,),)


def test_server_capabilities(pair):
    assert pair[1].server_capabilities == pair[0].server_capabilities


def test_more_results(pair):
    for conn in pair:
        conn.query(b"SELECT 1; SELECT 2")
        conn.store_result()
        assert conn.more_results()
        conn.next_result()
        conn.store_result()
        assert not conn.more_results()
