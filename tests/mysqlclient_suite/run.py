#!/usr/bin/env python
"""Run mysqlclient's own test suite against unshaken (``MySQLdb`` aliased to it).

The suite is never kept in this repository: the pinned sdist is fetched with
``pip download`` (hash-checked) into a cache directory, its ``tests/`` extracted
into a fresh private directory per run, and run there with pytest.

Two ways to hand the tests their server, both as mysqlclient's CI does or could:

``optionfile`` (upstream's way)
    ``tests/default.cnf`` with a ``[MySQLdb-tests]`` group holding host, port, user,
    password and database; upstream's ``configdb`` connects with
    ``read_default_file=``/``read_default_group="MySQLdb-tests"``.
``kwargs``
    the same settings as keyword arguments: ``configdb.connect_kwargs`` is filled
    with them before the tests import it (the option file is not written).

The server: ``UNSHAKEN_TEST_HOST/_PORT/_USER/_PASSWORD/_DATABASE/_SOCKET`` (as for
our own suite), or else a TemporaryServer started for the run. ``--driver
mysqlclient`` runs the suite on the real mysqlclient instead, for comparison.

Prints one line per test that did not pass and ``N of M passed``; ``--json FILE``
writes ``{"outcomes": {nodeid: outcome}, "details": {...}, ...}``. Every test is
bounded (``--test-timeout``, a hang dumps the stacks and ends the run) and so is
the whole run (``--timeout``). Exit status: 0 when every test passed, else 1.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

VERSION = "2.3.2"
SDIST = f"mysqlclient-{VERSION}.tar.gz"
SDIST_SHA256 = "d8921cc2e8aa0e7f7c1c0b69b17e3a6f370dae235c7e7716938959dac84de4eb"
GROUP = "MySQLdb-tests"  # the option-file group upstream's configdb names
PLUGIN = "mysqldb_alias_plugin"  # tests/mysqlclient_suite/mysqldb_alias_plugin.py
MODES = ("optionfile", "kwargs")


def cache_dir() -> Path:
    base = os.environ.get("UNSHAKEN_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME")
    if base:
        return Path(base) / "unshaken"
    return Path(tempfile.gettempdir()) / f"unshaken-cache-{os.getuid()}"


def fetch_sdist(cache: Path) -> Path:
    """The pinned sdist, downloaded once (``pip download``) and hash-checked."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / SDIST
    if not path.exists() or _sha256(path) != SDIST_SHA256:
        with tempfile.TemporaryDirectory() as tmp:
            req = Path(tmp) / "requirements.txt"
            req.write_text(f"mysqlclient=={VERSION} --hash=sha256:{SDIST_SHA256}\n")
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                 "--no-binary", ":all:", "--require-hashes", "-r", str(req), "-d", tmp],
                check=True, timeout=300,
            )
            shutil.move(str(Path(tmp) / SDIST), path)
    if _sha256(path) != SDIST_SHA256:
        raise SystemExit(f"{path}: sha256 mismatch")
    return path


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def extract_tests(sdist: Path, dest: Path) -> Path:
    """``tests/`` of the sdist (nothing else) under ``dest``; returns that directory."""
    prefix = f"mysqlclient-{VERSION}/tests/"
    with tarfile.open(sdist) as tar:
        members = [m for m in tar.getmembers()
                   if m.name.startswith(prefix) and (m.isfile() or m.isdir())]
        if hasattr(tarfile, "data_filter"):  # Python 3.11.4+: refuse odd members
            tar.extractall(dest, members=members, filter="data")
        else:
            tar.extractall(dest, members=members)  # the sdist is pinned by sha256
    return dest / prefix


def write_option_file(tests: Path, server: dict) -> Path:
    """``default.cnf``, where upstream's configdb looks for it (private: 0600)."""
    lines = [f"[{GROUP}]"]
    for key in ("host", "port", "user", "password", "database"):
        if server.get(key) not in (None, ""):
            lines.append(f"{key} = {server[key]}")
    if server.get("unix_socket"):
        lines.append(f"socket = {server['unix_socket']}")
    path = tests / "default.cnf"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


@contextlib.contextmanager
def server_settings():
    """connect() keyword arguments of the server to test against."""
    from unshaken import testing

    existing = testing.ExistingServer.from_env()
    if existing is not None:
        yield existing.connect_kwargs()
        return
    with testing.TemporaryServer(extra_args=["--max-allowed-packet=64M"]) as srv:
        yield srv.connect_kwargs()


@contextlib.contextmanager
def fresh_database(server: dict, mode: str):
    """A database of its own for one run (the tests create fixed table names, and a
    run cut short leaves them behind); dropped afterwards."""
    import unshaken

    name = f"mysqlclient_suite_{mode}_{os.getpid()}"
    with unshaken.connect(**server) as conn:
        conn.query(f"DROP DATABASE IF EXISTS `{name}`")
        conn.query(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    try:
        yield {**server, "database": name}
    finally:
        with unshaken.connect(**server) as conn:
            conn.query(f"DROP DATABASE IF EXISTS `{name}`")


def run_suite(server: dict, mode: str, driver: str, timeout: float,
              test_timeout: float, pytest_args: list[str]) -> dict:
    """Run the upstream tests once, in a database of their own; returns the summary."""
    sdist = fetch_sdist(cache_dir())
    with (tempfile.TemporaryDirectory(prefix="mysqlclient-suite-") as work,
          fresh_database(server, mode) as own):
        tests = extract_tests(sdist, Path(work))
        if mode == "optionfile":
            write_option_file(tests, own)
        results = Path(work) / "results.jsonl"
        env = dict(os.environ)
        env.update({
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(HERE), env.get("PYTHONPATH")) if p),
            "PYTHONDONTWRITEBYTECODE": "1",
            "MYSQLCLIENT_SUITE_DRIVER": driver,
            "MYSQLCLIENT_SUITE_RESULTS": str(results),
            "MYSQLCLIENT_SUITE_TESTS": str(tests),
            "MYSQLCLIENT_SUITE_TEST_TIMEOUT": str(test_timeout),
        })
        if mode == "kwargs":
            # The environment, not argv: it holds the password.
            env["MYSQLCLIENT_SUITE_KWARGS"] = json.dumps(own)
        for var in ("TESTDB",):  # configdb reads it to pick another option file
            env.pop(var, None)
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", PLUGIN, "-p", "no:cacheprovider",
               "--rootdir", str(tests), "-o", "addopts=", *pytest_args, str(tests)]
        proc = subprocess.Popen(cmd, cwd=tests, env=env, start_new_session=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            output, _ = proc.communicate(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # our own child's process group
            output, _ = proc.communicate()
            timed_out = True
        summary = summarize(results)
        summary.update({
            "version": VERSION, "mode": mode, "driver": driver,
            "returncode": proc.returncode, "timed_out": timed_out,
            "output": output.decode("utf-8", "replace"),
        })
        return summary


def summarize(results: Path) -> dict:
    """Fold the plugin's per-phase records into one outcome per test: ``passed``,
    ``failed`` (the test body), ``error`` (setup or teardown), ``skipped``, or
    ``hung`` (started and never finished: the run was cut there)."""
    outcomes: dict[str, str] = {}
    details: dict[str, str] = {}
    aliased = None
    unfinished = set()
    if results.exists():
        for line in results.read_text().splitlines():
            rec = json.loads(line)
            if rec["event"] == "session":
                aliased = rec["mysqldb"]
                continue
            nodeid = rec["nodeid"]
            if rec["event"] in ("start", "finish"):
                (unfinished.add if rec["event"] == "start" else unfinished.discard)(nodeid)
                continue
            outcome = _phase_outcome(rec)
            if outcome != "passed" and outcomes.get(nodeid, "passed") == "passed":
                outcomes[nodeid] = outcome
                details[nodeid] = rec.get("message", "")
            outcomes.setdefault(nodeid, "passed")
    for nodeid in unfinished:
        outcomes[nodeid] = "hung"
        details[nodeid] = "still running when the run was stopped"
    return {"outcomes": outcomes, "details": details, "mysqldb": aliased}


def _phase_outcome(rec: dict) -> str:
    if rec["outcome"] == "passed":
        return "passed"
    if rec["outcome"] == "skipped":
        return "skipped"
    return "failed" if rec["when"] == "call" else "error"


def count_line(summary: dict) -> str:
    outcomes = summary["outcomes"]
    passed = sum(1 for o in outcomes.values() if o == "passed")
    return (f"mysqlclient {VERSION} test suite ({summary['mode']}, {summary['driver']}):"
            f" {passed} of {len(outcomes)} passed")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mode", choices=(*MODES, "both"), default="both")
    ap.add_argument("--driver", choices=("unshaken", "mysqlclient"), default="unshaken")
    ap.add_argument("--timeout", type=float, default=600,
                    help="seconds for the whole run (default 600)")
    ap.add_argument("--test-timeout", type=float, default=60,
                    help="seconds for one test (default 60)")
    ap.add_argument("--json", help="write the summary (a list, one per mode) here")
    ap.add_argument("pytest_args", nargs="*", help="passed to pytest (after --)")
    args = ap.parse_args(argv)
    modes = MODES if args.mode == "both" else (args.mode,)
    summaries = []
    with server_settings() as server:
        for mode in modes:
            summary = run_suite(server, mode, args.driver, args.timeout,
                                args.test_timeout, args.pytest_args)
            summaries.append(summary)
            for nodeid, outcome in sorted(summary["outcomes"].items()):
                if outcome != "passed":
                    print(f"{outcome.upper():8} {nodeid}: {summary['details'].get(nodeid, '')}")
            if summary["timed_out"] or "hung" in summary["outcomes"].values():
                # The stacks faulthandler dumped, or where the run stood when stopped.
                print(summary["output"][-6000:])
            if summary["timed_out"]:
                print(f"the run was stopped after {args.timeout:g} s")
            print(count_line(summary), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(summaries))
    ok = all(not s["timed_out"] and s["outcomes"]
             and all(o == "passed" for o in s["outcomes"].values()) for s in summaries)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
