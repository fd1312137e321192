"""Shared fixtures for the pytest suites that talk to a real server.

Server: the ``unshaken.pytest_plugin`` fixture ``unshaken_server``:
``UNSHAKEN_TEST_HOST/_PORT/_USER/_PASSWORD/_DATABASE/_SOCKET`` point at an existing
server; with none of them set, a private ``TemporaryServer`` is started for the
session, so tests never touch the machine's shared server by accident.

Driver: always ``unshaken``. ``UNSHAKEN_TEST_DRIVER=pymysql|mysqlclient`` swaps in a
reference driver for checking the tests themselves during development; it is refused
when ``CI=true``.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SIGNALS_DIR = Path(__file__).resolve().parent / "signals"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# The drivers the suite can run against (modules from the one driver table).
_TEST_DRIVERS = ("mysqlclient", "pymysql", "unshaken")

DRIVER_NAME = os.environ.get("UNSHAKEN_TEST_DRIVER", "unshaken")
if DRIVER_NAME not in _TEST_DRIVERS:
    raise pytest.UsageError(f"UNSHAKEN_TEST_DRIVER must be one of {list(_TEST_DRIVERS)}")
if IN_CI and DRIVER_NAME != "unshaken":
    raise pytest.UsageError("UNSHAKEN_TEST_DRIVER is for development runs only, not CI")


def _load_module(name):
    """``unshaken.<name>`` without needing the compiled driver: fall back to the file."""
    try:
        return importlib.import_module(f"unshaken.{name}")
    except ImportError:
        path = ROOT / "python" / "unshaken" / f"{name.replace('.', '/')}.py"
        spec = importlib.util.spec_from_file_location(f"_unshaken_{name}", path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod


testing = _load_module("testing")
# The user-facing pytest plugin (also registered through the pytest11 entry point):
# its fixtures are imported here so the suite uses them even when the package's entry
# points are not installed (a plain checkout); names defined here win either way.
_plugin = _load_module("pytest_plugin")
unshaken_server = _plugin.unshaken_server
unshaken_conn = _plugin.unshaken_conn


def pytest_configure(config):
    # Also declared in pyproject.toml; repeated so a run from another rootdir knows it.
    config.addinivalue_line("markers", "slow: fault and signal-storm tests (subprocesses)")
    config.addinivalue_line("markers", "unshaken_only: checks unshaken's own extensions")


def pytest_collection_modifyitems(config, items):
    if DRIVER_NAME == "unshaken":
        return
    skip = pytest.mark.skip(reason=f"unshaken extension; driver is {DRIVER_NAME} (dev run)")
    for item in items:
        if "unshaken_only" in item.keywords:
            item.add_marker(skip)


def pytest_report_header(config):
    return f"unshaken tests: driver={DRIVER_NAME} CI={IN_CI}"


# -- driver -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def driver_name():
    return DRIVER_NAME


@pytest.fixture(scope="session")
def driver():
    # A failed import is an error in every mode: the tests exist to exercise the driver.
    return _load_module("cli.drivers").import_driver(DRIVER_NAME)


# -- servers ------------------------------------------------------------------------


# 64M: the blocked-write test sends a 16 MiB statement; the default server doubles as
# the throwaway one, so it gets the option too.
SERVER_ARGS = ["--max-allowed-packet=64M"]


@pytest.fixture(scope="session")
def unshaken_server_args():
    """Extra options for the plugin's TemporaryServer."""
    return list(SERVER_ARGS)


@pytest.fixture(scope="session")
def unshaken_require_server():
    """In CI a missing server is a failure, never a skip."""
    return IN_CI


def _start_temporary_server():
    return _plugin.start_temporary_server(SERVER_ARGS, require=IN_CI)


@pytest.fixture(scope="session")
def _default_server(unshaken_server):
    """The TemporaryServer behind ``server_kwargs``, or None when env vars name a server."""
    return unshaken_server if unshaken_server.temporary else None


@pytest.fixture(scope="session")
def server_kwargs(unshaken_server):
    return dict(unshaken_server.connect_kwargs())


@pytest.fixture(scope="session")
def tls_server():
    """A private server with TLS certificates made for this session. It also listens
    on 127.0.0.2, a loopback address its certificate does not name."""
    args = [*SERVER_ARGS, "--bind-address=127.0.0.1,127.0.0.2"]
    srv = _plugin.start_temporary_server(args, require=IN_CI, tls=True)
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="session")
def tls_server_kwargs(tls_server):
    """Connect arguments that demand TLS with a verified CA."""
    return {**tls_server.connect_kwargs(), "ssl": {"ca": tls_server.ssl_ca}}


@pytest.fixture(scope="session")
def logged_server(unshaken_require_server):
    """A private server that logs every packet it reads in mysql.general_log (see
    general_log.py)."""
    srv = _plugin.start_temporary_server([*SERVER_ARGS, "--general-log=1", "--log-output=TABLE"],
                                         require=unshaken_require_server)
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def spy(connect):
    """A cursor of a connection of its own, to read the general log with."""
    return connect().cursor()


@pytest.fixture(scope="session")
def throwaway_server(_default_server):
    """A server this session owns and may freeze or stop (never the shared one)."""
    if _default_server is not None:
        yield _default_server
        return
    srv = _start_temporary_server()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def connect(driver, server_kwargs):
    """``connect(**overrides)`` -> a connection closed at teardown."""
    opened = []

    def _connect(**overrides):
        kw = dict(server_kwargs)
        kw.update(overrides)
        c = driver.connect(**kw)
        opened.append(c)
        return c

    yield _connect
    for c in opened:
        # Already closed by the test, or deliberately broken: either is fine here.
        with contextlib.suppress(driver.Error):
            c.close()


@pytest.fixture
def conn(connect):
    return connect()


@pytest.fixture
def cursor(conn):
    cur = conn.cursor()
    yield cur
    with contextlib.suppress(Exception):  # the connection may be gone already
        cur.close()


# -- subprocess scripts -------------------------------------------------------------


def run_signal_script(script, config, timeout=120):
    """Run ``tests/signals/<script>`` in a fresh interpreter; return its JSON summary.

    Signal behaviour must be tested out of process: storms, handlers and itimers would
    otherwise leak into pytest itself. The config (with the server's password) goes on
    stdin: a command line is readable by every local user.
    """
    config = dict(config)
    config.setdefault("driver", DRIVER_NAME)
    proc = subprocess.run(
        [sys.executable, str(SIGNALS_DIR / script)], input=json.dumps(config).encode(),
        check=False, capture_output=True, timeout=timeout,
    )
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    last = out.strip().splitlines()[-1] if out.strip() else ""
    try:
        summary = json.loads(last)
    except ValueError:
        summary = None
    if proc.returncode != 0 or not isinstance(summary, dict):
        pytest.fail(
            f"{script} exited with {proc.returncode}\n--- stdout ---\n{out[-4000:]}"
            f"\n--- stderr ---\n{err[-4000:]}",
            pytrace=False,
        )
    summary["_stderr"] = err
    return summary


@pytest.fixture
def signal_script():
    return run_signal_script
