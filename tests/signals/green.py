"""Cooperative waits under gevent (and eventlet): one scenario per run.

config: kwargs, scenario (concurrent | deadline | storm | timeout | kill | ctrl_c | same_conn |
custom | eventlet), storm (see Storm, for "storm"), seconds.
gevent's monkey-patching comes first, as under gunicorn -k gevent (except for the
"custom" and "eventlet" scenarios, which install a callback explicitly).
"""

import json
import sys

CONFIG = json.loads(sys.stdin.read())
SCENARIO = CONFIG["scenario"]
if SCENARIO not in ("custom", "eventlet"):
    from gevent import monkey

    monkey.patch_all()

import os
import select
import time

import unshaken
from _common import Storm, describe_error, emit

KW = CONFIG["kwargs"]


def connect(**extra):
    return unshaken.connect(**{**KW, **extra})


def one(conn, sql):
    cur = conn.cursor()
    cur.execute(sql)
    return [tuple(r) for r in cur.fetchall()]


def still_running(marker):
    """Statements on the server whose text holds `marker` (PROCESSLIST)."""
    with connect() as c:
        rows = one(c, "SELECT INFO FROM information_schema.PROCESSLIST "
                      "WHERE INFO LIKE '%%" + marker + "%%' AND INFO NOT LIKE '%%PROCESSLIST%%'")
    return len(rows)


class Ticker:
    """A greenlet that sleeps 10 ms at a time and records how late each wake-up was."""

    def __init__(self):
        import gevent

        self.gaps = []
        self._g = gevent.spawn(self._run)

    def _run(self):
        import gevent

        last = time.monotonic()
        while True:
            gevent.sleep(0.01)
            now = time.monotonic()
            self.gaps.append(now - last)
            last = now

    def stop(self):
        self._g.kill()
        return {"ticks": len(self.gaps), "max_gap": max(self.gaps, default=None)}


def concurrent():
    import gevent

    ciphers = set()

    def work(i):
        with connect() as c:
            ciphers.add(c.get_ssl_cipher())
            return one(c, f"SELECT SLEEP(0.5), {i}")

    t0 = time.monotonic()
    jobs = [gevent.spawn(work, i) for i in range(20)]
    gevent.joinall(jobs, raise_error=True)
    elapsed = time.monotonic() - t0
    wrong = sum(j.value != [(0, i)] for i, j in enumerate(jobs))
    return {"elapsed": elapsed, "wrong": wrong, "ciphers": sorted(map(str, ciphers)),
            "callback": repr(unshaken.get_wait_callback())}


def deadline():
    conn = connect(read_timeout=1)
    ticker = Ticker()
    t0 = time.monotonic()
    try:
        one(conn, "SELECT SLEEP(5)")
        err = None
    except unshaken.OperationalError as e:
        err = list(e.args)
    elapsed = time.monotonic() - t0
    out = {"elapsed": elapsed, "error": err, **ticker.stop()}
    out["after"] = one(conn, "SELECT 42")
    return out


def storm():
    import gevent

    errors, wrong, iterations = [], [0], [0]
    sig = Storm(CONFIG["storm"])

    def work(i):
        with connect() as c:
            # The time counts from this greenlet's connect: on a loaded machine eight
            # connects under the storm can take most of a fixed window.
            stop_at = time.monotonic() + CONFIG["seconds"]
            while time.monotonic() < stop_at:
                try:
                    if i % 2:
                        got = one(c, f"SELECT SLEEP(0.01), {i}")
                        ok = got == [(0, i)]
                    else:
                        got = one(c, "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n+1 "
                                     "FROM s WHERE n<1000) SELECT n, REPEAT('x', 50) FROM s")
                        ok = len(got) == 1000 and sum(r[0] for r in got) == 500500
                    wrong[0] += not ok
                    iterations[0] += 1
                except unshaken.Error as e:  # any other exception fails the run
                    errors.append(describe_error(e))

    sig.start()
    try:
        jobs = [gevent.spawn(work, i) for i in range(8)]
        gevent.joinall(jobs, raise_error=True)
    finally:
        sig.stop()
    return {"errors": errors, "wrong": wrong[0], "iterations": iterations[0],
            "signals": sig.counter.total}


def _cancelled(stop):
    """Run SELECT SLEEP(5) in a greenlet that `stop` interrupts after 0.3 s."""
    import gevent

    marker = f"green_{os.getpid()}_{SCENARIO}"
    conn = connect()
    ticker = Ticker()
    t0 = time.monotonic()
    raised = stop(conn, f"SELECT SLEEP(5) /* {marker} */")
    elapsed = time.monotonic() - t0
    gevent.sleep(0.05)
    out = {"raised": raised, "elapsed": elapsed, "running": still_running(marker),
           **ticker.stop()}
    out["after"] = one(conn, "SELECT 42")
    return out


def timeout():
    import gevent

    def stop(conn, sql):
        try:
            with gevent.Timeout(0.3):
                one(conn, sql)
        except gevent.Timeout as e:
            return type(e).__name__
        return None

    return _cancelled(stop)


def kill():
    import gevent

    def stop(conn, sql):
        g = gevent.spawn(one, conn, sql)
        gevent.sleep(0.3)
        g.kill()
        # gevent reports a killed greenlet's GreenletExit as its value.
        return type(g.exception or g.value).__name__

    return _cancelled(stop)


def ctrl_c():
    """A SIGALRM handler raising KeyboardInterrupt 0.3 s in, as Ctrl-C would."""
    import signal

    def handler(*_):
        raise KeyboardInterrupt

    def stop(conn, sql):
        signal.signal(signal.SIGALRM, handler)
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        try:
            one(conn, sql)
        except KeyboardInterrupt as e:
            return type(e).__name__
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        return None

    return _cancelled(stop)


def same_conn():
    import gevent

    conn = connect()
    first = gevent.spawn(one, conn, "SELECT SLEEP(0.5), 1")
    gevent.sleep(0.1)
    t0 = time.monotonic()
    try:
        one(conn, "SELECT 2")
        second = None
    except unshaken.Error as e:
        second = [type(e).__name__, *e.args]
    second_elapsed = time.monotonic() - t0
    first.join()
    out = {"first": first.value, "second": second, "second_elapsed": second_elapsed}
    # close() from another greenlet while one is mid-statement: the hub goes on.
    busy = gevent.spawn(one, conn, "SELECT SLEEP(5)")
    gevent.sleep(0.1)
    t0 = time.monotonic()
    conn.close()
    busy.join(2)
    out["close_elapsed"] = time.monotonic() - t0
    out["busy_error"] = describe_error(busy.exception) if busy.exception else repr(busy.value)
    return out


def custom():
    """An explicit callback (no gevent): select() in Python, counting calls; one
    that raises after a few calls stops the statement like Ctrl-C."""
    calls = []

    def wait(fd, writable, timeout):
        calls.append((writable, timeout))
        if writable:
            select.select([], [fd], [], timeout)
        else:
            select.select([fd], [], [], timeout)

    unshaken.set_wait_callback(wait)
    out = {"installed": unshaken.get_wait_callback() is wait}
    conn = connect(read_timeout=1)
    out["result"] = one(conn, "SELECT SLEEP(0.2), 7")
    out["calls"] = len(calls)
    out["max_timeout"] = max(t for _, t in calls)
    t0 = time.monotonic()
    try:
        one(conn, "SELECT SLEEP(3)")
    except unshaken.OperationalError as e:
        out["deadline_error"] = list(e.args)
    out["deadline_elapsed"] = time.monotonic() - t0

    class Stop(Exception):
        pass

    marker = f"custom_{os.getpid()}"

    stopped = []  # the side connection's waits after the stop

    def raising(fd, writable, timeout):
        if not stopped and time.monotonic() - t0 > 0.3:
            stopped.append(fd)
            raise Stop("from the callback")
        if stopped:
            stopped.append(fd)
        wait(fd, writable, timeout)

    unshaken.set_wait_callback(raising)
    t0 = time.monotonic()
    try:
        one(conn, f"SELECT SLEEP(5) /* {marker} */")
    except Stop as e:
        out["raised"] = repr(e)
    out["stop_elapsed"] = time.monotonic() - t0
    # The cancel (connect, login, KILL QUERY on a side connection, then the drain)
    # waited through the callback too, on more than one fd.
    out["waits_after_stop"] = len(stopped) - 1
    out["fds_after_stop"] = len(set(stopped))
    unshaken.set_wait_callback(None)
    out["running"] = still_running(marker)
    out["after"] = one(conn, "SELECT 42")
    out["removed"] = unshaken.get_wait_callback() is None
    return out


def eventlet():
    import eventlet as ev

    ev.monkey_patch()
    from unshaken._wait import eventlet_wait

    unshaken.set_wait_callback(eventlet_wait)

    def work(i):
        with connect() as c:
            return one(c, f"SELECT SLEEP(0.5), {i}")

    pool = ev.GreenPool()
    t0 = time.monotonic()
    results = list(pool.imap(work, range(10)))
    elapsed = time.monotonic() - t0
    return {"elapsed": elapsed, "wrong": sum(r != [(0, i)] for i, r in enumerate(results))}


emit(globals()[SCENARIO]())
