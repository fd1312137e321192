"""Fork and threads (issue 4, sections 3 and 4).

Fork: in a child process any use of an inherited connection raises InterfaceError
("... belongs to another process"); closing or garbage-collecting it there closes only
the file descriptor (no COM_QUIT), so the parent's session survives. Each scenario
runs in a fresh interpreter (a fork inside pytest would copy its threads and state).

Threads: a second thread using a busy connection gets ProgrammingError (2014) at once
and the first thread's result is untouched; close() is safe from any thread.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time

import pytest
import unshaken
import unshaken.cursors

# -- fork ---------------------------------------------------------------------------

FORK_SCRIPT = textwrap.dedent(r"""
    import gc, json, os, sys
    import unshaken

    kw, how, after = json.loads(sys.stdin.read()), sys.argv[1], sys.argv[2]
    conn = unshaken.connect(**kw)
    tid = conn.thread_id()
    fd = conn.fileno()
    cur = conn.cursor()
    cur.execute("SELECT 1")
    cur.fetchall()

    def describe(e):
        return [type(e).__name__, list(e.args)]

    USES = {
        "execute": lambda: conn.cursor().execute("SELECT 1"),
        "ping": lambda: conn.ping(),
        "commit": lambda: conn.commit(),
        "rollback": lambda: conn.rollback(),
        "autocommit": lambda: conn.autocommit(True),
        "select_db": lambda: conn.select_db("test"),
        "query": lambda: conn.query("SELECT 1"),
        "escape_string": lambda: conn.escape_string("x"),
    }

    def child():
        out = {"uses": {}}
        for name, fn in USES.items():
            try:
                fn()
                out["uses"][name] = None
            except BaseException as e:
                out["uses"][name] = describe(e)
        try:
            if after == "close":
                conn.close()
            elif after == "gc":
                globals().pop("conn")
                globals().pop("cur")  # a cursor holds its connection
                gc.collect()
            out["after"] = None
        except BaseException as e:
            out["after"] = describe(e)
        if after in ("close", "gc"):
            try:
                os.fstat(fd)
                out["fd_closed"] = False
            except OSError:
                out["fd_closed"] = True
        return out

    if how == "fork":
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                data = json.dumps(child()).encode()
            except BaseException as e:
                data = json.dumps({"crash": repr(e)}).encode()
            os.write(w, data)
            os._exit(0)
        os.close(w)
        chunks = []
        while True:
            b = os.read(r, 65536)
            if not b:
                break
            chunks.append(b)
        _, status = os.waitpid(pid, 0)
        child_out = json.loads(b"".join(chunks) or b"{}")
        child_out["status"] = status
    else:
        import multiprocessing as mp
        ctx = mp.get_context("fork")
        q = ctx.Queue()
        p = ctx.Process(target=lambda: q.put(child()))
        p.start()
        child_out = q.get(timeout=30)
        p.join(30)
        child_out["status"] = p.exitcode

    # The parent's session must have survived whatever the child did.
    result = {"child": child_out, "tid": tid}
    try:
        cur = conn.cursor()
        cur.execute("SELECT 42")
        result["parent_after"] = [list(r) for r in cur.fetchall()]
    except BaseException as e:
        result["parent_after"] = describe(e)
    other = unshaken.connect(**kw)
    c2 = other.cursor()
    c2.execute("SELECT ID FROM information_schema.PROCESSLIST")
    result["processlist"] = sorted(r[0] for r in c2.fetchall())
    other.close()
    conn.close()
    print(json.dumps(result))
""")


def run_fork(server_kwargs, how, after):
    proc = subprocess.run(
        [sys.executable, "-c", FORK_SCRIPT, how, after],  # the password on stdin, not argv
        input=json.dumps(server_kwargs).encode(), capture_output=True, timeout=60,
        check=False,
    )
    out = proc.stdout.decode("utf-8", "replace").strip()
    if proc.returncode != 0 or not out:
        pytest.fail(f"fork script exited {proc.returncode}\n{out}\n"
                    f"{proc.stderr.decode('utf-8', 'replace')[-3000:]}", pytrace=False)
    return json.loads(out.splitlines()[-1])


@pytest.mark.parametrize("after", ["close", "gc", "exit"])
@pytest.mark.parametrize("how", ["fork", "multiprocessing"])
def test_inherited_connection_in_child(server_kwargs, how, after):
    r = run_fork(server_kwargs, how, after)
    child = r["child"]
    assert "crash" not in child, child
    assert child["status"] == 0, child
    for use, err in child["uses"].items():
        assert err is not None, f"{use}() worked in a forked child"
        assert err[0] == "InterfaceError", f"{use}(): {err}"
        assert "another process" in str(err[1]), f"{use}(): {err}"
    assert child["after"] is None, f"{after} in the child raised {child['after']}"
    if after in ("close", "gc"):
        assert child["fd_closed"], f"{after} in the child left the socket open there"
    # No COM_QUIT went out: the parent's session is alive and still the same thread.
    assert r["parent_after"] == [[42]], r
    assert r["tid"] in r["processlist"], r


# -- threads --------------------------------------------------------------------------


def _in_thread(fn):
    box = {}

    def target():
        t0 = time.monotonic()
        try:
            box["result"] = fn()
        except BaseException as e:  # noqa: BLE001 -- inspected by the test
            box["exc"] = e
        box["elapsed"] = time.monotonic() - t0

    t = threading.Thread(target=target, daemon=True)
    t.start()
    return t, box


def _join(t, limit=20):
    t.join(limit)
    if t.is_alive():
        pytest.fail(f"hang: thread still running after {limit} s", pytrace=False)


def _fetch(conn, sql, cursorclass=None):
    cur = conn.cursor(cursorclass) if cursorclass else conn.cursor()
    cur.execute(sql)
    return tuple(map(tuple, cur.fetchall()))


SECOND_USES = {
    "execute": lambda c: c.cursor().execute("SELECT 2"),
    "ping": lambda c: c.ping(),
    "commit": lambda c: c.commit(),
    "escape_string": lambda c: c.escape_string("x"),
}


@pytest.mark.parametrize("use", list(SECOND_USES))
def test_second_thread_gets_programming_error(conn, use):
    t, box = _in_thread(lambda: _fetch(conn, "SELECT SLEEP(0.6), 7"))
    time.sleep(0.2)  # the first thread is now waiting for the server
    t0 = time.monotonic()
    with pytest.raises(unshaken.ProgrammingError) as ei:
        SECOND_USES[use](conn)
    assert time.monotonic() - t0 < 0.1, "the second caller waited for the first"
    assert ei.value.args[0] == 2014, ei.value.args
    _join(t)
    assert "exc" not in box, repr(box.get("exc"))
    assert box["result"] == ((0, 7),)
    assert _fetch(conn, "SELECT 42") == ((42,),)


def test_many_threads_hammering_one_connection(conn):
    """Threads race for one connection: each call either works with its own correct
    result or gets ProgrammingError(2014); the stream never desynchronises."""
    errors, wrong, ok = [], [], [0]
    stop = time.monotonic() + 1.5

    def worker(k):
        while time.monotonic() < stop:
            try:
                got = _fetch(conn, f"SELECT {k}, REPEAT('y', {k * 10})")
            except unshaken.ProgrammingError as e:
                if e.args[0] != 2014:
                    errors.append(repr(e))
                continue
            except Exception as e:  # noqa: BLE001 -- recorded
                errors.append(repr(e))
                continue
            if got != ((k, "y" * (k * 10)),):
                wrong.append((k, got))
            else:
                ok[0] += 1

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        _join(t)
    assert not errors, errors[:5]
    assert not wrong, wrong[:5]
    assert ok[0] > 0
    assert _fetch(conn, "SELECT 42") == ((42,),)


def test_second_thread_during_streamed_result(conn):
    """While an unbuffered result is open (no call in progress), another statement is
    "commands out of sync" (2014), and the open result still reads correctly."""
    conn.cursor().execute("SET SESSION max_recursive_iterations = 100000")
    sql = ("WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM s WHERE n<10000) "
           "SELECT n FROM s")
    cur = conn.cursor(unshaken.cursors.SSCursor)
    cur.execute(sql)
    head = cur.fetchmany(10)
    t, box = _in_thread(lambda: conn.cursor().execute("SELECT 2"))
    _join(t)
    exc = box.get("exc")
    assert isinstance(exc, unshaken.ProgrammingError) and exc.args[0] == 2014, repr(exc)
    rest = cur.fetchall()
    assert [r[0] for r in head] + [r[0] for r in rest] == list(range(1, 10001))
    cur.close()
    assert _fetch(conn, "SELECT 42") == ((42,),)


def test_close_from_another_thread_while_query_runs(connect):
    """close() is safe from any thread: it returns promptly, the running query is
    aborted with an OperationalError promptly, and the connection is closed."""
    c = connect()
    t, box = _in_thread(lambda: _fetch(c, "SELECT SLEEP(5)"))
    time.sleep(0.3)
    t0 = time.monotonic()
    c.close()  # must not raise
    assert time.monotonic() - t0 < 0.5, "close() waited for the query"
    _join(t, 10)
    assert isinstance(box.get("exc"), unshaken.OperationalError), box
    assert box["elapsed"] < 0.3 + 1.0, f"the query ran on for {box['elapsed']:.2f} s"
    assert not c.open
    with pytest.raises(unshaken.Error):
        c.cursor().execute("SELECT 1")


def test_close_from_another_thread_when_idle(connect):
    c = connect()
    assert _fetch(c, "SELECT 1") == ((1,),)
    t, box = _in_thread(c.close)
    _join(t)
    assert "exc" not in box, repr(box.get("exc"))
    assert not c.open
    with pytest.raises(unshaken.Error):
        c.cursor().execute("SELECT 1")


def test_connection_handed_between_threads(conn):
    """Sequential use from different threads is fine (mysqlclient's threadsafety 1
    forbids only concurrent use)."""
    for k in range(5):
        t, box = _in_thread(lambda k=k: _fetch(conn, f"SELECT {k}"))
        _join(t)
        assert box.get("result") == ((k,),), box
    # And back in the thread that opened it.
    assert _fetch(conn, "SELECT 42") == ((42,),)
