"""One driver under a signal storm; run by ``storm`` in its own process so a crash or
hang cannot take the tool down. stdin is a JSON config: driver, kwargs (with the
password, which therefore never appears in argv), seconds.
Prints JSON lines (``event``: start, progress, queries, deadline, ctrl_c, done)."""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import random
import signal
import time
from typing import Any, Callable

from unshaken.cli.drivers import DRIVERS, import_driver
from unshaken.cli.signal_storm import (
    Killer,
    SignalCounter,
    describe_error,
    read_config,
    timer_off,
    timer_on,
    write_json,
)

STORM_SIGNALS = (signal.SIGALRM, signal.SIGWINCH, signal.SIGHUP, signal.SIGUSR1)
# From another process, in turn (about 2000 a second); SIGALRM comes from our timer.
KILL_SIGNALS = (signal.SIGWINCH, signal.SIGHUP, signal.SIGUSR1)
KILL_PAUSE = 0.0005
ALRM_INTERVAL = 0.0001
ROWS = 1000
ROWS_SQL = (
    f"WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM s WHERE n<{ROWS}) "
    "SELECT n, REPEAT('x', 50) FROM s"
)


def emit(event: str, **data: Any) -> None:
    write_json({**data, "event": event})


class Hung(BaseException):
    """Raised by a watchdog alarm: a step took far too long."""


# -- query shapes: each returns None when the result is right, else what was wrong --

def q_param(cur: Any, i: int) -> str | None:
    cur.execute("SELECT %s + 1", (i,))
    got = [tuple(r) for r in cur.fetchall()]
    return None if got == [(i + 1,)] else f"SELECT {i} + 1 returned {got!r}"


def q_wait(cur: Any, i: int) -> str | None:
    cur.execute("SELECT SLEEP(0.002), %s", (i,))
    got = [tuple(r) for r in cur.fetchall()]
    return None if got == [(0, i)] else f"SLEEP returned {got!r}"


def q_rows(cur: Any, i: int) -> str | None:
    cur.execute(ROWS_SQL)
    rows = cur.fetchall()
    if len(rows) != ROWS:
        return f"{len(rows)} rows, want {ROWS}"
    if sum(r[0] for r in rows) != ROWS * (ROWS + 1) // 2 or rows[-1][1] != "x" * 50:
        return "wrong row contents"
    return None


def q_big_write(cur: Any, i: int) -> str | None:
    unit = f"{i:08d}'\\\"\n"
    blob = (unit * (256 * 1024 // len(unit) + 1))[: 256 * 1024]
    cur.execute("SELECT LENGTH(x), MD5(x) FROM (SELECT %s AS x) t", (blob,))
    got = [tuple(r) for r in cur.fetchall()]
    want = [(len(blob), hashlib.md5(blob.encode()).hexdigest())]
    return None if got == want else f"read back {got!r}, want {want!r}"


def q_big_read(cur: Any, i: int) -> str | None:
    unit = f"{i % 10000:04d}"
    cur.execute("SELECT REPEAT(%s, 65536)", (unit,))
    got = cur.fetchall()
    value = got[0][0] if got else None
    if isinstance(value, (bytes, bytearray)):
        value = value.decode()
    return None if value == unit * 65536 else "wrong 256 KiB value"


SHAPES: list[Callable[[Any, int], str | None]] = [q_param, q_wait, q_rows, q_big_write,
                                                  q_big_read]


class Worker:
    def __init__(self, cfg: dict[str, Any]) -> None:
        self.cfg = cfg
        self.name = cfg["driver"]
        self.driver = DRIVERS[self.name]
        self.mod = import_driver(self.name)
        self.counter = SignalCounter(STORM_SIGNALS)
        self.killer: Killer | None = None

    # -- storm ------------------------------------------------------------------

    def storm_on(self) -> None:
        self.counter.install()
        if self.killer is None:
            self.killer = Killer(KILL_SIGNALS, KILL_PAUSE).start(self.counter)
        timer_on(ALRM_INTERVAL)

    def alarm_off(self) -> None:
        timer_off()

    def killer_off(self) -> None:
        if self.killer is not None:
            self.killer.stop()
            self.killer = None

    # -- connections --------------------------------------------------------------

    def kwargs(self, read_timeout: float | None = None) -> dict[str, Any]:
        kw = dict(self.cfg["kwargs"])
        if self.name == "mysql-connector":
            if "connect_timeout" in kw:
                kw["connection_timeout"] = int(kw.pop("connect_timeout"))
        elif read_timeout is not None:
            kw["read_timeout"] = read_timeout
        if self.name == "mysqlclient":  # its timeouts are whole seconds
            for key in ("connect_timeout", "read_timeout"):
                if key in kw:
                    kw[key] = max(1, math.ceil(kw[key]))
        return kw

    def connect(self, read_timeout: float | None = None) -> Any:
        return self.mod.connect(**self.kwargs(read_timeout))

    def stats(self, conn: Any) -> dict[str, int] | None:
        if self.name != "unshaken" or conn is None:
            return None
        try:
            return dict(conn.stats())
        except Exception:  # noqa: BLE001 -- closed
            return None

    @staticmethod
    def close(conn: Any) -> None:
        if conn is not None:
            with contextlib.suppress(Exception):  # it may be broken already
                conn.close()

    # -- phase 1: queries under the storm -----------------------------------------

    def queries(self) -> None:
        seconds = float(self.cfg["seconds"])
        lat: list[float] = []
        errors = wrong = 0
        samples: list[str] = []
        retries = 0
        conn = None
        i = 0
        self.storm_on()
        t0 = time.monotonic()
        last_progress = t0
        while time.monotonic() - t0 < seconds:
            i += 1
            try:
                if conn is None:
                    conn = self.connect(read_timeout=30)
                cur = conn.cursor()
                shape = SHAPES[i % len(SHAPES)]
                q0 = time.perf_counter()
                bad = shape(cur, i)
                lat.append((time.perf_counter() - q0) * 1000.0)
                cur.close()
                if bad is not None:
                    wrong += 1
                    if len(samples) < 5:
                        samples.append(f"{shape.__name__}: {bad}"[:300])
            except Exception as e:  # noqa: BLE001 -- every error under the storm counts
                errors += 1
                if len(samples) < 5:
                    samples.append(describe_error(e))
                st = self.stats(conn)
                retries += st["interrupted_retries"] if st else 0
                self.close(conn)
                conn = None
                if errors >= 200:
                    samples.append("stopped after 200 errors")
                    break
            now = time.monotonic()
            if now - last_progress >= 0.25:
                last_progress = now
                emit("progress", phase="queries", queries=i, errors=errors, wrong=wrong,
                     elapsed=round(now - t0, 2), seconds=seconds)
        elapsed = time.monotonic() - t0
        self.alarm_off()
        st = self.stats(conn)
        retries += st["interrupted_retries"] if st else 0
        self.close(conn)
        emit("queries", queries=i, errors=errors, wrong=wrong, samples=samples,
             elapsed=round(elapsed, 3), latencies_ms=[round(x, 4) for x in lat],
             signals=self.counter.total,
             interrupted_retries=retries if self.name == "unshaken" else None)

    # -- phase 2: read_timeout=1 on SELECT SLEEP(5) under the storm -----------------

    def deadline(self) -> None:
        if not self.driver.read_timeout:
            emit("deadline", supported=False)
            return
        emit("progress", phase="deadline")
        out: dict[str, Any] = {"supported": True, "raised": None, "elapsed": None,
                               "usable": None}
        conn = None
        try:
            conn = self.connect(read_timeout=1)
            cur = conn.cursor()
            self.storm_on()
            t0 = time.monotonic()
            try:
                cur.execute("SELECT SLEEP(5)")
                cur.fetchall()
            except Exception as e:  # noqa: BLE001 -- expected: the timeout
                out["raised"] = describe_error(e)
            out["elapsed"] = round(time.monotonic() - t0, 4)
            self.alarm_off()
            out["usable"], out["usable_detail"] = self.usable(conn)
        except Exception as e:  # noqa: BLE001 -- e.g. connect failed under the storm
            out["error"] = describe_error(e)
        finally:
            self.alarm_off()
            self.close(conn)
        emit("deadline", **out)

    # -- phase 3: Ctrl-C 0.5 s into SELECT SLEEP(10) --------------------------------

    def usable(self, conn: Any) -> tuple[bool | None, str]:
        """Is the same connection usable (SELECT 42 answers 42)? Bounded at 15 s."""

        def hung(signum: int, frame: Any) -> None:
            raise Hung

        old = signal.signal(signal.SIGALRM, hung)
        signal.setitimer(signal.ITIMER_REAL, 15)
        try:
            cur = conn.cursor()
            cur.execute("SELECT 42")
            got = [tuple(r) for r in cur.fetchall()]
            signal.setitimer(signal.ITIMER_REAL, 0)
            if got == [(42,)]:
                return True, "SELECT 42 -> 42"
            return False, f"stale result: SELECT 42 -> {got!r}"[:200]
        except Hung:
            return False, "SELECT 42 hung for 15 s"
        except BaseException as e:  # noqa: BLE001 -- reported
            signal.setitimer(signal.ITIMER_REAL, 0)
            return False, describe_error(e)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)

    def still_running(self, tag: str) -> tuple[bool | None, str]:
        """Is the tagged statement still running? Asked on a separate connection;
        leftovers are killed so they do not occupy the server."""
        other = None
        try:
            other = self.connect(read_timeout=10)
            cur = other.cursor()
            cur.execute(
                "SELECT id FROM information_schema.processlist "
                "WHERE info LIKE %s AND command = 'Query' AND id <> CONNECTION_ID()",
                ("%" + tag + "%",))
            ids = [r[0] for r in cur.fetchall()]
            for pid in ids:
                with contextlib.suppress(Exception):  # it may have ended meanwhile
                    cur.execute(f"KILL QUERY {int(pid)}")
            return bool(ids), f"{len(ids)} statement(s) still running"
        except Exception as e:  # noqa: BLE001 -- reported as unknown
            return None, describe_error(e)
        finally:
            self.close(other)

    def ctrl_c(self) -> None:
        emit("progress", phase="ctrl-c")
        out: dict[str, Any] = {"keyboard_interrupt": False, "raised": None, "latency": None,
                               "still_running": None, "usable": None}
        tag = f"unshaken-storm-{os.getpid()}-{random.randrange(1 << 30)}"
        conn = None
        try:
            conn = self.connect()
            cur = conn.cursor()
            self.storm_on()  # the other-process signals keep coming meanwhile
            self.alarm_off()

            def interrupt(signum: int, frame: Any) -> None:
                raise KeyboardInterrupt

            signal.signal(signal.SIGALRM, interrupt)
            fired_at = None
            try:
                t0 = time.monotonic()
                signal.setitimer(signal.ITIMER_REAL, 0.5)
                fired_at = t0 + 0.5
                cur.execute(f"SELECT /* {tag} */ SLEEP(10)")
                cur.fetchall()
                out["raised"] = "nothing: the statement ran to completion"
            except KeyboardInterrupt:
                out["keyboard_interrupt"] = True
            except Exception as e:  # noqa: BLE001 -- a wrapped or unrelated error
                out["raised"] = describe_error(e)
            caught = time.monotonic()
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.counter.handler)
            self.killer_off()
            if fired_at is not None:
                out["latency"] = round(max(0.0, caught - fired_at), 4)
            out["still_running"], out["still_running_detail"] = self.still_running(tag)
            out["usable"], out["usable_detail"] = self.usable(conn)
        except KeyboardInterrupt:
            out["error"] = "KeyboardInterrupt outside the statement"
        except Exception as e:  # noqa: BLE001 -- e.g. connect failed under the storm
            out["error"] = describe_error(e)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.counter.handler)
            self.close(conn)
        emit("ctrl_c", **out)

    def run(self) -> None:
        version = "?"
        try:
            from importlib.metadata import version as dist_version

            version = dist_version(self.driver.distribution)
        except Exception:  # noqa: BLE001 -- not installed as a distribution
            version = str(getattr(self.mod, "__version__", "?"))
        emit("start", driver=self.name, module=self.driver.module, version=str(version),
             pid=os.getpid())
        try:
            self.queries()
            self.deadline()
            self.ctrl_c()
        finally:
            self.alarm_off()
            self.killer_off()
        emit("done", signals=self.counter.total)


def main() -> None:
    Worker(read_config()).run()


if __name__ == "__main__":
    main()
