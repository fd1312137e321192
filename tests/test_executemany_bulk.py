"""executemany() of an UPDATE or DELETE by MariaDB's bulk execution
(COM_STMT_BULK_EXECUTE), against a real server: the same rows change as with one
statement per row (``bulk_executemany = False``, mysqlclient's way), errors stop at
the same row, and whatever cannot be bound as a parameter still runs, as a query.

Whether bulk execution ran is read off the session's Com_stmt_* counters.
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest
from interrupts import CTRL_C_WITHIN, keyboard_interrupt_after

pytestmark = pytest.mark.unshaken_only

COLUMNS = """id INT PRIMARY KEY, u INT UNIQUE, big BIGINT UNSIGNED, f DOUBLE, d DECIMAL(20,6),
    s VARCHAR(40), b VARBINARY(40), day DATE, at DATETIME(6), t TIME(6), flag TINYINT"""
UPDATE = ("UPDATE {t} SET big = %s, f = %s, d = %s, s = %s, b = %s, day = %s, at = %s,"
          " t = %s, flag = %s WHERE id = %s")
ROWS = [
    (2**64 - 1, 1.5, Decimal("-12.500001"), "héllo ✓", b"\x00\xff'\\", dt.date(2024, 2, 29),
     dt.datetime(2024, 1, 2, 3, 4, 5, 6), dt.time(23, 59, 58, 999999), True, 1),
    (0, -0.0, Decimal(0), "", b"", dt.date(1, 1, 1), dt.datetime(1999, 12, 31, 23, 59, 59),
     dt.timedelta(hours=-1, minutes=-2), False, 2),
    (None, None, None, None, None, None, None, None, None, 3),
    (7, 1e300, Decimal("1E+3"), "it's", bytearray(b"ba"), dt.date(2000, 1, 1),
     dt.datetime(2000, 1, 1), dt.timedelta(days=2, microseconds=1), 5, 4),
]


def _stmt_counters(cur):
    cur.execute("SHOW SESSION STATUS LIKE 'Com_stmt_%'")
    return {k: int(v) for k, v in cur.fetchall()}


def _delta(before, after):
    return {k.removeprefix("Com_stmt_"): after[k] - before[k] for k in after
            if after[k] != before[k] and k != "Com_stmt_reprepare"}


@pytest.fixture
def table(conn):
    cur = conn.cursor()
    names = []

    def make(name, rows=6):
        names.append(name)
        cur.execute(f"DROP TABLE IF EXISTS {name}")
        cur.execute(f"CREATE TABLE {name} ({COLUMNS}) DEFAULT CHARSET=utf8mb4")
        cur.executemany(f"INSERT INTO {name} (id, u) VALUES (%s, %s)",
                        [(i, i) for i in range(1, rows + 1)])
        conn.commit()
        return name

    yield make
    for name in names:
        cur.execute(f"DROP TABLE IF EXISTS {name}")


def _dump(cur, name):
    cur.execute(f"SELECT * FROM {name} ORDER BY id")
    return cur.fetchall()


def _run(conn, query, rows, bulk):
    cur = conn.cursor()
    cur.bulk_executemany = bulk
    before = _stmt_counters(cur)
    try:
        n = cur.executemany(query, rows)
        return n, cur.rowcount, None, _delta(before, _stmt_counters(cur))
    except conn.Error as e:
        return None, None, e.args, _delta(before, _stmt_counters(cur))


def test_bulk_changes_the_same_rows_as_one_statement_per_row(conn, table):
    bulk, loop = table("bk_bulk"), table("bk_loop")
    got = _run(conn, UPDATE.format(t=bulk), ROWS, True)
    want = _run(conn, UPDATE.format(t=loop), ROWS, False)
    # Changed rows are counted, as MySQL does: the all-NULL row changes nothing.
    assert got[:3] == want[:3] == (3, 3, None)
    cur = conn.cursor()
    assert _dump(cur, bulk) == _dump(cur, loop)
    # One prepare, bulk commands, one close: and the bytearray row (no binary form
    # here) ran as a query after the first three.
    assert got[3]["prepare"] == got[3]["close"] == 1, got[3]
    assert "prepare" not in want[3], want[3]


def test_delete_and_generators_and_empty_args(conn, table):
    name = table("bk_del", rows=10)
    cur = conn.cursor()
    assert cur.executemany(f"DELETE FROM {name} WHERE id = %s", ((i,) for i in range(1, 11, 2))) == 5
    assert cur.rowcount == 5
    assert [r[0] for r in _dump(cur, name)] == [2, 4, 6, 8, 10]
    assert cur.executemany(f"DELETE FROM {name} WHERE id = %s", iter(())) is None
    assert cur.executemany(f"DELETE FROM {name} WHERE id = %s", [(99,)]) == 0
    assert cur.description is None and cur.fetchall() == ()


def test_an_error_stops_at_the_same_row_and_the_statement_is_closed(conn, table):
    results = {}
    for bulk in (True, False):
        name = table(f"bk_err_{int(bulk)}")
        query = f"UPDATE {name} SET u = %s, s = %s WHERE id = %s"
        rows = [(10, "x", 1), (3, "y", 2), (20, "z", 4)]  # row 2: duplicate u = 3
        results[bulk] = _run(conn, query, rows, bulk)
        results[bulk] += (_dump(conn.cursor(), name),)
        conn.rollback()
    assert results[True][2][0] == results[False][2][0] == 1062
    assert results[True][4] == results[False][4]
    assert results[True][4][0][1:6:4] == (10, "x") and results[True][4][3][1] == 4
    assert results[True][3]["close"] == 1
    cur = conn.cursor()
    cur.execute("SELECT 1")
    assert cur.fetchall() == ((1,),)


def test_types_changing_between_rows_start_a_new_batch(conn, table):
    rows = [(1, 1), ("2", 2), (None, 3), (3.5, 4), (Decimal("4.5"), 5), (2**63, 6)]
    got, want = (_run(conn, f"UPDATE {table(f'bk_types{int(bulk)}')} SET s = %s WHERE id = %s",
                      rows, bulk) for bulk in (True, False))
    assert got[:3] == want[:3] == (5, 5, None)  # NULL over NULL changes nothing
    cur = conn.cursor()
    assert _dump(cur, "bk_types1") == _dump(cur, "bk_types0")
    assert [r[5] for r in _dump(cur, "bk_types1")] == ["1", "2", None, "3.5", "4.5", str(2**63)]
    assert got[3]["prepare"] == 1 and got[3]["execute"] >= 5


def test_a_registered_encoder_wins_over_bulk(connect, table, driver):
    conversions = dict(driver.converters.conversions)
    conversions[int] = lambda v, d: b"%d" % (v * 10)
    conn = connect(conv=conversions, autocommit=True)  # no lock kept from the fixture's DROP
    name = table("bk_enc", rows=10)
    got = _run(conn, f"UPDATE {name} SET s = %s WHERE id = %s", [(5, 1)], True)
    # Both ints went through the encoder: "SET s = 50 WHERE id = 10".
    assert got[:3] == (1, 1, None)
    assert [r[5] for r in _dump(conn.cursor(), name)] == [None] * 9 + ["50"]
    assert "prepare" not in got[3]


def test_placeholders_the_server_does_not_see_run_as_queries(conn, table):
    name = table("bk_comment")
    # Python formats all three %s; the server sees two ? (one %s is in a comment).
    query = f"UPDATE {name} SET s = %s /* %s */ WHERE id = %s"
    got = _run(conn, query, [("a", "x", 1), ("b", "y", 2)], True)
    assert got[:3] == (2, 2, None)
    assert [r[5] for r in _dump(conn.cursor(), name)[:2]] == ["a", "b"]
    assert got[3].get("close") == 1 and got[3].get("execute", 0) == 0, got[3]
    # A `?` of the statement's own (here where the text protocol reads it as an
    # error) is never taken for a placeholder: the rows run as queries.
    got = _run(conn, f"UPDATE {name} SET s = '%s', u = ? WHERE id = %s", [("c", 1)], True)
    assert got[2][0] == 1064 and "prepare" not in got[3], got
    # A statement the server cannot prepare raises its own error, as a query.
    got = _run(conn, f"UPDATE {name} SET nope = %s WHERE id = %s", [(1, 1)], True)
    assert got[2][0] == 1054


def test_rows_past_a_megabyte_go_in_several_commands(conn, table):
    name = table("bk_big", rows=3000)
    cur = conn.cursor()
    cur.execute(f"ALTER TABLE {name} MODIFY s VARCHAR(1000)")
    rows = [(f"v{i:04d}" + "x" * 995, i) for i in range(1, 3001)]
    got = _run(conn, f"UPDATE {name} SET s = %s WHERE id = %s", rows, True)
    assert got[:3] == (3000, 3000, None)
    assert got[3]["prepare"] == 1
    cur.execute(f"SELECT COUNT(*) FROM {name} WHERE s = CONCAT('v', LPAD(id, 4, '0'),"
                " REPEAT('x', 995))")
    assert cur.fetchall() == ((3000,),)


def test_ctrl_c_during_a_bulk_cancels_it_and_keeps_the_connection(conn, table):
    name = table("bk_slow", rows=20)
    cur = conn.cursor()
    query = f"UPDATE {name} SET s = %s WHERE id = %s AND SLEEP(0.2) = 0"
    before = _stmt_counters(cur)
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt), keyboard_interrupt_after(0.5):
        cur.executemany(query, [("x", i) for i in range(1, 21)])  # 4 s in all
    assert time.monotonic() - t0 < 0.5 + CTRL_C_WITHIN + 0.3
    assert _delta(before, _stmt_counters(cur))["close"] == 1
    cur.execute("SELECT COUNT(*) FROM " + name + " WHERE s = 'x'")
    assert cur.fetchall()[0][0] < 20
    conn.rollback()


def test_found_rows_counts_matched_rows_as_a_loop_does(connect, table, driver):
    """SQLAlchemy connects with CLIENT.FOUND_ROWS and checks rowcount against the rows
    it meant to update: the bulk's count follows the flag as each statement's does."""
    found = driver.constants.CLIENT.FOUND_ROWS
    counts = []
    for bulk in (True, False):
        conn = connect(client_flag=found, autocommit=True)
        name = table(f"bk_found{int(bulk)}")
        rows = [(None, i) for i in range(1, 5)]  # NULL over NULL: matched, not changed
        counts.append(_run(conn, f"UPDATE {name} SET s = %s WHERE id = %s", rows, bulk)[:3])
    assert counts == [(4, 4, None)] * 2


def test_numbers_beyond_the_parameter_types_run_as_queries(conn, table):
    rows = [(2**64, 1), (Decimal("1" * 70), 2), (-(2**63), 3)]
    cur = conn.cursor()
    seen = []
    for bulk in (True, False):
        name = table(f"bk_wide{int(bulk)}")
        cur.execute(f"ALTER TABLE {name} MODIFY s VARCHAR(200)")
        got = _run(conn, f"UPDATE {name} SET s = %s WHERE id = %s", rows, bulk)
        seen.append((got[:3], [r[5] for r in _dump(cur, name)[:3]]))
    assert seen[0] == seen[1] == ((3, 3, None), [str(2**64), "1" * 70, str(-(2**63))])
    conn.rollback()


# -- what an attacker's review found (each failed before its fix) --------------------


def _twins(conn, table, query, rows, tag, **cursor_attrs):
    """The same executemany on twin tables, bulk and loop: (outcome, table) each."""
    seen = []
    for bulk in (True, False):
        name = table(f"{tag}{int(bulk)}")
        cur = conn.cursor()
        for k, v in cursor_attrs.items():
            setattr(cur, k, v)
        cur.bulk_executemany = bulk
        before = _stmt_counters(cur)
        try:
            out = ("ok", cur.executemany(query.format(t=name), rows()), cur.rowcount)
        except Exception as e:  # noqa: BLE001 - class and args are compared
            out = ("error", type(e).__name__, getattr(e, "args", ()))
        seen.append((out, _dump(conn.cursor(), name), _delta(before, _stmt_counters(cur))))
        conn.rollback()
    return seen


def test_a_none_row_fails_as_in_the_loop(conn, table):
    (bulk, got, _), (loop, want, _) = _twins(
        conn, table, "UPDATE {t} SET s = %s WHERE id = %s",
        lambda: [("a", 1), None, ("c", 3)], "bk_none")
    assert bulk == loop and bulk[0] == "error", (bulk, loop)
    assert got == want


def test_rows_before_a_raising_iterator_ran(conn, table):
    def rows():
        yield ("a", 1)
        yield ("b", 2)
        raise ValueError("the caller's generator failed")

    (bulk, got, counters), (loop, want, _) = _twins(
        conn, table, "UPDATE {t} SET s = %s WHERE id = %s", rows, "bk_raise")
    assert bulk == loop == ("error", "ValueError", ("the caller's generator failed",))
    assert got == want and [r[5] for r in got[:2]] == ["a", "b"]
    assert counters["prepare"] == counters["close"] == 1


def test_batches_stay_under_max_stmt_length(conn, table, driver):
    name = table("bk_len", rows=40)
    cur = conn.cursor()
    cur.execute(f"ALTER TABLE {name} MODIFY s VARCHAR(3000)")
    cur.max_stmt_length = 1000
    before = conn.stats()["queries"]
    rows = [("x" * 300, i) for i in range(1, 31)] + [("y" * 2500, 31)]
    assert cur.executemany(f"UPDATE {name} SET s = %s WHERE id = %s", rows) == 31
    # Three 300-byte rows per command (10 commands), and the 2,500-byte row alone.
    assert conn.stats()["queries"] - before == 11
    assert [len(r[5] or "") for r in _dump(cur, name)[:32]] == [300] * 30 + [2500, 0]


def _open_statements(cur):
    cur.execute("SHOW GLOBAL STATUS LIKE 'Prepared_stmt_count'")
    return int(cur.fetchall()[0][1])


def test_an_interrupted_prepare_leaves_no_statement(connect, table):
    """A deadline while the prepare's reply is read: the cancel's drain sees the
    statement prepared after all and closes it (or the server was stopped before it
    prepared anything)."""
    conn = connect(autocommit=True)  # no lock kept from the fixture's DROP
    name = table("bk_prep")
    query = f"UPDATE {name} SET s = 'x' WHERE id IN ({','.join(['%s'] * 60000)})"
    cur = conn.cursor()
    before = _open_statements(cur)
    for timeout in (0.002, 0.005, 0.01, 0.02):
        conn.query_timeout = timeout
        with pytest.raises(conn.OperationalError):
            cur.executemany(query, [tuple(range(60000))] * 2)
        conn.query_timeout = None
        assert _open_statements(cur) == before  # (and the connection is usable)


@pytest.mark.parametrize("query", [
    "DELETE FROM {t} WHERE id > %s LIMIT %s",
    "UPDATE {t} SET s = %s COLLATE utf8mb4_bin WHERE id = %s",
    "UPDATE {t} SET at = NOW(6), s = %s WHERE id = %s",
])
def test_literal_only_syntax_and_per_statement_functions_run_as_queries(conn, table, query):
    rows = [(0, 1), ("2", 2)] if "LIMIT" in query else [("a", 1), ("b", 2)]
    (bulk, got, counters), (loop, want, _) = _twins(conn, table, query, lambda: rows, "bk_lit")
    assert "prepare" not in counters, counters
    assert bulk == loop
    if "NOW" not in query:  # (two runs, two times)
        assert got == want


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("-Infinity"), Decimal("-0.000"),
                                   -(2**63)], ids=str)
def test_values_whose_literal_reads_otherwise_run_as_queries(conn, table, value):
    (bulk, got, _), (loop, want, _) = _twins(
        conn, table, "UPDATE {t} SET s = -%s WHERE id = %s", lambda: [(value, 1)], "bk_val")
    assert (bulk, got) == (loop, want)


def test_subclasses_that_see_each_statement_get_them_all(connect, server_kwargs, table,
                                                         driver):
    class Rewriting(driver.connections.Connection):
        def query(self, q):
            return super().query(q.replace(b"'x'", b"'X'"))

    name = table("bk_sub")
    conn = Rewriting(**server_kwargs, autocommit=True)
    try:
        conn.cursor().executemany(f"UPDATE {name} SET s = %s WHERE id = %s", [("x", 1)])
        assert _dump(conn.cursor(), name)[0][5] == "X"
    finally:
        conn.close()

    class Counting(driver.cursors.Cursor):
        results = 0

        def _do_get_result(self, db):
            Counting.results += 1
            return super()._do_get_result(db)

    conn = connect(autocommit=True)
    conn.cursor(Counting).executemany(f"UPDATE {name} SET s = %s WHERE id = %s",
                                      [("a", 1), ("b", 2)])
    assert Counting.results == 2


def test_a_reused_row_object_counts_as_the_loop(conn, table):
    def rows():
        row = ["a", 1]
        yield row
        row[0] = bytearray(b"b")  # no binary form: from here on, queries
        row[1] = 2
        yield row

    (bulk, got, _), (loop, want, _) = _twins(
        conn, table, "UPDATE {t} SET s = %s WHERE id = %s", rows, "bk_reuse")
    assert bulk == loop == ("ok", 2, 2)
    assert got == want
