"""Helpers shared by the signal scripts. Each script runs in its own interpreter, reads
one JSON config from stdin (never argv: it holds the password) and prints one JSON summary as its last stdout line."""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER_MODULES = {"unshaken": "unshaken", "pymysql": "pymysql", "mysqlclient": "MySQLdb"}


def load_config():
    return json.loads(sys.stdin.read())


def import_driver(name):
    return importlib.import_module(DRIVER_MODULES[name])


def emit(summary):
    sys.stdout.write(json.dumps(summary, default=repr) + "\n")
    sys.stdout.flush()


def conn_stats(conn, driver_name):
    """unshaken's counters, or None for reference drivers that have no stats()."""
    if driver_name != "unshaken":
        return None
    return dict(conn.stats())


def describe_error(e):
    return f"{type(e).__module__}.{type(e).__name__}{e.args!r}"[:300]


def check_after(conn, driver, expect):
    """What the connection does after an interrupted statement. expect="usable": a
    query returns its own, right result; expect="closed": the next use raises
    OperationalError(2006). Anything else (a stale result, another error) is not ok."""
    out = {}
    try:
        cur = conn.cursor()
        cur.execute("SELECT 42")
        out["after"] = repr(tuple(map(tuple, cur.fetchall())))
        out["after_ok"] = expect == "usable" and out["after"] == "((42,),)"
    except driver.Error as e:
        out["after"] = describe_error(e)
        out["after_ok"] = (
            expect == "closed" and isinstance(e, driver.OperationalError) and e.args[0] == 2006
        )
    return out


class SignalCounter:
    """No-op Python handlers that only count; handlers run in the main thread."""

    def __init__(self, signums):
        self.counts = {int(s): 0 for s in signums}
        self._old = {}

    def _handler(self, signum, frame):
        self.counts[signum] += 1

    def install(self):
        for s in self.counts:
            self._old[s] = signal.signal(s, self._handler)
        return self

    @property
    def total(self):
        return sum(self.counts.values())


class Storm:
    """A signal source: an ITIMER_REAL (SIGALRM every `interval` s) or a helper process
    that os.kill()s us with `signame` as fast as it can.

    spec: {"kind": "timer", "interval": 0.0001} or {"kind": "kill", "signal": "SIGHUP"}
    """

    def __init__(self, spec):
        self.spec = spec
        if spec["kind"] == "timer":
            self.signum = signal.SIGALRM
        elif spec["kind"] == "kill":
            self.signum = getattr(signal, spec["signal"])
        else:
            raise ValueError(spec)
        # Handlers first: SIGHUP's default action would kill us.
        self.counter = SignalCounter([self.signum]).install()
        self._proc = None

    def start(self):
        if self.spec["kind"] == "timer":
            iv = float(self.spec["interval"])
            signal.setitimer(signal.ITIMER_REAL, iv, iv)
        else:
            self._proc = subprocess.Popen(
                [sys.executable, os.path.join(HERE, "killer.py"), str(os.getpid()),
                 str(int(self.signum))],
                stdin=subprocess.DEVNULL,
            )
            # Wait for the first signal so the workload really starts inside the storm.
            deadline = time.monotonic() + 10
            while self.counter.total == 0 and time.monotonic() < deadline:
                time.sleep(0.001)
        return self

    def stop(self):
        if self.spec["kind"] == "timer":
            signal.setitimer(signal.ITIMER_REAL, 0, 0)
        elif self._proc is not None:
            self._proc.terminate()
            self._proc.wait()
            self._proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def run_in_thread(fn, signals_to_worker=()):
    """Run fn() in a worker thread while the main thread waits (and runs handlers).

    signals_to_worker: signals the main thread blocks meanwhile, so that the kernel
    must deliver every one of them to the worker (its syscalls get EINTR); Python still
    runs their handlers in the main thread."""
    box = {}
    aimed = set(signals_to_worker)

    def target():
        if aimed:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, aimed)  # the mask is inherited
        try:
            box["result"] = fn()
        except BaseException as e:  # noqa: BLE001 -- re-raised in the main thread
            box["error"] = e

    t = threading.Thread(target=target, name="worker")
    if aimed:
        signal.pthread_sigmask(signal.SIG_BLOCK, aimed)
    try:
        t.start()
        while t.is_alive():
            t.join(0.05)
    finally:
        if aimed:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, aimed)
    if "error" in box:
        raise box["error"]
    return box["result"]
