"""``python -m unshaken watch`` / ``storm`` as a user runs them: in a subprocess, with the
test server named by explicit options, or with none (the throwaway-server fallback).

Timeouts are generous (a 2-core machine shared with other runs); the only timing
window asserted is the documented deadline check inside ``storm``.
"""

from __future__ import annotations

import csv
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

SAMPLE_RE = re.compile(r"^\d\d:\d\d:\d\d\.\d{3}\s+\d+\.\d{3}\s+\d+\s+\d+\s+\d+\s+\d+$")
SUMMARY_RE = re.compile(
    r"# summary: samples=(\d+) errors=(\d+) p50=[\d.]+ ms p95=[\d.]+ ms p99=[\d.]+ ms "
    r"max=[\d.]+ ms")


def _clean_env(**extra):
    """The test process's environment without MySQL's variables (they would name a
    server) and without our server-binary override."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MYSQL_") and k != "UNSHAKEN_SERVER_BINARY"}
    env.update(extra)
    return env


def _conn_env(kw, **extra):
    """The password as MYSQL_PWD (readable by this user only), never in argv."""
    return _clean_env(MYSQL_PWD=kw.get("password") or "", **extra)


def _conn_args(kw):
    args = ["--user", kw["user"], "--database", kw.get("database", "test")]
    if kw.get("unix_socket"):
        args += ["--socket", kw["unix_socket"]]
    else:
        args += ["--host", kw["host"], "--port", str(kw["port"])]
    return args


def _run(args, timeout=120, env=None):
    return subprocess.run(
        [sys.executable, "-m", "unshaken", *args], capture_output=True, text=True,
        timeout=timeout, env=env or _clean_env(), stdin=subprocess.DEVNULL, check=False,
    )


def _samples(out):
    return [line for line in out.splitlines() if SAMPLE_RE.match(line)]


# `python -m unshaken ARGS`, with Ctrl-C raising KeyboardInterrupt whatever the test
# runner did with SIGINT (a background job inherits it ignored).
_WITH_SIGINT = (
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('unshaken', run_name='__main__', alter_sys=True)"
)


class _Lines:
    """A watch subprocess whose stdout lines arrive on a queue."""

    def __init__(self, args, env=None):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _WITH_SIGINT, *args], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, env=env or _clean_env(),
            stdin=subprocess.DEVNULL,
        )
        self.lines: list[str] = []
        self._q: queue.Queue = queue.Queue()
        self._t = threading.Thread(target=self._pump, daemon=True)
        self._t.start()

    def _pump(self):
        for line in self.proc.stdout:
            self._q.put(line.rstrip("\n"))
        self._q.put(None)

    def wait_samples(self, n, timeout=60):
        deadline = time.monotonic() + timeout
        while len(_samples("\n".join(self.lines))) < n:
            left = deadline - time.monotonic()
            assert left > 0, f"fewer than {n} samples:\n" + "\n".join(self.lines)
            try:
                line = self._q.get(timeout=left)
            except queue.Empty:
                continue
            assert line is not None, "watch ended early:\n" + "\n".join(self.lines) + \
                self.proc.stderr.read()
            self.lines.append(line)

    def finish(self, timeout=60):
        rc = self.proc.wait(timeout=timeout)
        self._t.join(timeout)
        while True:
            line = self._q.get_nowait() if not self._q.empty() else None
            if line is None:
                break
            self.lines.append(line)
        return rc, "\n".join(self.lines), self.proc.stderr.read()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def test_watch_count_and_csv(server_kwargs, tmp_path):
    path = tmp_path / "watch.csv"
    r = _run(["watch", *_conn_args(server_kwargs), "--count", "3", "--interval", "0.2",
              "--csv", str(path)], env=_conn_env(server_kwargs))
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert any(line.split() == ["time", "latency_ms", "connected", "running", "retried",
                                "errors"] for line in lines), r.stdout
    assert len(_samples(r.stdout)) == 3, r.stdout
    for line in _samples(r.stdout):
        assert line.split()[-1] == "0"  # errors so far
        assert int(line.split()[2]) >= 1  # Threads_connected counts us
    m = SUMMARY_RE.search(r.stdout)
    assert m and m.groups() == ("3", "0"), r.stdout
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 3
    assert list(rows[0]) == ["time", "latency_ms", "threads_connected", "threads_running",
                             "questions", "uptime", "interrupted_retries", "errors", "error"]
    for row in rows:
        assert float(row["latency_ms"]) > 0
        assert int(row["threads_connected"]) >= 1
        assert int(row["uptime"]) >= 0
        assert row["errors"] == "0" and row["error"] == ""
    # Questions grows: the same connection keeps asking.
    assert int(rows[-1]["questions"]) > int(rows[0]["questions"])


def test_watch_survives_sigwinch_and_sighup(server_kwargs):
    w = _Lines(["watch", *_conn_args(server_kwargs), "--count", "6", "--interval", "0.3"],
               env=_conn_env(server_kwargs))
    try:
        w.wait_samples(1)
        w.proc.send_signal(signal.SIGWINCH)
        w.proc.send_signal(signal.SIGHUP)
        rc, out, err = w.finish()
    finally:
        w.kill()
    assert rc == 0, out + err
    assert len(_samples(out)) == 6, out  # none lost
    assert "# note: SIGWINCH arrived" in out, out
    assert "# note: SIGHUP arrived" in out, out
    m = SUMMARY_RE.search(out)
    assert m and m.groups() == ("6", "0"), out


def test_watch_ctrl_c_prints_summary(server_kwargs):
    w = _Lines(["watch", *_conn_args(server_kwargs), "--interval", "0.2"],
               env=_conn_env(server_kwargs))
    try:
        w.wait_samples(2)
        w.proc.send_signal(signal.SIGINT)
        rc, out, err = w.finish()
    finally:
        w.kill()
    assert rc == 0, out + err
    assert "Traceback" not in err, err
    m = SUMMARY_RE.search(out)
    assert m, out
    assert int(m.group(1)) == len(_samples(out)) >= 2
    assert m.group(2) == "0"


def test_watch_plot_without_matplotlib(server_kwargs, tmp_path):
    # Hide matplotlib even where it is installed: a package whose import fails.
    shim = tmp_path / "shim" / "matplotlib"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text("raise ImportError('hidden by the test')\n")
    env = _conn_env(server_kwargs, PYTHONPATH=os.pathsep.join(
        [str(tmp_path / "shim"), *filter(None, [os.environ.get("PYTHONPATH")])]))
    r = _run(["watch", *_conn_args(server_kwargs), "--count", "1", "--plot",
              str(tmp_path / "w.png")], env=env)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "pip install 'unshaken[plot]'" in r.stderr
    assert not (tmp_path / "w.png").exists()


def test_throwaway_server_fallback():
    env = _clean_env()
    r = _run(["watch", "--count", "2", "--interval", "0.2"], timeout=240, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    m = re.search(r"# throwaway server: \S+ \(pid \d+\) at 127\.0\.0\.1:(\d+), socket (\S+), "
                  r"in (\S+)", r.stdout)
    assert m, r.stdout
    tmpdir = m.group(3)
    assert f"# throwaway server stopped, {tmpdir} removed" in r.stdout
    assert not os.path.exists(tmpdir)
    assert len(_samples(r.stdout)) == 2, r.stdout


def test_no_server_binary_says_how_to_point_at_one(tmp_path):
    # An empty PATH, and the lookup limited to PATH: no mariadbd/mysqld anywhere.
    env = _clean_env(PATH=str(tmp_path), UNSHAKEN_SERVER_BINARY="mariadbd")
    for command in ("watch", "storm"):
        r = _run([command], env=env)
        assert r.returncode == 2, r.stdout + r.stderr
        assert "no mariadbd or mysqld binary was found" in r.stderr
        for hint in ("--host", "--port", "--socket", "MYSQL_HOST", "MYSQL_TCP_PORT",
                     "MYSQL_UNIX_PORT", "MYSQL_PWD"):
            assert hint in r.stderr, hint
        assert "Traceback" not in r.stderr


def test_help_and_unknown_command():
    r = _run(["--help"])
    assert r.returncode == 0 and "watch" in r.stdout and "storm" in r.stdout
    r = _run(["watch", "--help"])
    assert r.returncode == 0 and "--socket" in r.stdout and "MYSQL_TCP_PORT" in r.stdout
    r = _run(["nope"])
    assert r.returncode == 2 and "unknown command" in r.stderr


@pytest.mark.slow
def test_storm_unshaken_and_pymysql(server_kwargs):
    r = _run(["storm", *_conn_args(server_kwargs), "--seconds", "2",
              "--drivers", "unshaken,pymysql"], timeout=600, env=_conn_env(server_kwargs))
    assert r.returncode == 0, r.stdout + r.stderr
    summary = r.stdout[r.stdout.index("== summary =="):]
    rows = {line.split()[0]: line.split() for line in summary.splitlines()[3:]
            if line and not line.startswith(("(", "#"))}
    assert set(rows) == {"unshaken", "pymysql"}, summary
    assert rows["unshaken"][-1] == "PASS", summary
    assert rows["unshaken"][2:4] == ["0", "0"], summary  # errors, wrong results
    assert int(rows["pymysql"][1]) > 0, summary
    assert "# unshaken: no failure" in r.stdout


def _descendants(pid):
    """Pids of every live descendant of ``pid`` (from /proc/*/stat)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _proc_bytes(pid, name):
    try:
        with open(f"/proc/{pid}/{name}", "rb") as f:
            return f.read()
    except OSError:  # gone already
        return b""


@pytest.mark.slow
def test_storm_workers_never_see_the_password(server_kwargs, conn):
    # A password of its own, so the test does not depend on how the server is set up.
    password = "pw-" + os.urandom(12).hex()
    cur = conn.cursor()
    cur.execute("CREATE USER IF NOT EXISTS 'storm_pw'@'%%' IDENTIFIED BY %s", (password,))
    cur.execute("ALTER USER 'storm_pw'@'%%' IDENTIFIED BY %s", (password,))
    cur.execute("GRANT ALL ON *.* TO 'storm_pw'@'%'")
    kw = {**server_kwargs, "user": "storm_pw", "password": password}
    args = ["storm", *_conn_args(kw), "--seconds", "1", "--drivers", "unshaken"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "unshaken", *args], stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL,
        env=_conn_env(kw),  # the user's way to keep it out of argv
    )
    seen = {}
    try:
        deadline = time.monotonic() + 300
        while proc.poll() is None and time.monotonic() < deadline:
            for pid in _descendants(proc.pid):
                cmdline = _proc_bytes(pid, "cmdline")
                environ = _proc_bytes(pid, "environ")
                if cmdline:
                    seen[pid] = cmdline.replace(b"\0", b" ").decode("utf-8", "replace")
                assert password.encode() not in cmdline, seen.get(pid)
                assert password.encode() not in environ, seen.get(pid)
            time.sleep(0.02)
        out = proc.communicate(timeout=5)[0]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, out
    assert "# unshaken: no failure" in out  # the workers did log in with the password
    assert any("_storm_worker" in c for c in seen.values()), seen
    assert any("_killer" in c for c in seen.values()), seen


def test_watch_plot_while_running_and_at_the_end(server_kwargs, tmp_path):
    pytest.importorskip("matplotlib")  # the [plot] extra; CI installs it
    path = tmp_path / "w.png"
    r = _run(["watch", *_conn_args(server_kwargs), "--count", "4", "--interval", "0.2",
              "--plot", str(path), "--plot-every", "2"], env=_conn_env(server_kwargs))
    assert r.returncode == 0, r.stdout + r.stderr
    # After samples 2 and 4, and once more at the end.
    assert r.stdout.count(f"# plot written to {path}") == 3, r.stdout
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob("*.tmp.png"))
