"""Throwaway MariaDB/MySQL servers for tests and benchmarks.

Stdlib only: starting a server and checking that it is ready must not depend on the
driver under test (which may be broken or not built yet). ``unshaken._native`` is
never imported at import time; the driver is used only as a fallback to create the
``test`` database when no ``mariadb``/``mysql`` command-line client exists.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: no runtime dependency
    from typing_extensions import Self

__all__ = ["ServerStartError", "TemporaryServer", "find_server_binary"]

_SEARCH_DIRS = ("/usr/sbin", "/usr/libexec", "/usr/local/sbin", "/usr/local/libexec")


class ServerStartError(RuntimeError):
    """The throwaway server could not be installed or did not become ready."""


def _which(names: Sequence[str], extra_dirs: Sequence[str] = _SEARCH_DIRS) -> str | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    for d in extra_dirs:
        for name in names:
            p = os.path.join(d, name)
            if os.path.isfile(p) and os.access(p, os.X_OK):
                return p
    return None


def find_server_binary() -> str | None:
    """Path of ``mariadbd`` or ``mysqld``: PATH first, then the usual sbin/libexec dirs."""
    return _which(("mariadbd", "mysqld"))


def _free_port() -> int:
    # Racy by nature (another process may take it before the server binds); start()
    # retries on a bind failure.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: str, n: int = 30) -> str:
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
    except OSError as e:
        return f"<no log: {e}>"
    return "\n".join(lines[-n:])


def _greeting_ok(host: str, port: int, timeout: float = 1.0) -> bool:
    """True when the server sends a handshake (protocol 10) on a fresh TCP connection."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            buf = b""
            while len(buf) < 5:
                chunk = s.recv(64)
                if not chunk:
                    return False
                buf += chunk
            return buf[4] == 10  # 0xff would be an ERR packet, e.g. "too many connections"
    except OSError:
        return False


class TemporaryServer:
    """A private ``mariadbd``/``mysqld`` in a temporary directory on a free loopback port.

    Use as a context manager (or call :meth:`start` / :meth:`stop`). The server is
    stopped by its own pid (SIGTERM, then SIGKILL) and the directory removed on exit,
    on exception and, as a last resort, at interpreter exit.
    """

    def __init__(
        self,
        extra_args: list[str] | None = None,
        *,
        startup_timeout: float = 30.0,
        stop_timeout: float = 15.0,
        binary: str | None = None,
        keep_dir: bool = False,
    ) -> None:
        self.extra_args = list(extra_args or [])
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.binary = binary or find_server_binary()
        self.keep_dir = keep_dir
        self.host = "127.0.0.1"
        self.port: int = 0
        self.tmpdir: str | None = None
        self.datadir: str | None = None
        self.unix_socket: str | None = None
        self.log_path: str | None = None
        self.pid: int | None = None
        self._proc: subprocess.Popen | None = None
        self._frozen = False

    # -- public API -------------------------------------------------------------

    def connect_kwargs(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "user": "root",
            "password": "",
            "database": "test",
        }

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> TemporaryServer:
        if self._proc is not None:
            return self
        if not self.binary:
            raise ServerStartError(
                "no mariadbd/mysqld found in PATH, /usr/sbin or /usr/libexec"
            )
        # Short prefix in /tmp: unix socket paths are limited to ~107 bytes.
        self.tmpdir = tempfile.mkdtemp(prefix="unshaken-srv-", dir="/tmp")
        atexit.register(self.stop)
        try:
            self.datadir = os.path.join(self.tmpdir, "data")
            self.unix_socket = os.path.join(self.tmpdir, "mysqld.sock")
            self.log_path = os.path.join(self.tmpdir, "error.log")
            self._install()
            last_error: ServerStartError | None = None
            for _attempt in range(3):
                try:
                    self._launch()
                    last_error = None
                    break
                except ServerStartError as e:
                    last_error = e
                    if "Bind on TCP/IP port" not in _tail(self.log_path or "", 50):
                        raise
                    self._kill()  # lost the port race: try another port
            if last_error is not None:
                raise last_error
            self._create_test_database()
        except BaseException:
            self.stop()
            raise
        return self

    def freeze(self) -> None:
        """SIGSTOP the server: connections stay open but nothing is read or answered."""
        if self.pid is not None:
            os.kill(self.pid, signal.SIGSTOP)
            self._frozen = True

    def thaw(self) -> None:
        if self.pid is not None:
            os.kill(self.pid, signal.SIGCONT)
            self._frozen = False

    def stop(self) -> None:
        try:
            self._kill()
        finally:
            if self.tmpdir and not self.keep_dir:
                shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None
            atexit.unregister(self.stop)

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # -- internals --------------------------------------------------------------

    def _as_root_args(self) -> list[str]:
        # mariadbd refuses to run as root unless told to.
        return ["--user=root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []

    def _install(self) -> None:
        assert self.tmpdir and self.datadir
        tool = _which(("mariadb-install-db", "mysql_install_db"), ("/usr/bin", "/usr/local/bin"))
        log = os.path.join(self.tmpdir, "install.log")
        if tool:
            cmd = [
                tool,
                "--no-defaults",
                "--auth-root-authentication-method=normal",
                f"--datadir={self.datadir}",
                "--skip-test-db",
                *self._as_root_args(),
            ]
        else:
            # MySQL 5.7+/8: no install script, the server initializes itself.
            cmd = [
                self.binary or "mysqld",
                "--no-defaults",
                "--initialize-insecure",
                f"--datadir={self.datadir}",
                *self._as_root_args(),
            ]
        with open(log, "wb") as out:
            try:
                rc = subprocess.run(
                    cmd, check=False, stdout=out, stderr=subprocess.STDOUT, timeout=120,
                    stdin=subprocess.DEVNULL,
                ).returncode
            except subprocess.TimeoutExpired as e:
                raise ServerStartError(f"{cmd[0]} timed out\n{_tail(log)}") from e
        if rc != 0:
            raise ServerStartError(f"{' '.join(cmd)} failed with {rc}:\n{_tail(log)}")

    def _launch(self) -> None:
        assert self.tmpdir and self.log_path
        self.port = _free_port()
        cmd = [
            self.binary or "mariadbd",
            "--no-defaults",
            f"--datadir={self.datadir}",
            f"--socket={self.unix_socket}",
            f"--port={self.port}",
            "--bind-address=127.0.0.1",
            "--skip-networking=0",
            f"--pid-file={os.path.join(self.tmpdir, 'mysqld.pid')}",
            f"--log-error={self.log_path}",
            # Small and fast: this server holds test data only.
            "--innodb-buffer-pool-size=64M",
            "--innodb-flush-log-at-trx-commit=0",
            *self._as_root_args(),
            *self.extra_args,
        ]
        self._proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT, start_new_session=True,  # Ctrl-C in a test must not hit it
        )
        self.pid = self._proc.pid
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise ServerStartError(
                    f"server exited with {self._proc.returncode} during startup "
                    f"({' '.join(cmd)}):\n{_tail(self.log_path)}"
                )
            if _greeting_ok(self.host, self.port):
                return
            time.sleep(0.05)
        raise ServerStartError(
            f"server not ready after {self.startup_timeout:.0f} s "
            f"({' '.join(cmd)}):\n{_tail(self.log_path)}"
        )

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            try:
                if self._frozen:
                    os.kill(proc.pid, signal.SIGCONT)  # a stopped process ignores SIGTERM
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
            except ProcessLookupError:
                pass
        self._frozen = False
        self.pid = None

    def _create_test_database(self) -> None:
        sql = "CREATE DATABASE IF NOT EXISTS test"
        cli = _which(("mariadb", "mysql"), ("/usr/bin", "/usr/local/bin"))
        if cli:
            r = subprocess.run(  # noqa: PLW1510 -- returncode checked below
                [cli, "--no-defaults", "-uroot", f"--socket={self.unix_socket}", "-e", sql],
                stdin=subprocess.DEVNULL, capture_output=True, timeout=30,
            )
            if r.returncode == 0:
                return
            err = r.stderr.decode("utf-8", "replace")
            raise ServerStartError(f"{cli} could not create database test: {err}")
        # No CLI: fall back to the driver, imported only now.
        import unshaken

        kw = self.connect_kwargs()
        del kw["database"]
        conn = unshaken.connect(**kw)
        try:
            conn.cursor().execute(sql)
        finally:
            conn.close()
