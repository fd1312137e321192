"""Arguments bound in the core (py/batch.rs, py/literal.rs) give exactly what the Python
path gives: execute()'s statement, executemany()'s batches, the errors, and every
encoder or subclass the user put in the way still wins."""

from __future__ import annotations

import array
import collections
import datetime
import decimal
import enum
import gc
import weakref

import pytest
import unshaken
from unshaken import cursors

pytestmark = pytest.mark.unshaken_only

UTC = datetime.timezone.utc


class Str(str):
    pass


class Bytes(bytes):
    pass


class Int(int):
    pass


class Color(enum.IntEnum):
    RED = 1


class Stamp(datetime.datetime):
    pass


VALUES = [
    None, True, False, 0, -1, 2**63 - 1, -(2**63), 2**64, -(10**40), 1.5, -0.0, 1e300, 1e-300,
    0.1, 1e16, 1e-5, 123456789.125,
    decimal.Decimal("1.10"), decimal.Decimal("-0.000001"), decimal.Decimal("1E+5"),
    decimal.Decimal("1e-20"), decimal.Decimal("-0"), decimal.Decimal("NaN"),
    decimal.Decimal("Infinity"),
    "", "plain", "it's", 'q"q', "back\\slash", "nul\0", "\x1a\r\n", "é€😀",
    b"", b"\x00\xff'\\\"", bytearray(b"ba"), memoryview(b"mv"),
    datetime.date(1, 1, 1), datetime.date(2024, 2, 29),
    datetime.datetime(2024, 1, 1), datetime.datetime(9999, 12, 31, 23, 59, 59, 999999),
    datetime.datetime(2024, 1, 1, 12, tzinfo=UTC),
    datetime.time(0, 0), datetime.time(23, 59, 59, 1), datetime.time(1, 2, tzinfo=UTC),
    datetime.timedelta(0), datetime.timedelta(seconds=-1), datetime.timedelta(microseconds=-1),
    datetime.timedelta(days=3, hours=4, minutes=5, seconds=6, microseconds=7),
    datetime.timedelta(days=-999999999), datetime.timedelta.max,
    Str("sub'str"), Bytes(b"sub"), Int(7), Color.RED, Stamp(2020, 5, 6, 7, 8, 9),
    (1, "a"), [None, b"x"], {"a", "b"} - {"b"}, frozenset(), array.array("B", b"ab"),
]


def python_bound(conn, query, args):
    """``query % args`` with every literal made by Connection.literal(): the Python path."""
    query = query.encode(conn.encoding) if isinstance(query, str) else query
    if isinstance(args, dict):
        return query % {k.encode(conn.encoding) if isinstance(k, str) else k: conn.literal(v)
                        for k, v in args.items()}
    return query % tuple(map(conn.literal, args))


def core_bound(conn, query, args):
    sql = conn._mogrify(query.encode(conn.encoding), args)
    assert sql is not None, "the core left this to Python"
    return sql


def test_every_value_as_python_writes_it(conn):
    for value in VALUES:
        assert core_bound(conn, "SELECT %s", (value,)) == python_bound(conn, "SELECT %s", (value,))
    query = "SELECT " + ", ".join(["%s"] * len(VALUES))
    assert core_bound(conn, query, VALUES) == python_bound(conn, query, VALUES)
    assert conn.literals(VALUES) == tuple(map(conn.literal, VALUES))


@pytest.mark.parametrize("options", [
    {"binary_prefix": True}, {"charset": "latin1"}, {"charset": "sjis"}, {"charset": "gbk"},
], ids=["binary_prefix", "latin1", "sjis", "gbk"])
def test_other_session_rules(connect, options):
    conn = connect(**options)
    values = [v for v in VALUES if not isinstance(v, str) or v.isascii()]
    values += [b"\x95\x5c'", b"\xbf' OR 1=1 -- ", b"\x81"]
    # Text in the charset, written by the core through the codec.
    values += {"latin1": ["é'ü\\"], "sjis": ["表'ソ\\"], "gbk": ["中'文\\"]}.get(
        options.get("charset"), [])
    query = "SELECT " + ", ".join(["%s"] * len(values))
    assert core_bound(conn, query, values) == python_bound(conn, query, values)
    conn.cursor().execute("SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'")
    assert core_bound(conn, query, values) == python_bound(conn, query, values)
    assert b"\\" not in core_bound(conn, "SELECT %s", ("it's",))


def test_text_the_charset_cannot_hold(connect, cursor):
    latin1 = connect(charset="latin1").cursor()
    for run in (lambda c: c.execute("SELECT %s", ("é😀",)),
                lambda c: c.executemany("SELECT %s", [("é",), ("😀",)]),
                lambda c: c.executemany("INSERT INTO nowhere VALUES (%s)", [("😀",)])):
        with pytest.raises(unshaken.connections.UnencodableError):
            run(latin1)
    with pytest.raises(unshaken.connections.UnencodableError):
        cursor.execute("SELECT %s", ("\udc80",))  # a lone surrogate has no utf-8 form


def test_named_placeholders(conn):
    row = {"b": "x'y", "a": 1, "c(1)": None, "unused": 2.5, "é": b"\0"}
    query = "SELECT %(a)s, %(b)s, %(c(1))s, %(a)s, %(é)s, '100%%'"
    assert core_bound(conn, query, row) == python_bound(conn, query, row)
    assert core_bound(conn, "SELECT '%%'", {}) == b"SELECT '%'"


@pytest.mark.parametrize("type_, value", [
    (type(None), None), (bool, True), (int, 5), (float, 1.5), (decimal.Decimal, decimal.Decimal(1)),
    (datetime.date, datetime.date(2020, 1, 1)), (datetime.datetime, datetime.datetime(2020, 1, 1)),
    (datetime.timedelta, datetime.timedelta(1)), (datetime.time, datetime.time(1)),
])
def test_a_registered_encoder_wins(conn, cursor, type_, value):
    conn.encoders[type_] = lambda o, d: b"'mine'"
    assert core_bound(conn, "SELECT %s", (value,)) == b"SELECT 'mine'"
    cursor.executemany("SELECT %s", [(value,)])
    assert cursor.fetchall() == (("mine",),)
    cursor.execute("CREATE TEMPORARY TABLE t_enc (v VARCHAR(10))")
    cursor.executemany("INSERT INTO t_enc VALUES (%s)", [(value,), (value,)])
    cursor.execute("SELECT v FROM t_enc")
    assert cursor.fetchall() == (("mine",), ("mine",))


def test_encoders_given_at_connect_win(connect):
    conv = dict(unshaken.converters.conversions)
    conv[int] = lambda o, d: b"-1"
    conv[datetime.date] = lambda o, d: b"'d'"
    conn = connect(conv=conv)
    sql = core_bound(conn, "SELECT %s, %s, %s", (7, datetime.date(2020, 1, 1), "s"))
    assert sql == b"SELECT -1, 'd', 's'"


def test_a_connection_subclass_that_makes_literals_its_own_way(connect, server_kwargs):
    class Quiet(unshaken.connections.Connection):
        def literal(self, o):
            return b"'q'" if isinstance(o, str) else super().literal(o)

    conn = Quiet(**server_kwargs)
    try:
        cur = conn.cursor()
        cur.execute("SELECT %s, %s", ("a", 1))
        assert cur.fetchall() == (("q", 1),)
        cur.executemany("SELECT %s", [("b",)])
        assert cur.fetchall() == (("q",),)
    finally:
        conn.close()


# -- what the core leaves to Python, and Python's errors ----------------------------


@pytest.mark.parametrize("query, args", [
    ("SELECT %d", (1,)),                       # another conversion
    ("SELECT %s", collections.namedtuple("R", "a")(1)),  # a tuple subclass
    ("SELECT %s", range(1)),                   # any iterable
    ("SELECT %s", "a"),                        # a str is a sequence of characters
    ("SELECT %(a)s", collections.OrderedDict(a=1)),
    ("SELECT %s", {"a": 1}),                   # a mapping for %s
    ("SELECT %(a)s", (1,)),                    # a sequence for a name
    ("SELECT %s, %s", (1,)),
    ("SELECT %s", (1, 2)),
    ("SELECT %(a)s", {"b": 1}),
    ("SELECT %(a)s", {1: 1, "a": 2}),
    ("SET NAMES latin1; SELECT %s", ("é",)),    # may change the literal rules
])
def test_left_to_python_behaves_as_before(conn, cursor, query, args):
    assert conn._mogrify(query.encode(), args) is None
    try:
        want = ("ok", python_bound(conn, query, args))
    except TypeError as exc:
        want = ("error", unshaken.ProgrammingError, (str(exc),))
    except KeyError as exc:
        want = ("error", KeyError, exc.args)
    try:
        got = ("ok", cursor._mogrify(query, args))
    except Exception as exc:  # noqa: BLE001 -- the class is what we compare
        got = ("error", type(exc), exc.args)
    if query.startswith("SET NAMES"):
        assert got[0] == "ok" and b"X'" in got[1]  # charset-neutral
    else:
        assert got == want


def test_a_fallback_literal_that_is_not_bytes(conn, cursor):
    conn.encoders[float] = lambda o, d: 3  # neither str nor bytes
    with pytest.raises(unshaken.ProgrammingError):
        cursor.execute("SELECT %s", (1.5,))
    with pytest.raises(unshaken.ProgrammingError):
        cursor.executemany("SELECT %s", [(1.5,)])
    conn.encoders[float] = lambda o, d: bytearray(b"2")
    cursor.execute("SELECT %s", (1.5,))
    assert cursor.fetchall() == ((2,),)


@pytest.mark.parametrize("value", [float("inf"), float("nan"), {1}])
def test_errors_of_the_encoders_reach_the_caller(cursor, value):
    with pytest.raises((unshaken.ProgrammingError, TypeError)) as direct:
        cursor.connection.literal(value)
    with pytest.raises(direct.type) as bound:
        cursor.execute("SELECT %s", (value,))
    assert bound.value.args == direct.value.args


# -- executemany(): the batches are the Python path's ----------------------------------


class Recording(cursors.Cursor):
    """Records the statements executemany() sends."""

    def __init__(self, connection):
        super().__init__(connection)
        self.sent = []

    def execute(self, query, args=None):
        if args is None:
            self.sent.append(query)
        return super().execute(query, args)


class PythonBound(Recording):
    """Overrides _mogrify, so every row is bound by Python."""

    def _mogrify(self, query, args=None):
        return super()._mogrify(query, args)


# What the server takes in a BLOB column (no NaN, no Infinity).
STORABLE = [v for v in VALUES[:40] if not isinstance(v, decimal.Decimal) or v.is_finite()]
ROWS = [(i, STORABLE[i % len(STORABLE)], f"r{i}'" * (i % 7)) for i in range(300)]
DICT_ROWS = [{"c": v, "a": i, "b": str(v)} for i, v in enumerate(STORABLE * 3)]


@pytest.mark.parametrize("query, rows", [
    ("INSERT INTO t_native (a, b, c) VALUES (%s, %s, %s)", ROWS),
    ("insert into t_native (a, b, c) values (%s,%s,%s) ON DUPLICATE KEY UPDATE b = '%%'", ROWS),
    ("INSERT INTO t_native (a, b, c) VALUES (%(a)s, %(b)s, %(c)s)", DICT_ROWS),
    ("INSERT INTO t_native (a, b) VALUES (%s, %s)",
     [collections.namedtuple("R", "a b")(i, "n") for i in range(200)]),
], ids=["positional", "upsert", "named", "namedtuple"])
def test_batches_are_the_python_paths(conn, query, rows):
    sent = []
    for cls in (Recording, PythonBound):
        cur = conn.cursor(cls)
        cur.max_stmt_length = 700
        cur.execute("CREATE OR REPLACE TEMPORARY TABLE t_native"
                    " (a INT PRIMARY KEY, b BLOB, c BLOB)")
        cur.sent = []
        n = cur.executemany(query, rows)
        sent.append((n, cur.rowcount, cur.sent))
    assert sent[0] == sent[1]
    assert len(sent[0][2]) > 3


def test_a_row_longer_than_the_limit_is_a_statement_of_its_own(conn):
    cur = conn.cursor(Recording)
    cur.max_stmt_length = 60
    cur.execute("CREATE TEMPORARY TABLE t_long (v TEXT)")
    cur.sent = []
    cur.executemany("INSERT INTO t_long VALUES (%s)", [("a",), ("x" * 100,), ("b",), ("c",)])
    assert cur.sent == [b"INSERT INTO t_long VALUES ('a')",
                        b"INSERT INTO t_long VALUES ('" + b"x" * 100 + b"')",
                        b"INSERT INTO t_long VALUES ('b'),('c')"]


def test_rows_are_read_only_as_far_as_the_statement_being_sent(conn):
    cur = conn.cursor(Recording)
    cur.max_stmt_length = 40
    cur.execute("CREATE TEMPORARY TABLE t_lazy (v INT)")
    cur.sent = []

    def rows():
        yield (1,)
        yield (2,)
        yield (3,)
        yield (4,)  # does not fit: (1),(2),(3) are sent before the next row is read
        assert len(cur.sent) == 1
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        cur.executemany("INSERT INTO t_lazy VALUES (%s)", rows())
    # The statement that was sent ran; the one being built when the error came did not.
    cur.execute("SELECT v FROM t_lazy ORDER BY v")
    assert [v for v, in cur.fetchall()] == [1, 2, 3]


def test_a_bad_row_stops_the_batch_with_pythons_error(conn):
    cur = conn.cursor()
    cur.execute("CREATE TEMPORARY TABLE t_bad (v INT)")
    cur.max_stmt_length = 30
    with pytest.raises(unshaken.ProgrammingError, match="not enough arguments"):
        cur.executemany("INSERT INTO t_bad VALUES (%s, %s)", [(1, 2), (3,)])
    with pytest.raises(unshaken.ProgrammingError, match="not all arguments converted"):
        cur.executemany("INSERT INTO t_bad VALUES (%s)", [(1,), (2,), (3, 4)])
    with pytest.raises(KeyError):
        cur.executemany("INSERT INTO t_bad VALUES (%(v)s)", [{"v": 1}, {"w": 2}])
    with pytest.raises(TypeError):
        cur.executemany("INSERT INTO t_bad VALUES (%s)", [1])
    cur.execute("SELECT COUNT(*) FROM t_bad")
    assert cur.fetchall() == ((1,),)  # "VALUES (1)" of the third try had been sent


@pytest.mark.parametrize("charset", ["sjis", "gbk", "big5", "cp932"])
@pytest.mark.parametrize("nbe", [False, True])
def test_hostile_rows_come_back_exactly(connect, charset, nbe):
    conn = connect(charset=charset, autocommit=True)
    cur = conn.cursor()
    if nbe:
        cur.execute("SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'")
    cur.execute("CREATE TEMPORARY TABLE t_hostile (id INT PRIMARY KEY, b BLOB, s TEXT)"
                f" CHARACTER SET {charset}")
    blobs = [bytes([lead, 0x5C, 0x27]) + b" OR 1=1 -- " for lead in range(0x81, 0xFF, 3)]
    blobs += [b"\xbf'", b"\\'", b"'", b"\x81", b"\0\x1a"]
    texts = ["表'", "ソ\\", "'); DROP TABLE t_hostile; -- ", "\\"]
    rows = [(i, b, texts[i % len(texts)]) for i, b in enumerate(blobs)]
    cur.max_stmt_length = 200
    cur.executemany("INSERT INTO t_hostile VALUES (%s, %s, %s)", rows)
    cur.execute("SELECT id, b, s FROM t_hostile ORDER BY id")
    assert [tuple(r) for r in cur.fetchall()] == rows


# -- executemany() of other statements: one execute() each ----------------------------


class QueryRecording(cursors.Cursor):
    """Records every statement sent."""

    def __init__(self, connection):
        super().__init__(connection)
        self.sent = []

    def _query(self, q):
        self.sent.append(bytes(q))
        return super()._query(q)


class QueryPythonBound(QueryRecording):
    def _mogrify(self, query, args=None):
        return super()._mogrify(query, args)


@pytest.mark.parametrize("query, rows", [
    ("UPDATE t_each SET b = %s WHERE a = %s OR c <=> %s",
     [(v, i, str(v)) for i, v in enumerate(STORABLE)]),
    ("DELETE FROM t_each WHERE b = %(b)s AND a > %(a)s", DICT_ROWS[:40]),
    ("SELECT %s, '%%'", [collections.namedtuple("R", "a")(i) for i in range(5)] + [(1,), [2]]),
    (b"SELECT %s", [(1,), (b"x",)]),
    ("SET NAMES utf8mb4 /* %s */", [(1,), ("é",)]),
], ids=["update", "delete-named", "select-mixed-rows", "bytes-query", "changes-charset"])
def test_each_statement_is_the_python_paths(conn, query, rows):
    sent = []
    for cls in (QueryRecording, QueryPythonBound):
        cur = conn.cursor(cls)
        cur.execute("CREATE OR REPLACE TEMPORARY TABLE t_each"
                    " (a INT PRIMARY KEY, b BLOB, c BLOB)")
        cur.executemany("INSERT INTO t_each VALUES (%s, %s, %s)",
                        [(i, f"b{i}", f"c{i}") for i in range(100)])
        cur.sent = []
        n = cur.executemany(query, rows)
        sent.append((n, cur.rowcount, cur.sent, cur.description, cur.fetchall()))
    assert sent[0] == sent[1]
    assert len(sent[0][2]) == len(rows)


def test_a_bad_row_in_the_loop_leaves_what_execute_leaves(cursor):
    with pytest.raises(unshaken.ProgrammingError):
        cursor.executemany("SELECT %s", [(1,), (2,), (3, 4)])
    # execute() forgets the last result before binding its arguments.
    assert cursor.description is None
    assert cursor.fetchall() == ()
    with pytest.raises(KeyError):
        cursor.executemany("SELECT %(a)s", [{"a": 1}, {"b": 2}])
    assert cursor.description is None


def test_a_pending_streamed_result_is_drained_before_binding(connect):
    conn = connect()
    ss = conn.cursor(unshaken.cursors.SSCursor)
    ss.execute("SET NAMES utf8mb4")  # the core asks the charset before the next literal
    ss.execute("SELECT 1 UNION SELECT 2")  # left unread
    ss.executemany("SELECT %s", [("a",), ("b",), ("c",)])
    assert ss.fetchall() == (("c",),)


def test_a_subclass_execute_sees_query_and_arguments(conn):
    calls = []

    class Logging(cursors.Cursor):
        def execute(self, query, args=None):
            calls.append((query, args))
            return super().execute(query, args)

    conn.cursor(Logging).executemany("SELECT %s", [(1,), (2,)])
    assert calls == [("SELECT %s", (1,)), ("SELECT %s", (2,))]


def test_a_cycle_through_the_statements_is_collected(conn):
    class Holder:
        pass

    holder = Holder()
    # statements -> its callback -> holder -> statements
    holder.statements = conn._statements(b"", b"SELECT %s", b"", [(1,)],
                                         lambda arg, holder=holder: b"SELECT 1")
    alive = weakref.ref(holder)
    del holder
    gc.collect()
    assert alive() is None
