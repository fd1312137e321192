"""Signals are never errors: storms of no-op signal handlers while the driver works.

Every scenario runs in a subprocess (tests/signals/*.py) that prints a JSON summary.
Each asserts zero errors, zero wrong results, and that the storm really happened.
``UNSHAKEN_STORM_SECONDS`` (default 1.0) sets how long each storm combination runs.
"""

import os

import pytest
from interrupts import CTRL_C_WITHIN

pytestmark = pytest.mark.slow

SECONDS = float(os.environ.get("UNSHAKEN_STORM_SECONDS", "1.0"))

STORMS = {
    "alrm-100us": {"kind": "timer", "interval": 0.0001},
    "alrm-1ms": {"kind": "timer", "interval": 0.001},
    "alrm-20ms": {"kind": "timer", "interval": 0.020},
    "alrm-50ms": {"kind": "timer", "interval": 0.050},
    "kill-SIGWINCH": {"kind": "kill", "signal": "SIGWINCH"},
    "kill-SIGHUP": {"kind": "kill", "signal": "SIGHUP"},
    "kill-SIGUSR1": {"kind": "kill", "signal": "SIGUSR1"},
}
# Storms dense enough that, with the queries in the main thread (where the kernel
# delivers process signals), some blocking syscall is certainly interrupted.
DENSE = {"alrm-100us", "alrm-1ms"}


# How late past its deadline a timeout may fire (README: deadlines are exact).
DEADLINE_SLACK = 0.2


def _target(request, server_kwargs):
    if request.param == "tls":
        return request.getfixturevalue("tls_server_kwargs")
    if request.param == "zlib":
        return {**server_kwargs, "compress": True}
    return server_kwargs


@pytest.fixture(params=["tcp", "tls"])
def target(request, server_kwargs):
    """Connect arguments for each transport: plain TCP, and TLS (verified CA) against a
    server with certificates, so the same guarantees are shown over both."""
    return _target(request, server_kwargs)


@pytest.fixture(params=["tcp", "tls", "zlib"])
def any_target(request, server_kwargs):
    """`target`, plus the zlib-compressed protocol."""
    return _target(request, server_kwargs)


@pytest.fixture(params=["tcp", "tls"])
def frozen_target(request):
    """(server, connect kwargs) for tests that freeze the server process."""
    if request.param == "tls":
        srv = request.getfixturevalue("tls_server")
        return srv, request.getfixturevalue("tls_server_kwargs")
    srv = request.getfixturevalue("throwaway_server")
    return srv, srv.connect_kwargs()


def _check_stats(driver_name, summary, must_retry):
    if driver_name != "unshaken":
        return
    stats = summary["stats"]
    assert stats is not None, "no connection survived to report stats()"
    assert set(stats) >= {"interrupted_retries", "bytes_in", "bytes_out", "queries"}
    if must_retry:
        assert stats["interrupted_retries"] > 0, f"storm never hit a syscall: {summary}"


def _storm_run(signal_script, kwargs, workload, storm, thread, timeouts=False):
    """One storm_queries.py run that must see the storm, no error and no wrong result."""
    s = signal_script(
        "storm_queries.py",
        {
            "kwargs": kwargs,
            "workload": workload,
            "storm": STORMS[storm],
            "thread": thread,
            "timeouts": timeouts,
            "seconds": SECONDS,
            "min_iterations": 3,
        },
    )
    assert s["iterations"] >= 3, s
    assert s["errors"] == 0, s
    assert s["wrong"] == 0, s
    assert s["signals"] > 0, s
    return s


@pytest.mark.parametrize("timeouts", [False, True], ids=["no-timeout", "timeout-30"])
@pytest.mark.parametrize("thread", ["main", "worker"])
@pytest.mark.parametrize("storm", list(STORMS))
@pytest.mark.parametrize("workload", ["first_byte", "rows10k", "insert4m"])
def test_queries_under_storm(
    signal_script, target, driver_name, workload, storm, thread, timeouts
):
    s = _storm_run(signal_script, target, workload, storm, thread, timeouts)
    _check_stats(driver_name, s, must_retry=storm in DENSE and thread == "main")


@pytest.mark.parametrize("thread", ["main", "worker"])
@pytest.mark.parametrize("storm", ["alrm-100us", "alrm-20ms", "kill-SIGWINCH"])
@pytest.mark.parametrize("workload", ["first_byte", "rows10k", "insert4m"])
def test_queries_under_storm_compressed(
    signal_script, server_kwargs, driver_name, workload, storm, thread
):
    """The same storms over the zlib-compressed protocol (a reduced matrix: the
    compression layer sits above the same wait loop)."""
    s = _storm_run(signal_script, {**server_kwargs, "compress": True}, workload, storm, thread)
    _check_stats(driver_name, s, must_retry=storm == "alrm-100us" and thread == "main")


@pytest.mark.parametrize("storm", ["alrm-100us", "kill-SIGHUP"])
def test_executemany_under_storm(signal_script, any_target, driver_name, storm):
    """Batched INSERTs and row-by-row UPDATEs (many round trips) lose nothing."""
    s = _storm_run(signal_script, any_target, "executemany", storm, "main")
    _check_stats(driver_name, s, must_retry=storm in DENSE)


@pytest.mark.parametrize("workload", ["first_byte", "rows10k", "insert4m", "executemany"])
def test_tls_compressed_under_storm(signal_script, tls_server_kwargs, driver_name, workload):
    """Compression inside TLS: both layers sit on the same wait loop."""
    s = _storm_run(signal_script, {**tls_server_kwargs, "compress": True}, workload,
                   "alrm-100us", "main")
    _check_stats(driver_name, s, must_retry=True)


@pytest.mark.parametrize("workload", ["first_byte", "rows10k", "insert4m", "executemany"])
def test_storm_aimed_at_the_worker_thread(signal_script, target, driver_name, workload):
    """The IO runs in a worker and the main thread blocks the storm's signal, so the
    kernel delivers every signal to the worker: its syscalls really are interrupted
    (and retried), while Python runs the handlers in the main thread."""
    s = _storm_run(signal_script, target, workload, "alrm-100us", "worker_aimed")
    _check_stats(driver_name, s, must_retry=True)


@pytest.mark.parametrize("timeouts", [False, True], ids=["no-timeout", "timeout-30"])
def test_blocked_write_under_storm(signal_script, frozen_target, driver_name, timeouts):
    throwaway_server, kwargs = frozen_target
    try:
        s = signal_script(
            "blocked_write.py",
            {
                "kwargs": kwargs,
                "server_pid": throwaway_server.pid,
                "size": 16 * 1024 * 1024,  # payload alone crosses the 16 MiB packet split
                "freeze_seconds": 0.5,
                "storm": STORMS["alrm-1ms"],
                "timeouts": timeouts,
            },
        )
    finally:
        throwaway_server.thaw()  # whatever the script did, leave the server running
    assert s["error"] is None, s
    assert s["result_ok"], s
    assert s["finished_after_thaw"], s
    assert s["signals"] > 0, s
    _check_stats(driver_name, s, must_retry=True)


def test_read_deadline_under_storm(signal_script, any_target):
    s = signal_script(
        "deadline.py",
        {
            "kwargs": any_target,
            "read_timeout": 1,
            "sql": "SELECT SLEEP(5)",
            "storm": STORMS["alrm-100us"],
            "expect": "usable",
        },
    )
    assert s["raised"] is not None, f"no timeout: {s}"
    assert s["operational"] and s["errno"] == 2013, s
    assert 1.0 <= s["elapsed"] <= 1.0 + DEADLINE_SLACK, s
    assert s["signals"] > 0, s
    assert s["after_ok"], f"not usable after a timeout (it was cancelled): {s}"


def test_connect_under_storm(signal_script, target, driver_name):
    s = signal_script(
        "connect_storm.py",
        {
            "kwargs": target,
            "count": 1000,
            "connect_timeout": 5,
            "storm": {"kind": "timer", "interval": 0.0002},
        },
        timeout=300,
    )
    assert s["errors"] == 0, s
    assert s["ok"] == 1000, s
    assert s["signals"] > 0, s
    if driver_name == "unshaken":
        assert s["interrupted_retries"] > 0, s


# Send times 10 ms apart over one 50 ms slice, so that one of them lands just after a
# slice began (the worst case for a signal aimed at another thread).
SLICE_PHASES = [0.3, 0.31, 0.32, 0.33, 0.34]


@pytest.mark.parametrize("aim", ["process", "other_thread"])
def test_ctrl_c_is_prompt(signal_script, any_target, aim):
    s = signal_script(
        "ctrl_c.py",
        {"kwargs": any_target, "sql": "SELECT SLEEP(5)", "afters": SLICE_PHASES, "aim": aim},
    )
    runs = s["runs"]
    assert len(runs) == len(SLICE_PHASES), f"the connection did not stay usable: {runs}"
    for run in runs:
        assert run["keyboard_interrupt"], f"not a bare KeyboardInterrupt: {run}"
        assert run["latency"] is not None and run["latency"] < CTRL_C_WITHIN, run
        assert run["after_ok"], f"not usable after Ctrl-C: {run}"


def test_ctrl_c_without_cancel_closes(signal_script, server_kwargs):
    """cancel_on_interrupt=False: as prompt, and the connection is closed (2006 next)."""
    s = signal_script(
        "ctrl_c.py",
        {"kwargs": {**server_kwargs, "cancel_on_interrupt": False}, "sql": "SELECT SLEEP(5)",
         "afters": [0.3], "aim": "other_thread", "expect": "closed"},
    )
    (run,) = s["runs"]
    assert run["keyboard_interrupt"], run
    assert run["latency"] < CTRL_C_WITHIN, run
    assert run["after_ok"] and "interrupted" in run["after"], run
