"""gunicorn + Django under signals, end to end.

    python tests/django/gunicorn_e2e.py                         # unshaken and mysqlclient
    python tests/django/gunicorn_e2e.py --drivers mysqlclient --requests 600

Serves the project in ``tests/django/project`` with gunicorn (sync and gthread workers)
on 127.0.0.1, against a throwaway TLS-capable MariaDB, over plain TCP and over TLS with
``read_timeout`` set. While a bounded load of concurrent requests runs (a thread pool
with urllib; half the requests run ``SELECT SLEEP(0.05)``), a separate process sends
SIGWINCH and SIGUSR1 straight to the workers every few milliseconds, and the master gets
SIGUSR1 (log reopen, as logrotate triggers) and SIGHUP (graceful reload) at fixed points
of the load. Each scenario reports failed requests, 5xx responses, wrong answers and
"Lost connection" lines in the logs; ``tests/test_django_backend.py`` asserts they are
all zero for unshaken.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PROJECT = Path(__file__).resolve().parent / "project"
ENGINES = {"unshaken": "django_unshaken", "mysqlclient": "django.db.backends.mysql"}
SCENARIOS = [(w, t) for t in ("tcp", "tls") for w in ("sync", "gthread", "gevent")]


def database_settings(driver: str, srv, transport: str) -> dict:
    """DATABASES["default"] for the project: plain TCP, or TLS verified against the
    server's CA with read_timeout set."""
    if transport == "tls":
        options = {"ssl": {"ca": srv.ssl_ca}, "read_timeout": 10}
    else:
        options = {"ssl_mode": "DISABLED"}
    return {
        "ENGINE": ENGINES[driver], "HOST": "127.0.0.1", "PORT": srv.port, "USER": "root",
        "PASSWORD": srv.password, "NAME": "test", "OPTIONS": options,
        "CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True,
    }


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        if int(stat.rpartition(")")[2].split()[1]) == pid:
            found.append(int(entry))
    return found


def signal_workers(master: int, interval: float) -> None:
    """The separate process: SIGWINCH and SIGUSR1 to every worker of ``master``, over
    and over, until SIGTERM; prints how many signals it sent."""
    sent = 0
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    while not stop:
        for pid in _children(master):
            for sig in (signal.SIGWINCH, signal.SIGUSR1):
                try:
                    os.kill(pid, sig)
                    sent += 1
                except ProcessLookupError:
                    pass
        time.sleep(interval)
    print(sent, flush=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 30) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def prepare_database(driver: str, srv, transport: str = "tcp") -> None:
    env = dict(os.environ, E2E_DATABASE=json.dumps(database_settings(driver, srv, transport)),
               DJANGO_SETTINGS_MODULE="e2e_project.settings")
    subprocess.run([sys.executable, "-m", "django", "migrate", "--run-syncdb", "-v", "0"],
                   cwd=PROJECT, env=env, check=True)


@contextlib.contextmanager
def serving(driver: str, srv, worker: str, transport: str, *, workdir: Path, tag: str,
            workers: int = 2):
    """gunicorn serving the project until the block ends; yields a dict with the master
    process, the base URL and the logs (and, once it has stopped, shutdown_seconds)."""
    port = _free_port()
    errlog, acclog = workdir / f"{tag}.error.log", workdir / f"{tag}.access.log"
    stderr_log = workdir / f"{tag}.stderr.log"  # the workers' stderr: Django's own logging
    env = dict(os.environ, E2E_DATABASE=json.dumps(database_settings(driver, srv, transport)),
               PYTHONPATH=str(PROJECT))
    cmd = [sys.executable, "-m", "gunicorn", "e2e_project.wsgi", "--chdir", str(PROJECT),
           "-c", str(PROJECT / "gunicorn_conf.py"),
           "-b", f"127.0.0.1:{port}", "-w", str(workers), "-k", worker,
           "--worker-connections", "100",
           "--error-logfile", str(errlog), "--access-logfile", str(acclog),
           "--timeout", "60", "--graceful-timeout", "30", *gunicorn_flags(worker)]
    # Not --capture-output: with it, gunicorn's worker SIGUSR1 handler takes a plain
    # Lock, and a second SIGUSR1 landing inside the handler deadlocks the worker (a
    # gunicorn bug, whatever the database driver); Django's log goes to a file instead.
    base = f"http://127.0.0.1:{port}"
    with open(stderr_log, "w") as out:
        master = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    info = {"master": master, "base": base, "errlog": errlog, "stderr_log": stderr_log}
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _get(f"{base}/read", timeout=5)[0] == 200:
                    break
            except OSError:
                pass
            if master.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start; see {errlog}")
            time.sleep(0.1)
        yield info
    finally:
        t_stop = time.monotonic()
        master.terminate()
        try:
            master.wait(timeout=60)
        except subprocess.TimeoutExpired:
            master.kill()
            master.wait()
        info["shutdown_seconds"] = round(time.monotonic() - t_stop, 1)


def gunicorn_flags(worker: str) -> list[str]:
    """Threads for gthread only: with --threads > 1 gunicorn swaps the sync worker for
    gthread, and the sync scenario would test gthread twice. gunicorn 27 also opens a
    control socket at one fixed path per user; every test's master would share it."""
    import gunicorn.config

    flags = ["--threads", "4"] if worker == "gthread" else []
    if "control_socket_disable" in gunicorn.config.make_settings():
        flags.append("--no-control-socket")
    return flags


def start_signaller(master: int, interval: float) -> subprocess.Popen:
    """The process that storms the workers of `master` (see signal_workers)."""
    return subprocess.Popen(
        [sys.executable, __file__, "--signal-workers", str(master), "--interval",
         str(interval)], stdout=subprocess.PIPE, text=True)


def stop_signaller(proc: subprocess.Popen) -> int:
    """Stop it; how many signals it sent."""
    proc.terminate()
    out, _ = proc.communicate(timeout=10)
    return int(out.strip() or 0)


def _outcome(url: str):
    """(status, decoded JSON body or None), or (an error's description, None)."""
    try:
        status, body = _get(url)
        return status, json.loads(body) if status == 200 else None
    except Exception as e:  # noqa: BLE001 - any failure is what we count
        return f"{type(e).__name__}: {e}", None


def _logs(info) -> str:
    return info["errlog"].read_text(errors="replace") + info["stderr_log"].read_text(
        errors="replace")


# gunicorn's SIGUSR1 handler reopens the log files, from inside whatever the worker's
# main thread was doing: a log write (the file closes under it; Python's logging then
# reports the failed write as a block from this line to its "Arguments:" line) or
# logging's own bookkeeping at boot (the worker dies and is replaced). The storm sends
# SIGUSR1 every few milliseconds, so the sync worker meets both whatever the driver.
LOGGING_ERROR = re.compile(r"--- Logging error ---\n.*?\nArguments: [^\n]*\n?", re.DOTALL)
TRACEBACK = "Traceback (most recent call last):"


# A frame running code of the driver, the backend or Django's database layer (a
# module's import of it, as a worker boots, runs none of it).
DATABASE_FRAME = re.compile(
    r'File "[^"]*/(?:unshaken|django_unshaken|MySQLdb|django/db(?:/[^"/]+)*)/[^"/]+\.py", '
    r'line \d+, in (?!<module>)')


def _reopen_race(text: str) -> bool:
    """A traceback through gunicorn's log reopen and through no database code."""
    return "in reopen_files" in text and not DATABASE_FRAME.search(text)


def tracebacks(logs: str) -> dict:
    """Tracebacks in the logs, less gunicorn's log reopen racing itself (counted apart),
    and the first ones' text, for a failing assertion to show."""
    races = 0

    def drop_race(text: str) -> str:
        nonlocal races
        races += _reopen_race(text)
        return "" if _reopen_race(text) else text

    rest = LOGGING_ERROR.sub(lambda m: drop_race(m.group(0)), logs)
    _, *chunks = rest.split(TRACEBACK)
    others = [c for c in chunks if drop_race(c)]
    return {"tracebacks_in_logs": len(others), "log_reopen_races": races,
            "traceback_texts": [_ends(c) for c in others[:2]]}


def _ends(text: str, keep: int = 1500) -> str:
    """A long traceback's first and last lines: where it started and what it raised."""
    return text if len(text) <= 2 * keep else f"{text[:keep]}\n[...]\n{text[-keep:]}"


def run_scenario(driver: str, srv, worker: str, transport: str, *, requests: int = 300,
                 concurrency: int = 8, interval: float = 0.005, workdir: Path) -> dict:
    """Serve, load, signal; return the counts (and the logs' paths)."""
    tag = f"{driver}-{worker}-{transport}"
    with serving(driver, srv, worker, transport, workdir=workdir, tag=tag) as info:
        master, base = info["master"], info["base"]
        signaller = start_signaller(master.pid, interval)
        done = Counter()
        lock = threading.Lock()
        paths = ("sleep", "sleep", "read", "write")

        def one(i: int):
            path = paths[i % len(paths)]
            outcome = _outcome(f"{base}/{path}?n={i}")
            with lock:
                done["n"] += 1
            return outcome

        master_signals = []

        def poke_master():
            # At 20%, 40%, 60%, 80% of the load: USR1 (reopen logs), HUP (reload), ...
            plan = [(0.2, signal.SIGUSR1), (0.4, signal.SIGHUP), (0.6, signal.SIGUSR1),
                    (0.8, signal.SIGHUP)]
            for frac, sig in plan:
                while done["n"] < frac * requests and not stop_poke.is_set():
                    time.sleep(0.005)
                if stop_poke.is_set():
                    return
                master.send_signal(sig)
                master_signals.append(sig.name)

        stop_poke = threading.Event()
        poker = threading.Thread(target=poke_master)
        try:
            t0 = time.monotonic()
            poker.start()
            with ThreadPoolExecutor(concurrency) as pool:
                outcomes = list(pool.map(one, range(requests)))
            stop_poke.set()
            poker.join()
            elapsed = time.monotonic() - t0
        finally:
            sent = stop_signaller(signaller)
    stop_seconds = info["shutdown_seconds"]
    errlog = info["errlog"]

    statuses = Counter()
    failed, wrong, interrupted, pids = [], 0, 0, set()
    for i, (status, body) in enumerate(outcomes):
        if isinstance(status, str):
            failed.append(status)
            continue
        statuses[status] += 1
        if body is not None:
            pids.add(body["pid"])
            wrong += body["n"] != i
            interrupted += bool(body.get("interrupted"))
    logs = _logs(info)
    return {
        "driver": driver, "worker": worker, "transport": transport, "requests": requests,
        "ok": statuses[200], "failed": len(failed), "5xx": sum(
            v for k, v in statuses.items() if k >= 500), "wrong": wrong,
        "sleeps_cut_short": interrupted,
        "lost_connection_in_logs": logs.count("Lost connection"),
        **tracebacks(logs),
        "signals_to_workers": sent, "master_signals": master_signals,
        "worker_pids_seen": len(pids), "seconds": round(elapsed, 1),
        "shutdown_seconds": round(stop_seconds, 1),
        "first_failures": failed[:3], "error_log": str(errlog),
    }


def run_concurrent(driver: str, srv, *, requests: int = 40, seconds: float = 0.3,
                   interval: float = 0.005, workdir: Path) -> dict:
    """gunicorn -k gevent -w 1 gets `requests` requests at once, each a SELECT
    SLEEP(seconds), while its worker gets SIGWINCH+SIGUSR1 and the master SIGUSR1."""
    with serving(driver, srv, "gevent", "tcp", workdir=workdir, workers=1,
                 tag=f"{driver}-gevent-concurrent") as info:
        master, base = info["master"], info["base"]
        signaller = start_signaller(master.pid, interval)
        try:
            with ThreadPoolExecutor(requests) as pool:
                t0 = time.monotonic()
                futures = [pool.submit(_outcome, f"{base}/sleep?n={i}&s={seconds}")
                           for i in range(requests)]
                time.sleep(seconds / 2)
                master.send_signal(signal.SIGUSR1)  # logrotate's "reopen your logs"
                outcomes = [f.result() for f in futures]
            elapsed = time.monotonic() - t0
        finally:
            sent = stop_signaller(signaller)
    good = [b for st, b in outcomes if st == 200 and b is not None]
    return {
        "driver": driver, "requests": requests, "ok": len(good),
        "wrong": sum(b["n"] != i for i, (_, b) in enumerate(outcomes) if b is not None),
        "sleeps_cut_short": sum(bool(b["interrupted"]) for b in good),
        "worker_pids_seen": len({b["pid"] for b in good}), "seconds": round(elapsed, 2),
        "signals_to_workers": sent, **tracebacks(_logs(info)),
        "first_failures": [st for st, _ in outcomes if st != 200][:3],
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--drivers", default="unshaken,mysqlclient")
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--interval", type=float, default=0.005,
                    help="seconds between signal rounds to the workers")
    ap.add_argument("--signal-workers", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    if args.signal_workers:
        signal_workers(args.signal_workers, args.interval)
        return 0
    from unshaken.testing import TemporaryServer

    results = []
    workdir = Path(tempfile.mkdtemp(prefix="gunicorn-e2e-"))
    with TemporaryServer(tls=True) as srv:
        prepare_database("unshaken", srv)
        for driver in args.drivers.split(","):
            for worker, transport in SCENARIOS:
                r = run_scenario(driver, srv, worker, transport, requests=args.requests,
                                 concurrency=args.concurrency, interval=args.interval,
                                 workdir=workdir)
                results.append(r)
                print(json.dumps({k: v for k, v in r.items() if k != "error_log"}), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    bad = [r for r in results if r["driver"] == "unshaken" and (
        r["failed"] or r["5xx"] or r["wrong"] or r["lost_connection_in_logs"])]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
