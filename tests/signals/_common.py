"""Helpers shared by the signal scripts. Each script runs in its own interpreter, reads
one JSON config from stdin (never argv: it holds the password) and prints one JSON summary
as its last stdout line. The storm itself (counting handlers, the timer, the killer
process) and the driver table are the ``storm`` command's, shipped in the wheel."""

from __future__ import annotations

import signal
import threading

from unshaken.cli.drivers import import_driver
from unshaken.cli.signal_storm import Storm, describe_error
from unshaken.cli.signal_storm import read_config as load_config
from unshaken.cli.signal_storm import write_json as emit
from unshaken.constants import CR

__all__ = [
    "Storm",
    "check_after",
    "conn_stats",
    "describe_error",
    "emit",
    "import_driver",
    "load_config",
    "run_in_thread",
]


def conn_stats(conn, driver_name):
    """unshaken's counters, or None for reference drivers that have no stats()."""
    if driver_name != "unshaken":
        return None
    return dict(conn.stats())


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
            expect == "closed" and isinstance(e, driver.OperationalError)
            and e.args[0] == CR.SERVER_GONE_ERROR
        )
    return out


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
