"""Differential tests: the same statements through mysqlclient (the reference,
imported as ``MySQLdb``) and unshaken against the same server; the results must be
identical: Python values *and* their types, ``description``, ``rowcount``,
``lastrowid``, exception class and ``args``.

The value matrix covers every column type MariaDB has, NULL, edge values and random
values drawn with a fixed seed. Tables are named per process so concurrent runs
against a shared server do not collide.
"""

from __future__ import annotations

import codecs
import datetime
import math
import os
import random
from decimal import Decimal

import pytest
import unshaken

MySQLdb = pytest.importorskip("MySQLdb")

pytestmark = pytest.mark.unshaken_only

PREFIX = f"diff{os.getpid()}"
SEED = 20240531


# -- comparison ---------------------------------------------------------------------


def shape(value):
    """A value as (type name, exact representation), recursively, so that 1 and
    True, 1.0 and 1, Decimal('1.0') and Decimal('1.00') all differ."""
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, tuple(shape(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple((k, shape(v)) for k, v in value.items()))
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    return (type(value).__name__, repr(value))


def outcome(cur, sql, args=None, fetch=True):
    """Everything observable about running ``sql`` on ``cur``."""
    try:
        ret = cur.execute(sql, args)
    except Exception as exc:  # noqa: BLE001 - the class is what we compare
        return ("error", type(exc).__name__, shape(exc.args))
    rows = cur.fetchall() if fetch else None
    return (
        "ok",
        shape(ret),
        shape(rows),
        shape(cur.description),
        shape(cur.description_flags),
        shape(cur.rowcount),
        shape(cur.lastrowid),
    )


def assert_same(ref, got, what=""):
    assert got == ref, what


# -- fixtures -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def both_factory(server_kwargs):
    opened = []

    def make(**overrides):
        kw = {**server_kwargs, **overrides}
        pair = (MySQLdb.connect(**kw), unshaken.connect(**kw))
        opened.extend(pair)
        return pair

    yield make
    for c in opened:
        try:
            c.close()
        except Exception:  # noqa: BLE001, S110
            pass


@pytest.fixture(scope="module")
def both(both_factory):
    # autocommit: a reader left in a transaction would hold metadata locks that
    # block the DROP TABLE at teardown.
    return both_factory(autocommit=True)


@pytest.fixture(scope="module")
def setup_cursor(server_kwargs):
    """A cursor on a connection of its own for creating fixtures, in a permissive
    sql_mode so zero and out-of-range values can be stored."""
    conn = unshaken.connect(**server_kwargs, autocommit=True, init_command="SET sql_mode=''")
    cur = conn.cursor()
    yield cur
    cur.execute(f"SHOW TABLES LIKE '{PREFIX}%'")
    names = [f"`{name}`" for (name,) in cur.fetchall()]
    if names:
        cur.execute("SET foreign_key_checks = 0")
        cur.execute(f"DROP TABLE {', '.join(names)}")
    conn.close()


def run_both(both, sql, args=None, cursorclass=None, fetch=True):
    results = []
    for conn in both:
        cls = None
        if cursorclass is not None:
            cls = getattr(
                MySQLdb.cursors if conn.__class__.__module__.startswith("MySQLdb")
                else unshaken.cursors,
                cursorclass,
            )
        cur = conn.cursor(cls) if cls else conn.cursor()
        try:
            results.append(outcome(cur, sql, args, fetch))
        finally:
            cur.close()
    return results


# -- the value matrix ---------------------------------------------------------------

rng = random.Random(SEED)


def _ints(lo, hi, n=6):
    return [str(rng.randint(lo, hi)) for _ in range(n)]


def _int_type(name, bits):
    lo, hi = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    signed = [str(lo), str(hi), "0", "-1", "1", *_ints(lo, hi)]
    unsigned = ["0", str(2**bits - 1), str(2 ** (bits - 1)), *_ints(0, 2**bits - 1)]
    return [(name, signed), (f"{name} UNSIGNED", unsigned), (f"{name} ZEROFILL", unsigned[:4])]


def _decimals(m, d, n=6):
    out = []
    for _ in range(n):
        ip = rng.randint(0, 10 ** (m - d) - 1)
        fp = rng.randint(0, 10**d - 1) if d else 0
        sign = rng.choice(["", "-"])
        out.append(f"{sign}{ip}.{fp:0{d}d}" if d else f"{sign}{ip}")
    return out


def _floats(n=6):
    return [repr(rng.uniform(-1e6, 1e6)) for _ in range(n)] + [
        repr(rng.random() * 10 ** rng.randint(-30, 30)) for _ in range(n)
    ]


def _datetimes(n=6, frac=0):
    out = []
    for _ in range(n):
        d = datetime.datetime(1970, 1, 2) + datetime.timedelta(
            seconds=rng.randint(0, 2_000_000_000), microseconds=rng.randint(0, 999_999)
        )
        text = d.strftime("%Y-%m-%d %H:%M:%S")
        if frac:
            text += "." + f"{d.microsecond:06d}"[:frac]
        out.append(f"'{text}'")
    return out


def _times(n=6):
    out = []
    for _ in range(n):
        h, m, s = rng.randint(0, 838), rng.randint(0, 59), rng.randint(0, 59)
        out.append(f"'{rng.choice(['', '-'])}{h}:{m:02d}:{s:02d}.{rng.randint(0, 999999):06d}'")
    return out


def _strings(n=6, alphabet="abcXYZ09 'é€😀\\\"%_\t\n"):
    return [
        "'" + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20))).replace("\\", "\\\\").replace("'", "''") + "'"
        for _ in range(n)
    ]


def _blobs(n=6):
    return ["X'" + bytes(rng.randrange(256) for _ in range(rng.randint(0, 40))).hex() + "'"
            for _ in range(n)]


MATRIX = [
    *_int_type("TINYINT", 8),
    *_int_type("SMALLINT", 16),
    *_int_type("MEDIUMINT", 24),
    *_int_type("INT", 32),
    *_int_type("BIGINT", 64),
    ("BOOL", ["0", "1", "-128", "127"]),
    ("DECIMAL(10,0)", ["0", "9999999999", "-9999999999", *_decimals(10, 0)]),
    ("DECIMAL(10,2)", ["0", "0.10", "-0.01", "99999999.99", *_decimals(10, 2)]),
    ("DECIMAL(65,30)", ["0", "1e-30", "-" + "9" * 35 + "." + "9" * 30, *_decimals(65, 30)]),
    ("DECIMAL(20,5) UNSIGNED", ["0", "123456789012345.12345"]),
    ("FLOAT", ["0", "-0", "1.5", "3.4e38", "-3.4e38", "1.17549e-38", "0.1", *_floats()]),
    ("FLOAT(10,3)", ["0", "1.5", "-1234.567", "9999999.999"]),
    ("DOUBLE", ["0", "-0", "0.1", "1.7976931348623157e308", "2.2250738585072014e-308",
                "5e-324", *_floats()]),
    ("DOUBLE(12,4)", ["0", "1.5", "-12345678.1234"]),
    ("BIT(1)", ["0", "1"]),
    ("BIT(8)", ["0", "255", "b'10101010'"]),
    ("BIT(64)", ["0", str(2**64 - 1), "1"]),
    ("DATE", ["'2024-02-29'", "'1000-01-01'", "'9999-12-31'", "'0000-00-00'",
              "'2024-00-00'", "'2024-02-00'", "'0001-01-01'", *_datetimes()]),
    ("DATETIME", ["'2024-02-29 23:59:59'", "'1000-01-01 00:00:00'", "'9999-12-31 23:59:59'",
                  "'0000-00-00 00:00:00'", "'2024-00-10 10:00:00'", *_datetimes()]),
    ("DATETIME(3)", ["'2024-02-29 23:59:59.999'", "'2024-01-01 00:00:00.001'", *_datetimes(frac=3)]),
    ("DATETIME(6)", ["'2024-02-29 23:59:59.999999'", "'2024-01-01 00:00:00.000001'",
                     "'0000-00-00 00:00:00.000000'", *_datetimes(frac=6)]),
    ("TIMESTAMP NULL", ["'2024-02-29 23:59:59'", "'1970-01-01 00:00:01'", "'2038-01-19 03:14:07'",
                        "'0000-00-00 00:00:00'", *_datetimes(frac=0)[:3]]),
    ("TIMESTAMP(6) NULL", ["'2024-02-29 23:59:59.123456'", "'2000-01-01 00:00:00.5'"]),
    ("TIME", ["'00:00:00'", "'-00:00:01'", "'838:59:59'", "'-838:59:59'", "'24:00:00'",
              "'100:00:00'", "'-1:00:00'", "'12:34:56'"]),
    ("TIME(6)", ["'00:00:00.000001'", "'-00:00:00.000001'", "'838:59:59.000000'",
                 "'-838:59:58.999999'", "'25:00:00.5'", *_times()]),
    ("TIME(2)", ["'-12:00:00.25'", "'01:02:03.99'"]),
    ("YEAR", ["0", "1901", "2155", "2024", "70", "69"]),
    ("CHAR(10)", ["''", "'abc'", "'é'", *_strings()]),
    ("VARCHAR(100)", ["''", "'   '", "'x  '", *_strings()]),
    ("VARCHAR(50) COLLATE utf8mb4_bin", ["'abc'", "'Ä'", *_strings()]),
    ("VARCHAR(50) CHARACTER SET latin1", ["'abc'", "'é'", "'ÿ'"]),
    ("VARCHAR(50) CHARACTER SET ascii", ["'abc'"]),
    ("VARCHAR(50) CHARACTER SET utf8mb3", ["'abc'", "'€'"]),
    ("VARCHAR(50) CHARACTER SET ucs2", ["'abc'", "'€'"]),
    ("VARCHAR(50) CHARACTER SET utf16", ["'abc'", "'😀'"]),
    ("VARCHAR(50) CHARACTER SET utf32", ["'abc'", "'😀'"]),
    ("VARCHAR(50) CHARACTER SET cp1251", ["'abc'", "'Жж'"]),
    ("VARCHAR(50) CHARACTER SET sjis", ["'abc'", "'日本'"]),
    ("VARCHAR(50) CHARACTER SET gbk", ["'abc'", "'中文'"]),
    ("BINARY(4)", ["X''", "X'00'", "X'ffffffff'", "'ab'"]),
    ("VARBINARY(40)", ["X''", *_blobs()]),
    ("TINYBLOB", ["X''", *_blobs(3)]),
    ("BLOB", ["X'00ff'", *_blobs()]),
    ("MEDIUMBLOB", [*_blobs(3)]),
    ("LONGBLOB", ["X'00'", *_blobs(3)]),
    ("TINYTEXT", ["''", *_strings(3)]),
    ("TEXT", ["'text'", *_strings()]),
    ("MEDIUMTEXT", [*_strings(3)]),
    ("LONGTEXT", ["'long'", *_strings(3)]),
    ("TEXT COLLATE utf8mb4_bin", ["'abc'", "'é'"]),
    ("TEXT CHARACTER SET latin1", ["'é'"]),
    ("ENUM('a','b','é','')", ["'a'", "'b'", "'é'", "''", "0", "99"]),
    ("SET('a','b','c','é')", ["''", "'a'", "'a,c'", "'b,c,a'", "'é'"]),
    ("JSON", ["'{}'", "'[]'", "'null'", "'{\"a\": [1, 2.5, \"é\", null, true]}'", "'\"x\"'"]),
    ("GEOMETRY", ["ST_GeomFromText('POINT(1 1)')",
                  "ST_GeomFromText('LINESTRING(0 0,1 1,2 2)')"]),
    ("POINT", ["POINT(1.5, -2.5)"]),
    ("INET6", ["'::1'", "'::ffff:1.2.3.4'", "'2001:db8::1'"]),
    ("UUID", ["'123e4567-e89b-12d3-a456-426655440000'"]),
]

MATRIX_IDS = [spec for spec, _ in MATRIX]


@pytest.fixture(scope="module")
def matrix_tables(setup_cursor):
    """Create and fill one table per column type; returns {spec: table name}."""
    tables = {}
    cur = setup_cursor
    for i, (spec, values) in enumerate(MATRIX):
        name = f"{PREFIX}_m{i}"
        cur.execute(f"DROP TABLE IF EXISTS `{name}`")
        try:
            cur.execute(f"CREATE TABLE `{name}` (id INT AUTO_INCREMENT PRIMARY KEY, v {spec})")
        except unshaken.Error as exc:  # e.g. INET6/UUID on an older MariaDB
            tables[spec] = exc
            continue
        for value in [*values, "NULL"]:
            cur.execute(f"INSERT INTO `{name}` (v) VALUES ({value})")
        tables[spec] = name
    return tables


def _table(matrix_tables, spec):
    name = matrix_tables[spec]
    if isinstance(name, Exception):
        pytest.skip(f"server lacks {spec}: {name}")
    return name


@pytest.mark.parametrize("spec", MATRIX_IDS)
def test_column_types(both, matrix_tables, spec):
    name = _table(matrix_tables, spec)
    ref, got = run_both(both, f"SELECT id, v, v IS NULL FROM `{name}` ORDER BY id")
    assert ref[0] == "ok"
    assert_same(ref, got, spec)


@pytest.mark.parametrize("spec", MATRIX_IDS)
def test_column_types_bytes(both_factory, matrix_tables, spec):
    """use_unicode=False: text arrives as bytes in both."""
    name = _table(matrix_tables, spec)
    pair = _raw_pair(both_factory)
    assert_same(*run_both(pair, f"SELECT v FROM `{name}` ORDER BY id"), spec)


@pytest.mark.parametrize("spec", MATRIX_IDS)
def test_column_types_other_cursors(both, matrix_tables, spec):
    name = _table(matrix_tables, spec)
    sql = f"SELECT v, v AS w, id FROM `{name}` ORDER BY id"
    for cls in ("DictCursor", "SSCursor", "SSDictCursor"):
        assert_same(*run_both(both, sql, cursorclass=cls), (spec, cls))


_RAW = {}


def _raw_pair(both_factory):
    if "pair" not in _RAW:
        _RAW["pair"] = both_factory(use_unicode=False, autocommit=True)
    return _RAW["pair"]


# -- expressions (no table) ---------------------------------------------------------

EXPRESSIONS = [
    "1", "-1", "18446744073709551615", "-9223372036854775808", "1.5", "1.50", "0.1+0.2",
    "1e300", "-0e0", "CAST(1.5 AS DOUBLE)", "CAST(1.5 AS FLOAT)", "CAST(1 AS DECIMAL(30,10))",
    "'abc'", "_binary'abc'", "X'00ff'", "b'101'", "''", "NULL", "1=1", "'a' COLLATE utf8mb4_bin",
    "CAST('2020-01-02' AS DATE)", "CAST('2020-02-30' AS DATE)", "DATE'2020-01-02'",
    "TIMESTAMP'2020-01-02 03:04:05.123456'", "TIME'-838:59:59'", "CAST('25:00:00.5' AS TIME(1))",
    "CAST('-00:00:01' AS TIME)", "JSON_OBJECT('a', 1, 'b', 'é')", "JSON_ARRAY()",
    "CONVERT('é' USING latin1)", "CONVERT('é' USING utf8mb3)", "CAST('x' AS BINARY)",
    "ST_GeomFromText('POINT(1 1)')", "INET6_ATON('::1')", "MD5('a')", "SHA2('a', 256)",
    "CAST(NULL AS DATE)", "CAST(NULL AS TIME)", "CAST(NULL AS DECIMAL)", "COALESCE(NULL, 1.5)",
    "GREATEST(1, 2.5)", "SUM(1)", "COUNT(*)", "AVG(3)", "GROUP_CONCAT('a', 'b')",
    "1 AS a, 2 AS a, 3 AS b", "'x' AS `é`", "DATE_ADD('2020-01-01', INTERVAL 1 DAY)",
    "FROM_UNIXTIME(0)", "SEC_TO_TIME(100000)", "MAKETIME(-900, 0, 0)", "YEAR('2020-01-01')",
    "BIT_COUNT(255)", "CAST(-1 AS UNSIGNED)", "~0", "POW(2, 64)", "CHAR(65, 66)",
    "CONVERT(CHAR(255) USING binary)", "REPEAT('é', 3)", "SPACE(3)", "HEX('a')",
]


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_expressions(both, expr):
    assert_same(*run_both(both, f"SELECT {expr}"), expr)


@pytest.mark.parametrize("expr", ["1 AS a, 2 AS a, 3 AS b", "1 AS a, 2 AS a, 3 AS a",
                                  "t.a, u.a FROM (SELECT 1 AS a) t, (SELECT 2 AS a) u"])
def test_dict_cursor_duplicate_columns(both, expr):
    for cls in ("DictCursor", "SSDictCursor"):
        assert_same(*run_both(both, f"SELECT {expr}", cursorclass=cls), (expr, cls))


# -- every character set, with use_unicode both ways -----------------------------------


@pytest.fixture(scope="module")
def charsets(both):
    cur = both[1].cursor()
    cur.execute("SELECT character_set_name FROM information_schema.character_sets"
                " ORDER BY 1")
    return [cs for (cs,) in cur.fetchall()]


def test_every_charset_as_column(both, both_factory, charsets):
    """CONVERT(... USING cs) for every charset the server has, under the default
    connection charset and with use_unicode=False."""
    raw = _raw_pair(both_factory)
    for cs in charsets:
        sql = f"SELECT CONVERT('abc' USING {cs}), CONVERT(_utf8mb4'é€' USING {cs})"
        assert_same(*run_both(both, sql), cs)
        assert_same(*run_both(raw, sql), (cs, "raw"))


@pytest.mark.parametrize("use_unicode", [True, False])
def test_every_charset_as_connection_charset(server_kwargs, charsets, use_unicode):
    for cs in charsets:
        if cs in ("ucs2", "utf16", "utf16le", "utf32"):
            continue  # not allowed as a client charset by the server
        outs = []
        for drv in (MySQLdb, unshaken):
            try:
                outs.append(drv.connect(**server_kwargs, charset=cs, use_unicode=use_unicode))
            except Exception as exc:  # noqa: BLE001
                outs.append((type(exc).__name__, exc.args))
        if isinstance(outs[0], tuple):
            assert_same(*[o if isinstance(o, tuple) else "connected" for o in outs], cs)
            continue
        pair = outs
        sql = "SELECT 'abc', CONVERT(_utf8mb4'é' USING latin1), _binary'x', @@character_set_client"
        if isinstance(outs[1], tuple):
            ref = run_both(pair[:1], sql)[0]
            # Documented difference: no Python codec at all -> unshaken refuses at
            # connect (2019); mysqlclient connects and fails on first use.
            assert outs[1][:2] == ("OperationalError", (2019, f"Can't initialize character set {cs}")), cs
            assert ref[:2] == ("error", "LookupError"), cs
            pair[0].close()
            continue
        ref, got = run_both(pair, sql)
        ref_encoding = pair[0].encoding
        got_encoding = pair[1].encoding
        for c in pair:
            c.close()
        if ref[:2] == ("error", "LookupError"):
            # Documented difference: mysqlclient uses the MySQL charset name as the
            # codec name (macce, eucjpms: LookupError); unshaken maps it to the
            # Python codec, so these charsets work.
            assert got[0] == "ok", cs
            continue
        assert_same(ref, got, cs)
        # Documented difference: unshaken names the Python codec ('utf-8' where
        # mysqlclient says 'utf8'); the codec is the same.
        assert codecs.lookup(got_encoding).name == codecs.lookup(ref_encoding).name, cs


# -- DML: rowcount, lastrowid, executemany, FOUND_ROWS -----------------------------------


@pytest.mark.parametrize("found_rows", [False, True])
def test_dml_rowcount_lastrowid(both_factory, found_rows):
    from unshaken.constants import CLIENT

    flag = CLIENT.FOUND_ROWS if found_rows else 0
    pair = both_factory(client_flag=flag, autocommit=True)
    names = []
    for k, conn in enumerate(pair):
        name = f"{PREFIX}_dml{int(found_rows)}{k}"
        names.append(name)
        cur = conn.cursor()
        cur.execute(f"DROP TABLE IF EXISTS {name}")
        cur.execute(f"CREATE TABLE {name} (id INT AUTO_INCREMENT PRIMARY KEY,"
                    " u INT UNIQUE, s VARCHAR(20))")
    steps = [
        ("INSERT INTO {t} (u, s) VALUES (1, 'a')", None),
        ("INSERT INTO {t} (u, s) VALUES (%s, %s), (%s, %s)", (2, "b", 3, "c")),
        ("UPDATE {t} SET s = 'a' WHERE u = 1", None),  # matched, not changed
        ("UPDATE {t} SET s = 'z' WHERE u >= 2", None),
        ("INSERT INTO {t} (u, s) VALUES (1, 'x') ON DUPLICATE KEY UPDATE s = 'y'", None),
        ("INSERT INTO {t} (u, s) VALUES (1, 'y') ON DUPLICATE KEY UPDATE s = 'y'", None),
        ("INSERT IGNORE INTO {t} (u, s) VALUES (1, 'q')", None),
        ("REPLACE INTO {t} (u, s) VALUES (2, 'r')", None),
        ("SELECT * FROM {t} ORDER BY id", None),
        ("SELECT * FROM {t} WHERE 1 = 0", None),
        ("DELETE FROM {t} WHERE u = 3", None),
        ("INSERT INTO {t} (u, s) VALUES (1, 'dup')", None),
        ("SET @x = 1", None),
        ("DELETE FROM {t}", None),
        ("SELECT LAST_INSERT_ID()", None),
    ]
    for sql, args in steps:
        outs = []
        for conn, name in zip(pair, names):
            cur = conn.cursor()
            outs.append(outcome(cur, sql.format(t=name), args))
        assert_same(*outs, sql)


def test_executemany(both_factory):
    pair = both_factory(autocommit=True)
    rows = [(i, f"s{i}", Decimal(i) / 7, None if i % 3 else datetime.date(2020, 1, 1 + i % 28))
            for i in range(200)]
    queries = [
        "INSERT INTO {t} (a, b, c, d) VALUES (%s, %s, %s, %s)",
        "insert into {t} (a, b, c, d) values (%s, %s, %s, %s) ON DUPLICATE KEY UPDATE b = VALUES(b)",
        "REPLACE INTO {t} (a, b, c, d) VALUES (%s, %s, %s, %s)",
        "UPDATE {t} SET b = %s WHERE a = %s AND c <> %s AND d <=> %s",
        "DELETE FROM {t} WHERE a = %s OR b = %s OR c = %s OR d = %s",
    ]
    for q in queries:
        outs = []
        for k, conn in enumerate(pair):
            name = f"{PREFIX}_em{k}"
            cur = conn.cursor()
            cur.execute(f"CREATE TABLE IF NOT EXISTS {name} (a INT PRIMARY KEY, b VARCHAR(20),"
                        " c DECIMAL(20,10), d DATE)")
            cur.max_stmt_length = 1024  # force splitting into several statements
            try:
                ret = cur.executemany(q.format(t=name), rows)
                res = ("ok", shape(ret), cur.rowcount, shape(cur.lastrowid))
            except Exception as exc:  # noqa: BLE001
                res = ("error", type(exc).__name__, exc.args)
            cur.execute(f"SELECT * FROM {name} ORDER BY a")
            outs.append((res, shape(cur.fetchall())))
        assert_same(*outs, q)
    for k, conn in enumerate(pair):
        conn.cursor().execute(f"DROP TABLE {PREFIX}_em{k}")


DICT_ROWS = [{"a": i, "b": f"x{i}'\\", "c": None if i % 2 else i / 4} for i in range(60)]


@pytest.mark.parametrize(("sql", "rows"), [
    # not batched: one statement per row, the last one's rows remain
    ("SELECT %(a)s, %(b)s, %(c)s", DICT_ROWS),
    # batched into multi-row INSERTs
    ("INSERT INTO {t} (a, b, c) VALUES (%(a)s, %(b)s, %(c)s)", DICT_ROWS),
    ("INSERT INTO {t} (c, a, b) VALUES (%(c)s, %(a)s, %(b)s) ON DUPLICATE KEY UPDATE b = 'dup'",
     [*DICT_ROWS, {"a": 1000, "b": "again", "c": 1.0}]),
    ("UPDATE {t} SET b = %(b)s WHERE a = %(a)s OR c <=> %(c)s", DICT_ROWS),
], ids=["select", "insert", "upsert", "update"])
def test_executemany_dict_args(both, sql, rows):
    outs = []
    for k, conn in enumerate(both):
        name = f"{PREFIX}_emd{k}"
        cur = conn.cursor()
        cur.execute(f"CREATE OR REPLACE TABLE {name} (a INT PRIMARY KEY, b VARCHAR(20), c DOUBLE)")
        cur.execute(f"INSERT INTO {name} VALUES (1000, 'seed', 0.5)")
        cur.max_stmt_length = 512  # several batches
        try:
            ret = cur.executemany(sql.format(t=name), rows)
            res = ("ok", shape(ret), shape(cur.rowcount), shape(cur.fetchall()),
                   shape(cur.description))
        except Exception as exc:  # noqa: BLE001 -- the class is what we compare
            res = ("error", type(exc).__name__, shape(exc.args))
        cur.execute(f"SELECT * FROM {name} ORDER BY a")
        outs.append((res, shape(cur.fetchall())))
        cur.execute(f"DROP TABLE {name}")
    assert_same(*outs, sql)
    assert outs[0][0][0] == "ok", outs[0]  # the reference accepted it: a real comparison


# -- literals: what each driver sends for Python values ------------------------------------

PY_VALUES = [
    0, 1, -1, 2**63, -(2**63), 2**64 - 1, 10**30, True, False, None, 1.5, -0.0, 1e300, 1e-300,
    0.1, Decimal("1.10"), Decimal("-0.000001"), Decimal("1E+5"), Decimal("1e-20"),
    "", "abc", "it's", 'q"q', "back\\slash", "nul\0byte", "new\nline", "\x1a", "é€😀",
    b"", b"\x00\xff'\\", bytearray(b"ba"), datetime.date(2024, 2, 29),
    datetime.datetime(2024, 2, 29, 1, 2, 3), datetime.datetime(2024, 2, 29, 1, 2, 3, 4),
    datetime.time(1, 2, 3), datetime.time(1, 2, 3, 500), datetime.timedelta(hours=30, seconds=5),
    datetime.timedelta(0), (1, 2), [1, "a"], (), {"a"},
]


@pytest.mark.parametrize("value", PY_VALUES, ids=[repr(v)[:30] for v in PY_VALUES])
def test_literals(both, value):
    outs = []
    for conn in both:
        cur = conn.cursor()
        try:
            outs.append(("ok", cur.mogrify("SELECT %s", (value,))))
        except Exception as exc:  # noqa: BLE001
            outs.append(("error", type(exc).__name__))
    assert_same(*outs, value)


@pytest.mark.parametrize("value", [v for v in PY_VALUES if not isinstance(v, (tuple, list, set))
                                   and v not in ("nul\0byte",)],
                         ids=lambda v: repr(v)[:30])
def test_round_trip(both, value):
    """The value sent as a parameter and read back decodes the same in both."""
    assert_same(*run_both(both, "SELECT %s", (value,)), value)


def test_random_round_trip(both):
    r = random.Random(SEED)
    values = []
    for _ in range(300):
        kind = r.randrange(6)
        if kind == 0:
            values.append(r.randint(-(2**63), 2**64 - 1))
        elif kind == 1:
            values.append(r.uniform(-1e10, 1e10))
        elif kind == 2:
            values.append("".join(chr(r.choice([r.randint(32, 126), r.randint(0xA0, 0x2FF),
                                                r.randint(0x1F600, 0x1F64F)]))
                                  for _ in range(r.randint(0, 12))))
        elif kind == 3:
            values.append(bytes(r.randrange(256) for _ in range(r.randint(0, 12))))
        elif kind == 4:
            values.append(Decimal(r.randint(-(10**20), 10**20)) / (10 ** r.randint(0, 10)))
        else:
            values.append(datetime.datetime(1970, 1, 1) + datetime.timedelta(
                seconds=r.randint(0, 2_000_000_000), microseconds=r.randint(0, 999_999)))
    for i in range(0, len(values), 30):
        chunk = values[i : i + 30]
        sql = "SELECT " + ", ".join(["%s"] * len(chunk))
        assert_same(*run_both(both, sql, chunk), chunk)


# -- conv= ----------------------------------------------------------------------------------


def test_custom_conv(both_factory):
    from MySQLdb.constants import FIELD_TYPE as MFT

    def make_conv(mod):
        conv = dict(mod.converters.conversions)
        conv[MFT.LONG] = lambda s: ("int", s)
        conv[MFT.LONGLONG] = lambda s: ("longlong", s)
        conv[MFT.NEWDECIMAL] = float
        conv[MFT.DATETIME] = lambda s: ("dt", s)
        conv[MFT.DATE] = str
        conv[MFT.TIME] = lambda s: ("time", s)
        conv[MFT.DOUBLE] = lambda s: ("double", s)
        conv[MFT.VAR_STRING] = lambda s: ("vs", s)
        conv[MFT.BLOB] = lambda s: ("blob", s)
        conv[MFT.JSON] = lambda s: ("json", s)
        conv[MFT.BIT] = lambda s: ("bit", s)
        conv[int] = lambda o, d: b"(%d+1)" % o
        return conv

    kw_m = {"conv": make_conv(MySQLdb)}
    kw_u = {"conv": make_conv(unshaken)}
    from_ = (
        "SELECT CAST(1 AS INT), 2 * 3000000000, 1.5, NOW(), CURDATE(), TIME'-1:00:00',"
        " 1e0, 'x', REPEAT('y', 1000), JSON_OBJECT(), b'1', %s"
    )
    outs = []
    pair_m = both_factory(**kw_m)[0]
    pair_u = both_factory(**kw_u)[1]
    for conn in (pair_m, pair_u):
        cur = conn.cursor()
        cur.execute(from_.replace("NOW()", "'2020-01-01 00:00:00' + INTERVAL 0 SECOND")
                    .replace("CURDATE()", "DATE'2020-01-01'"), (41,))
        outs.append(shape(cur.fetchall()))
    assert_same(*outs)


# -- errors ---------------------------------------------------------------------------------

ERROR_STATEMENTS = [
    "SELEC 1",
    "SELECT * FROM no_such_table_xyz",
    "SELECT no_such_column FROM (SELECT 1) t",
    "CREATE DATABASE test",
    "USE `no such db`",
    "SELECT 1 FROM DUAL WHERE SUM(1)",
    "CREATE TABLE t_bad ()",
    "SELECT 1, 2 UNION SELECT 1",
    "SELECT * FROM information_schema.no_such",
    "DROP TABLE no_such_table_xyz",
    "CALL no_such_proc()",
    "SELECT CAST('x' AS no_type)",
    "SET @@no_such_var = 1",
    "SET SESSION sql_mode = 'NO_SUCH_MODE'",
    "KILL 999999999",
    "SELECT 1 INTO @a, @b",
    "DO SLEEP('x', 1)",
    "SELECT 1 LIMIT -1",
    "SELECT 1 FROM DUAL GROUP BY 1 HAVING x",
    "XA COMMIT 'nope'",
    "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'custom é'",
    "SELECT %s",
]

TABLE_ERRORS = [
    "INSERT INTO {t} (id, u, nn) VALUES (1, 1, 'x')",  # duplicate primary key
    "INSERT INTO {t} (id, u, nn) VALUES (9, 1, 'x')",  # duplicate unique
    "INSERT INTO {t} (id, u, nn) VALUES (10, 10, NULL)",  # NOT NULL
    "INSERT INTO {t} (id, u) VALUES (11, 11)",  # no default (strict)
    "INSERT INTO {t} (id, u, nn, short) VALUES (12, 12, 'x', 'toolong')",  # data too long
    "INSERT INTO {t} (id, u, nn, tiny) VALUES (13, 13, 'x', 1000)",  # out of range
    "INSERT INTO {t} (id, u, nn, d) VALUES (14, 14, 'x', '2020-13-45')",  # bad date
    "INSERT INTO {t} (id, u, nn, n) VALUES (15, 15, 'x', 'abc')",  # incorrect integer
    "INSERT INTO {child} (pid) VALUES (12345)",  # FK missing parent
    "DELETE FROM {t} WHERE id = 1",  # FK referenced row
    "ALTER TABLE {t} ADD COLUMN u INT",  # duplicate column
    "INSERT INTO {t} (id, id) VALUES (1, 1)",  # field specified twice
    "CREATE TABLE {t} (a INT)",  # table exists
    "SELECT * FROM {t} a, {t} a",  # not unique table alias
    "INSERT INTO {t} VALUES (1)",  # column count mismatch
    "UPDATE {t} SET nn = NULL WHERE id = 1",
    "SELECT id FROM {t} GROUP BY u HAVING zz > 1",
    "INSERT INTO {t} (id, u, nn, d) VALUES (16, 16, 'x', '2020-02-30')",
]


@pytest.mark.parametrize("sql", ERROR_STATEMENTS)
def test_error_statements(both, sql):
    ref, got = run_both(both, sql, () if "%s" in sql else None)
    assert ref[0] == "error", ref
    assert_same(ref, got, sql)


@pytest.fixture(scope="module")
def error_tables(setup_cursor):
    t, child = f"{PREFIX}_err", f"{PREFIX}_errc"
    cur = setup_cursor
    cur.execute(f"DROP TABLE IF EXISTS {child}, {t}")
    cur.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, u INT UNIQUE, nn VARCHAR(5) NOT NULL,"
                " short VARCHAR(3), tiny TINYINT, d DATE, n INT) ENGINE=InnoDB")
    cur.execute(f"CREATE TABLE {child} (pid INT, FOREIGN KEY (pid) REFERENCES {t}(id))"
                " ENGINE=InnoDB")
    cur.execute(f"INSERT INTO {t} (id, u, nn) VALUES (1, 1, 'x')")
    cur.execute(f"INSERT INTO {child} (pid) VALUES (1)")
    return t, child


@pytest.mark.parametrize("sql", TABLE_ERRORS)
def test_table_errors(both_factory, error_tables, sql):
    t, child = error_tables
    pair = both_factory(sql_mode="STRICT_ALL_TABLES", autocommit=True)
    ref, got = run_both(pair, sql.format(t=t, child=child))
    assert ref[0] == "error", ref
    assert_same(ref, got, sql)


# unshaken closes the session after these (the server hangs up after sending them
# for real); SIGNAL only fakes them, so each gets a fresh pair of connections.
HANGUP_ERRNOS = (1053, 1153, 1927, 4031)


def test_every_server_errno(both_factory):
    """SIGNAL lets a statement fail with any errno: sweep the server's range and
    the OS-level range through both drivers; class and args must match for each."""
    # 2000-2999 are client (CR_*) codes: libmariadb rewrites an ERR packet carrying
    # one of those into its own error, so they are not comparable this way.
    numbers = [*range(1, 1000, 37), *range(1000, 2000), *range(3000, 4300), 4999, 65534]
    curs = [c.cursor() for c in both_factory()]
    for n in numbers:
        if n in HANGUP_ERRNOS:
            continue
        sql = f"SIGNAL SQLSTATE 'HY000' SET MYSQL_ERRNO = {n}, MESSAGE_TEXT = 'e{n}'"
        outs = [outcome(cur, sql) for cur in curs]
        assert_same(*outs, n)
    for n in HANGUP_ERRNOS:
        sql = f"SIGNAL SQLSTATE 'HY000' SET MYSQL_ERRNO = {n}, MESSAGE_TEXT = 'e{n}'"
        assert_same(*[outcome(c.cursor(), sql) for c in both_factory()], n)
