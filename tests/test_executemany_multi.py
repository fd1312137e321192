"""executemany(): mysqlclient 2.3's executemany_fallback policy ("loop" or "multi":
INSERT/REPLACE/UPDATE/DELETE joined into multi-statement batches), against a real
server, and the literals of every batch safe from a charset or sql_mode change
inside the statement.

Round trips are counted in the general log of a private TemporaryServer (one row
per packet the server read), statements in the session's Com_* counters.
Everything not marked ``unshaken_only`` also passes with mysqlclient 2.3.2
(``UNSHAKEN_TEST_DRIVER=mysqlclient``).
"""

from __future__ import annotations

import contextlib
import socket
import threading

import pytest
from general_log import packets, sent
from test_injection import assert_nothing_stacked_ran, connect_to

SEP = b"\n;\n"
PWNED = b"'); SET @pwned := CURRENT_USER(); INSERT INTO canary VALUES (2); -- "


# -- fixtures -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server_kwargs(logged_server):
    """Every test of this module (and conftest's ``connect``) uses the logged server."""
    return logged_server.connect_kwargs()


def make_table(conn, name="t", rows=3):
    cur = conn.cursor()
    cur.execute(f"CREATE TEMPORARY TABLE {name} (id INT PRIMARY KEY, data VARCHAR(64))")
    if rows:
        cur.executemany(f"INSERT INTO {name} VALUES (%s, %s)", [(i, "x") for i in range(1, rows + 1)])
    return cur


def com(conn, name):
    cur = conn.cursor()
    cur.execute("SHOW SESSION STATUS LIKE %s", (name,))
    return int(cur.fetchone()[1])


# -- the security fix: literals of the INSERT rewrite ---------------------------------


def blobs(conn):
    """A table of values; connect_to() made the canary the attacks write to."""
    cur = conn.cursor()
    cur.execute("CREATE TEMPORARY TABLE v (id INT AUTO_INCREMENT PRIMARY KEY, b BLOB)")
    return cur


def stored(cur):
    cur.execute("SELECT b FROM v WHERE b IS NOT NULL ORDER BY id")
    return [b for b, in cur.fetchall()]


ATTACKS = [b"\xbf" + PWNED, b"\xbf\\" + PWNED, b"plain'"]


@pytest.mark.unshaken_only
@pytest.mark.parametrize("binary_prefix", [False, True])
@pytest.mark.parametrize("query, max_stmt_length", [
    # The rows are read in gbk although escaped for utf8mb4: 0xbf 0x5c (the
    # escaper's backslash) is one gbk character and the quote after it ends the
    # literal.
    ("INSERT INTO v (b) VALUES (NULL); SET NAMES gbk; INSERT INTO v (b) VALUES (%s)", 65536),
    # The tail runs after the rows of its own statement but before those of the
    # next one, whose first row was escaped before the first statement ran.
    ("INSERT INTO v (b) VALUES (%s) ON DUPLICATE KEY UPDATE b = b; SET NAMES gbk", 120),
], ids=["head", "tail"])
def test_set_names_around_the_rows_of_an_insert_rewrite(connect, binary_prefix, query,
                                                        max_stmt_length):
    conn = connect_to(connect, "utf8mb4", binary_prefix=binary_prefix)
    cur = blobs(conn)
    cur.max_stmt_length = max_stmt_length
    cur.executemany(query, [(a,) for a in ATTACKS])
    while cur.nextset():
        pass
    assert stored(cur) == ATTACKS
    assert_nothing_stacked_ran(conn)


@pytest.mark.unshaken_only
def test_sql_mode_in_the_head_of_an_insert_rewrite(connect):
    conn = connect_to(connect, "utf8mb4")
    cur = blobs(conn)
    attack = b"\\" + PWNED
    query = ("INSERT INTO v (b) VALUES (NULL); SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES';"
             " INSERT INTO v (b) VALUES (%s)")
    cur.executemany(query, [(attack,), (attack,)])
    while cur.nextset():
        pass
    assert stored(cur) == [attack, attack]
    assert_nothing_stacked_ran(conn)


# -- differential: every observable against mysqlclient 2.3 ---------------------------


def observe(conn, cur, call):
    """Everything a caller can see after ``call(cur)``."""
    try:
        ret = ("ok", call(cur))
    except Exception as exc:  # noqa: BLE001 - class and args are compared
        ret = ("error", type(exc).__name__, exc.args)
    seen = [ret, cur.rowcount, cur.lastrowid, cur.description, bool(conn.open)]
    if conn.open:
        unbuffered_rows = cur.description is not None and type(cur).__name__ == "SSCursor"
        if unbuffered_rows:
            seen.append(cur.fetchall())
        else:  # (after an unbuffered result set mysqlclient reports -1)
            seen.append(conn.affected_rows())
        seen += [conn.insert_id(), conn.warning_count(), conn.more_results(), cur._executed]
        check = conn.cursor()
        check.execute("SELECT id, data FROM t ORDER BY id")
        seen.append(check.fetchall())
    return seen


def _update(args, **kw):
    return lambda cur: cur.executemany("UPDATE t SET data=%s WHERE id=%s", args)


SCENARIOS = {
    "update": lambda cur: cur.executemany("UPDATE t SET data=%s WHERE id=%s",
                                          [("a", 1), ("b", 2), ("c", 3)]),
    "update-no-match": lambda cur: cur.executemany("UPDATE t SET data=%s WHERE id=%s",
                                                   [("a", 1), ("b", 20), ("x", 1)]),
    "delete": lambda cur: cur.executemany("DELETE FROM t WHERE id=%s", [(1,), (9,), (3,)]),
    "insert-set-autoinc": lambda cur: cur.executemany(
        "INSERT INTO t SET id=%s, data=%s", [(10, "p"), (11, "q")]),
    "insert-set-warning": lambda cur: cur.executemany(
        "INSERT IGNORE INTO t SET id=%s, data=%s", [(12, "p" * 70), (13, "q" * 70)]),
    "error-first": lambda cur: cur.executemany(
        "INSERT INTO t SET id=%s, data=%s", [(1, "dup"), (20, "new"), (21, "new")]),
    "error-middle": lambda cur: cur.executemany(
        "INSERT INTO t SET id=%s, data=%s", [(20, "new"), (2, "dup"), (21, "new")]),
    "error-last": lambda cur: cur.executemany(
        "INSERT INTO t SET id=%s, data=%s", [(20, "new"), (21, "new"), (3, "dup")]),
    "syntax-error": lambda cur: cur.executemany("UPDATE t SET data=%s WHERE idd=%s",
                                                [("a", 1), ("b", 2)]),
    "generator": lambda cur: cur.executemany(
        "UPDATE t SET data=%s WHERE id=%s", ((str(i), i) for i in range(1, 4))),
    "empty-generator": lambda cur: cur.executemany("DELETE FROM t WHERE id=%s", iter(())),
    "dict-args": lambda cur: cur.executemany(
        "UPDATE t SET data=%(d)s WHERE id=%(i)s", [{"d": "m;n", "i": 1}, {"d": "o", "i": 2}]),
    "trailing-comment": lambda cur: cur.executemany(
        "UPDATE t SET data=%s WHERE id=%s -- note", [("a", 1), ("b", 2)]),
    "semicolon-loops": lambda cur: cur.executemany(
        "UPDATE t SET data=%s WHERE id=%s;", [("a", 1), ("b", 2)]),
    "select-loops": lambda cur: cur.executemany("SELECT data FROM t WHERE id=%s", [(1,), (2,)]),
    "returning-loops": lambda cur: cur.executemany(
        "DELETE FROM t WHERE id=%s RETURNING id", [(1,), (2,)]),
    "insert-values-rewrite": lambda cur: cur.executemany(
        "INSERT INTO t (id, data) VALUES (%s, %s)", [(30, "r"), (31, "s")]),
    "bytes-query": lambda cur: cur.executemany(b"UPDATE t SET data=%s WHERE id=%s",
                                               [("a", 1), ("b", 2)]),
    "bad-args-late": lambda cur: cur.executemany(  # the 3rd is bound after batch 1
        "UPDATE t SET data=%s WHERE id=%s", [("a", 1), ("b", 2), ("c",), ("d", 3)]),
    "small-batches": "small",
}


@pytest.mark.unshaken_only
@pytest.mark.parametrize("cursor_class", ["Cursor", "SSCursor"])
@pytest.mark.parametrize("fallback", ["loop", "multi"])
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_same_as_mysqlclient(server_kwargs, scenario, fallback, cursor_class):
    import MySQLdb
    import unshaken

    seen = []
    # unshaken twice: one statement per row, as mysqlclient; then by MariaDB's bulk
    # execution where the statement allows it (tests/test_executemany_bulk.py).
    for drv, bulk in ((MySQLdb, False), (unshaken, False), (unshaken, True)):
        conn = drv.connect(**server_kwargs, executemany_fallback=fallback)
        try:
            cur = conn.cursor(getattr(drv.cursors, cursor_class))
            cur.bulk_executemany = bulk
            make_table(conn)
            # A description and _executed to replace (buffered only: after an
            # unbuffered SELECT, mysqlclient's affected_rows() stays -1).
            cur.execute("SELECT 1" if cursor_class == "Cursor" else "DO 1")
            cur.fetchall()
            call = SCENARIOS[scenario]
            if call == "small" or scenario == "bad-args-late":
                cur.max_multi_stmt_count = 2
                call = SCENARIOS["update" if call == "small" else scenario]
            seen.append(observe(conn, cur, call))
        finally:
            with contextlib.suppress(drv.Error):
                conn.close()
    assert seen[1] == seen[0]
    # Bulk execution's one OK stands for all its rows: the connection's own figures
    # (affected_rows()) are the total, not the last row's, and when a later row fails
    # the cursor's rowcount is what the bulk changed (README: executemany). All else,
    # the table included, is the same.
    mysqlclient, bulk = list(seen[0]), list(seen[2])
    errored = mysqlclient[0][0] == "error"
    for i in (5, 1) if errored else (5,):
        if len(bulk) > i:
            mysqlclient[i] = bulk[i]
    assert bulk == mysqlclient


# -- batching happens, and where batches split ------------------------------------------

UPDATE = "UPDATE t SET data=%s WHERE id=%s"


def statements_per_packet(log):
    return [p.count(SEP) + 1 for p in log]


@pytest.mark.parametrize("fallback", ["loop", "multi"])
def test_update_batches_are_one_round_trip(connect, spy, fallback):
    conn = connect(executemany_fallback=fallback)
    cur = make_table(conn, rows=5)
    cur.bulk_executemany = False  # the loop itself (bulk: test_executemany_bulk.py)
    updates = com(conn, "Com_update")
    with sent(conn, spy) as log:
        assert cur.executemany(UPDATE, [(f"v{i}", i) for i in range(1, 6)]) == 5
    assert statements_per_packet(log) == ([1] * 5 if fallback == "loop" else [5])
    assert com(conn, "Com_update") - updates == 5  # every statement ran on the server
    assert cur.rowcount == 5
    cur.execute("SELECT data FROM t ORDER BY id")
    assert cur.fetchall() == tuple((f"v{i}",) for i in range(1, 6))


def test_delete_and_insert_set_batch_too(connect, spy):
    conn = connect(executemany_fallback="multi")
    cur = make_table(conn, rows=4)
    with sent(conn, spy) as log:
        assert cur.executemany("DELETE FROM t WHERE id=%s", [(1,), (3,), (7,)]) == 2
        assert cur.executemany("INSERT INTO t SET id=%s, data=%s", [(8, "a"), (9, "b")]) == 2
        assert cur.executemany("REPLACE INTO t SET id=%s, data=%s", [(8, "c"), (10, "d")]) == 3
    assert statements_per_packet(log) == [3, 2, 2]
    cur.execute("SELECT id, data FROM t ORDER BY id")
    assert cur.fetchall() == ((2, "x"), (4, "x"), (8, "c"), (9, "b"), (10, "d"))


def test_statement_count_limit(connect, spy):
    conn = connect(executemany_fallback="multi")
    cur = make_table(conn, rows=0)
    assert type(cur).max_multi_stmt_count == 200
    with sent(conn, spy) as log:
        assert cur.executemany("DELETE FROM t WHERE id=%s", [(i,) for i in range(401)]) == 0
    assert statements_per_packet(log) == [200, 200, 1]
    cur.max_multi_stmt_count = 2
    with sent(conn, spy) as log:
        cur.executemany("DELETE FROM t WHERE id=%s", [(i,) for i in range(5)])
    assert statements_per_packet(log) == [2, 2, 1]
    # The last batch, of one statement, is sent as a plain statement.
    assert log[-1] == b"DELETE FROM t WHERE id=4"


def test_length_limit_is_exact(connect, spy):
    conn = connect(executemany_fallback="multi")
    cur = make_table(conn, rows=3)
    cur.execute("ALTER TABLE t MODIFY data TEXT")
    assert type(cur).max_multi_stmt_length == 16_000
    first, second = cur.mogrify(UPDATE, ("a", 1)), cur.mogrify(UPDATE, ("", 2))
    fill = 16_000 - len(first) - len(SEP) - len(second)
    with sent(conn, spy) as log:
        cur.executemany(UPDATE, [("a", 1), ("x" * fill, 2), ("c", 3)])
        cur.executemany(UPDATE, [("a", 1), ("x" * (fill + 1), 2), ("c", 3)])
    assert len(log[0]) == 16_000  # exactly at the limit: one batch
    # One byte over: the second statement starts a batch, and "c" no longer fits
    # after it either.
    assert statements_per_packet(log) == [2, 1] + [1, 1, 1]


def test_oversized_statement_runs_alone(connect, spy):
    conn = connect(executemany_fallback="multi")
    cur = make_table(conn, rows=3)
    cur.execute("ALTER TABLE t MODIFY data TEXT")
    big = "y" * 20_000
    with sent(conn, spy) as log:
        assert cur.executemany(UPDATE, [("a", 1), (big, 2), ("b", 3), ("c", 1)]) == 4
    assert statements_per_packet(log) == [1, 1, 2]
    assert len(log[1]) > cur.max_multi_stmt_length
    cur.max_multi_stmt_length = 1  # every statement is too long: one each
    with sent(conn, spy) as log:
        cur.executemany(UPDATE, [("d", 1), ("e", 2)])
    assert statements_per_packet(log) == [1, 1]


def test_arguments_are_read_lazily(connect, spy):
    """A batch goes out as soon as the next statement does not fit: the generator
    is not drained first (a million rows need not be in memory at once)."""
    conn = connect(executemany_fallback="multi")
    cur = make_table(conn, rows=6)
    cur.max_multi_stmt_count = 2
    seen_at = []
    before = len(packets(conn, spy))

    def args():
        for i in range(1, 7):
            seen_at.append(len(packets(conn, spy)) - before)
            yield (f"g{i}", i)

    assert cur.executemany(UPDATE, args()) == 6
    # The third argument is bound before the first batch is sent; the fourth is
    # asked for after it.
    assert seen_at == [0, 0, 0, 1, 1, 2]
    assert cur.executemany(UPDATE, iter(())) is None
    assert cur.rowcount == 6


@pytest.mark.parametrize("fallback", ["loop", "multi"])
def test_generators_and_empty_iterables(connect, fallback):
    conn = connect(executemany_fallback=fallback)
    cur = make_table(conn, rows=0)
    assert cur.executemany("INSERT INTO t VALUES (%s, %s)", ((i, "a") for i in (1, 2, 3))) == 3
    assert cur.executemany(UPDATE, (("b", i) for i in (1, 2))) == 2
    assert cur.rowcount == 2
    for empty in ([], (), iter(()), (x for x in ())):
        assert cur.executemany(UPDATE, empty) is None
        assert cur.rowcount == 2  # untouched


# -- what the cursor shows after a batch ------------------------------------------------


def test_last_statement_metadata(connect):
    conn = connect(executemany_fallback="multi")
    cur = conn.cursor()
    cur.execute("CREATE TEMPORARY TABLE a (id INT AUTO_INCREMENT PRIMARY KEY, c CHAR(1))")
    cur.execute("SELECT 1")
    assert cur.description is not None
    assert cur.executemany("INSERT IGNORE INTO a SET c=%s", [("p",), ("too long",), ("q",)]) == 3
    assert cur.rowcount == 3
    assert cur.lastrowid == conn.insert_id() == 3  # the last statement's id
    assert cur.description is None
    assert conn.affected_rows() == 1
    assert conn.warning_count() == 0  # the last statement's: its value fitted
    assert conn.more_results() is False
    assert cur._executed.count(SEP) == 2
    cur.executemany("INSERT IGNORE INTO a SET c=%s", [("r",), ("too long",)])
    assert conn.warning_count() == 1


def test_found_rows_counts_matched_rows(connect, driver):
    conn = connect(executemany_fallback="multi", client_flag=driver.constants.CLIENT.FOUND_ROWS)
    cur = make_table(conn, rows=3)
    # Row 1 already holds "x": matched, not changed; FOUND_ROWS counts it.
    assert cur.executemany(UPDATE, [("x", 1), ("y", 2), ("z", 99)]) == 2
    plain = make_table(connect(executemany_fallback="multi"), rows=3)
    assert plain.executemany(UPDATE, [("x", 1), ("y", 2), ("z", 99)]) == 1


# -- errors ----------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [0, 1, 2])
def test_error_in_a_batch(connect, driver, bad):
    conn = connect(executemany_fallback="multi")
    cur = make_table(conn, rows=1)
    args = [(10, "a"), (11, "b"), (12, "c")]
    args[bad] = (1, "duplicate")
    cur.execute("SELECT 1")
    before = cur._executed
    with pytest.raises(driver.IntegrityError) as e:
        cur.executemany("INSERT INTO t SET id=%s, data=%s", args)
    assert e.value.args == (1062, "Duplicate entry '1' for key 'PRIMARY'")
    assert (cur.rowcount, cur.lastrowid, cur.description) == (None, None, None)
    assert conn.affected_rows() == -1
    assert conn.open and conn.more_results() is False
    # A failed first statement leaves _executed alone; later, it is the batch.
    assert (cur._executed == before) == (bad == 0)
    # The statements before the failing one ran (in the open transaction), none after.
    cur.execute("SELECT id FROM t ORDER BY id")
    assert cur.fetchall() == ((1,),) + tuple((i,) for i in (10, 11, 12)[:bad])
    cur.executemany(UPDATE, [("ok", 1), ("ok", 10)])  # the connection is in sync


def test_batch_with_extra_results_closes_the_connection(connect, driver):
    """A converter that writes SQL ('1; SELECT 1') breaks the one-result-per-statement
    count: the rest cannot be matched to statements, so the connection is closed."""

    class Raw:
        pass

    conv = dict(driver.converters.conversions)
    conv[Raw] = lambda value, mapping: b"1; SELECT 1"
    conn = connect(executemany_fallback="multi", conv=conv)
    cur = make_table(conn, rows=1)
    with pytest.raises(driver.InternalError, match="result count mismatch"):
        cur.executemany("UPDATE t SET data=%s", [(Raw(),), (Raw(),)])
    assert not conn.open


@pytest.mark.parametrize("failure", [KeyboardInterrupt, "lost"])
def test_failure_while_reading_a_batch_closes_the_connection(connect, driver, failure):
    exc = KeyboardInterrupt() if failure is KeyboardInterrupt else driver.OperationalError(
        2013, "Lost connection to server during query")

    class Failing(driver.cursors.Cursor):
        calls = 0

        def _do_get_result(self, db):
            super()._do_get_result(db)
            self.calls += 1
            if self.calls == 2:
                raise exc

    conn = connect(executemany_fallback="multi")
    make_table(conn, rows=2)
    cur = conn.cursor(Failing)
    with pytest.raises(type(exc)) as e:
        cur.executemany(UPDATE, [("a", 1), ("b", 2)])
    assert e.value is exc  # the same exception, never wrapped
    assert not conn.open


# -- policy and capability ----------------------------------------------------------------


def test_fallback_option_and_attributes(connect, spy, driver):
    conn = connect()
    assert conn.executemany_fallback == "loop"
    assert connect(executemany_fallback="multi").executemany_fallback == "multi"
    cur = make_table(conn, rows=2)
    cur.bulk_executemany = False  # the loop itself (bulk: test_executemany_bulk.py)
    args = [("a", 1), ("b", 2)]

    class Multi(driver.cursors.Cursor):
        executemany_fallback = "multi"

    with sent(conn, spy) as log:
        cur.executemany(UPDATE, args)               # the connection's "loop"
        conn.cursor(Multi).executemany(UPDATE, args)  # the class overrides
        cur.executemany_fallback = "multi"          # so does the instance
        cur.executemany(UPDATE, args)
        cur.executemany_fallback = None
        conn.executemany_fallback = "multi"         # the connection's, changed
        cur.executemany(UPDATE, args)
        conn.cursor(Multi).executemany(b"UPDATE t SET data=%s WHERE id=%s", args)
        cur.executemany(bytearray(b"DELETE FROM t WHERE id=%s"), [(5,), (6,)])
    assert statements_per_packet(log) == [1, 1, 2, 2, 2, 2, 2]
    cur.executemany_fallback = "batch"
    with pytest.raises(ValueError, match="executemany_fallback"):
        cur.executemany(UPDATE, args)
    # The INSERT ... VALUES rewrite comes first and ignores the policy.
    cur.executemany("INSERT INTO t VALUES (%s, %s)", [(3, "c"), (4, "d")])
    assert cur._executed.endswith(b"VALUES (3, 'c'),(4, 'd')")


def test_invalid_fallback_is_refused_before_connecting(driver, connect, spy):
    spy.execute("SHOW GLOBAL STATUS LIKE 'Connections'")
    connections = int(spy.fetchone()[1])
    for bad in ("invalid", "Multi", None, 1):
        with pytest.raises(ValueError, match="executemany_fallback"):
            connect(executemany_fallback=bad)
    spy.execute("SHOW GLOBAL STATUS LIKE 'Connections'")
    assert int(spy.fetchone()[1]) == connections


def test_connection_subclass_default(driver, logged_server):
    class MultiConnection(driver.connections.Connection):
        executemany_fallback = "multi"

    kw = logged_server.connect_kwargs()
    with contextlib.closing(MultiConnection(**kw)) as conn:
        assert conn.executemany_fallback == "multi"
    with contextlib.closing(MultiConnection(**kw, executemany_fallback="loop")) as conn:
        assert conn.executemany_fallback == "loop"


def test_statements_that_are_not_batched(connect, spy):
    conn = connect(executemany_fallback="multi")
    cur = make_table(conn, rows=2)
    with sent(conn, spy) as log:
        cur.executemany("UPDATE t SET data=%s WHERE id=%s;", [("a", 1), ("b", 2)])
        cur.executemany("UPDATE t SET data=';' WHERE id=%s", [(1,), (2,)])
        cur.executemany("/* c */ UPDATE t SET data=%s WHERE id=%s", [("a", 1), ("b", 2)])
        cur.executemany("DELETE FROM t WHERE id=%s RETURNING id", [(8,), (9,)])
        cur.executemany("SELECT %s", [(1,), (2,)])
    assert statements_per_packet(log) == [1] * 10


def test_without_multi_statements_it_loops(connect, spy, driver):
    conn = connect(executemany_fallback="multi", multi_statements=False)
    assert not conn.client_flag & driver.constants.CLIENT.MULTI_STATEMENTS
    cur = make_table(conn, rows=3)
    with sent(conn, spy) as log:
        assert cur.executemany(UPDATE, [("a", 1), ("b", 2), ("c", 3)]) == 3
    assert statements_per_packet(log) == [1, 1, 1]
    with pytest.raises(driver.ProgrammingError):
        cur.execute("DO 1; DO 2")


class GreetingEditor:
    """A loopback proxy to the real server that clears capability bits in the
    server's greeting (as an old server or a proxy that lacks them would), then
    relays bytes unchanged. Bounded: every socket times out, all close at stop()."""

    def __init__(self, host, port, clear):
        self.upstream, self.clear = (host, port), clear
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.stopped = False
        self.port = self.listener.getsockname()[1]
        self.sockets = [self.listener]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stopped:
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with contextlib.suppress(OSError):
                server = socket.create_connection(self.upstream, timeout=10)
                client.settimeout(10)
                self.sockets += [client, server]
                head = _read_exact(server, 4)
                payload = bytearray(_read_exact(server, int.from_bytes(head[:3], "little")))
                at = payload.index(0, 1) + 1 + 4 + 8 + 1  # after version, id, scramble
                low = int.from_bytes(payload[at:at + 2], "little")
                high = int.from_bytes(payload[at + 5:at + 7], "little")
                caps = (low | high << 16) & ~self.clear
                payload[at:at + 2] = (caps & 0xFFFF).to_bytes(2, "little")
                payload[at + 5:at + 7] = (caps >> 16).to_bytes(2, "little")
                client.sendall(head + payload)
                for a, b in ((client, server), (server, client)):
                    threading.Thread(target=_pump, args=(a, b), daemon=True).start()

    def stop(self):
        self.stopped = True
        self.thread.join(10)
        for s in self.sockets:
            s.close()


def _read_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise OSError("closed")
        data += chunk
    return data


def _pump(src, dst):
    with contextlib.suppress(OSError):
        while chunk := src.recv(65536):
            dst.sendall(chunk)
    with contextlib.suppress(OSError):
        dst.shutdown(socket.SHUT_WR)


@pytest.mark.unshaken_only
def test_server_without_multi_statements_gets_a_loop(driver, logged_server, spy):
    """libmysqlclient keeps CLIENT_MULTI_STATEMENTS in client_flag even when the
    server did not offer it (mysqlclient then sends a batch the server cannot
    parse); unshaken reports the flag as negotiated and loops."""
    multi = driver.constants.CLIENT.MULTI_STATEMENTS
    kw = logged_server.connect_kwargs()
    proxy = GreetingEditor(kw["host"], kw["port"], clear=multi)
    try:
        conn = driver.connect(**{**kw, "port": proxy.port}, executemany_fallback="multi")
        try:
            assert not conn.server_capabilities & multi
            assert not conn.client_flag & multi
            cur = make_table(conn, rows=3)
            with sent(conn, spy) as log:
                assert cur.executemany(UPDATE, [("a", 1), ("b", 2), ("c", 3)]) == 3
            assert statements_per_packet(log) == [1, 1, 1]
            with pytest.raises(driver.ProgrammingError) as e:
                cur.execute("DO 1; DO 2")  # the server did not agree to them
            assert e.value.args[0] == 1064
        finally:
            conn.close()
    finally:
        proxy.stop()


# -- literals of multi-statement batches ------------------------------------------------


@pytest.mark.unshaken_only
@pytest.mark.parametrize("charset", ["gbk", "sjis", "big5", "utf8mb4"])
@pytest.mark.parametrize("nbe", [False, True])
def test_hostile_values_in_a_batch_come_back_exactly(connect, charset, nbe):
    conn = connect_to(connect, charset, executemany_fallback="multi")
    cur = blobs(conn)
    if nbe:
        cur.execute("SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_BACKSLASH_ESCAPES')")
    values = [bytes([lead]) + tail for lead in (0x81, 0x95, 0xa1, 0xbf, 0xe0, 0xfc)
              for tail in (b"\\" + PWNED, PWNED, b"\\", b"'", b"`'" + PWNED)]
    cur.executemany("INSERT INTO v SET id=%s, b=%s", [(i + 1, v) for i, v in enumerate(values)])
    cur.executemany("UPDATE v SET b=CONCAT(b, %s) WHERE id=%s",
                    [(v, i + 1) for i, v in enumerate(values)])
    assert stored(cur) == [v + v for v in values]
    assert_nothing_stacked_ran(conn)


@pytest.mark.unshaken_only
def test_a_template_that_may_change_the_charset_gets_neutral_literals(connect, spy):
    """Every statement of every batch, not only the first, when the template names
    the charset (here a column called `names`: the check is lexical, so it errs on
    the safe side)."""
    conn = connect(charset="gbk", use_unicode=False, executemany_fallback="multi")
    cur = conn.cursor()
    cur.execute("CREATE TEMPORARY TABLE n (id INT PRIMARY KEY, names BLOB)")
    cur.execute("INSERT INTO n VALUES (1, ''), (2, ''), (3, '')")
    cur.max_multi_stmt_count = 2
    attack = b"\xbf'" + PWNED
    with sent(conn, spy) as log:
        cur.executemany("UPDATE n SET names=%s WHERE id=%s", [(attack, i) for i in (1, 2, 3)])
    assert statements_per_packet(log) == [2, 1]
    hexed = b"X'" + attack.hex().encode() + b"'"
    assert sum(p.count(hexed) for p in log) == 3
    cur.execute("SELECT names FROM n ORDER BY id")
    assert cur.fetchall() == ((attack,),) * 3


@pytest.mark.unshaken_only
def test_round_trips_in_stats(connect):
    conn = connect(executemany_fallback="multi")
    cur = make_table(conn, rows=450)
    before = conn.stats()["queries"]
    assert cur.executemany(UPDATE, [("s", i) for i in range(1, 451)]) == 450
    assert conn.stats()["queries"] - before == 3  # 200 + 200 + 50
