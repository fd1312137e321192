"""Throwaway MariaDB/MySQL servers for tests, benchmarks and the command-line tools.

Public API:

``TemporaryServer(extra_args=None, *, tls=False, ...)``
    A private ``mariadbd``/``mysqld`` in a temporary directory on a free loopback
    port. Use it as a context manager::

        from unshaken.testing import TemporaryServer

        with TemporaryServer(extra_args=["--max-allowed-packet=64M"]) as srv:
            conn = unshaken.connect(**srv.connect_kwargs())
            print(srv.port, srv.socket)

    ``connect_kwargs()`` gives ``host``, ``port``, ``user`` (root), ``password`` (random,
    made for this server) and ``database`` (``test``, created on start); ``port``,
    ``socket`` (the Unix socket path), ``password``, ``option_file`` (a 0600 ``[client]``
    file for the mysql command-line client or ``read_default_file``) and
    ``secure_file_priv`` (the only directory the server reads or writes files in, for
    ``LOAD DATA INFILE`` / ``SELECT ... INTO OUTFILE`` / ``LOAD_FILE()``) are
    attributes. Everything lives in a 0700 directory, so no other local user can reach
    the socket, the files or the password. ``extra_args`` are appended to the server's
    command line.
    ``tls=True`` generates a CA, a server certificate and a client certificate in the
    server's directory (with the ``openssl`` command, or the ``cryptography`` package)
    and starts the server with them; see ``ssl_ca``, ``ssl_cert``, ``ssl_key``,
    ``client_cert``, ``client_key`` and ``ssl_kwargs()``. The server is stopped and its
    directory removed on exit, on exception (including KeyboardInterrupt) and, as a
    last resort, at interpreter exit.

``ExistingServer(**connect_kwargs)``
    The same read-only interface (``connect_kwargs()``, ``host``, ``port``, ``socket``,
    ``connect()``) for a server you did not start; ``ExistingServer.from_env()`` reads
    ``UNSHAKEN_TEST_HOST/_PORT/_USER/_PASSWORD/_DATABASE/_SOCKET``.

``find_server_binary()``
    ``$UNSHAKEN_SERVER_BINARY`` if set, else ``mariadbd``/``mysqld`` from PATH, then
    from the usual sbin/libexec directories.

Stdlib only: starting a server and checking that it is ready must not depend on the
driver under test (which may be broken or not built yet). ``unshaken._native`` is
never imported at import time; root's password and the ``test`` database are set by
an ``--init-file`` before the server accepts its first client.
"""

from __future__ import annotations

import atexit
import os
import re
import secrets
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

__all__ = [
    "ExistingServer",
    "ServerStartError",
    "TLSUnavailableError",
    "TemporaryServer",
    "find_server_binary",
]

_SEARCH_DIRS = ("/usr/sbin", "/usr/libexec", "/usr/local/sbin", "/usr/local/libexec")


class ServerStartError(RuntimeError):
    """The throwaway server could not be installed or did not become ready."""


class TLSUnavailableError(ServerStartError):
    """TLS certificates were requested but neither ``openssl`` nor ``cryptography`` exists."""


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
    """Path of the server binary, or None.

    ``$UNSHAKEN_SERVER_BINARY`` (a path, or a name looked up on PATH only) wins when
    set; otherwise ``mariadbd`` or ``mysqld`` from PATH, then the usual sbin/libexec dirs.
    """
    explicit = os.environ.get("UNSHAKEN_SERVER_BINARY")
    if explicit:
        if os.sep in explicit:
            return explicit if os.path.isfile(explicit) and os.access(explicit, os.X_OK) else None
        return shutil.which(explicit)
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


def _server_kwargs_from_env(prefix: str = "UNSHAKEN_TEST_") -> dict[str, Any] | None:
    keys = ("HOST", "PORT", "USER", "PASSWORD", "DATABASE", "SOCKET")
    env = {k: os.environ.get(prefix + k) for k in keys}
    if not any(v is not None for v in env.values()):
        return None
    kw: dict[str, Any] = {
        "host": env["HOST"] or "127.0.0.1",
        "port": int(env["PORT"] or 3306),
        "user": env["USER"] or "root",
        "password": env["PASSWORD"] or "",
        "database": env["DATABASE"] or "test",
    }
    if env["SOCKET"]:
        kw["unix_socket"] = env["SOCKET"]
        if not env["HOST"]:
            kw["host"] = "localhost"
    return kw


class ExistingServer:
    """A server started by someone else, with TemporaryServer's read-only interface."""

    temporary = False

    def __init__(self, **connect_kwargs: Any) -> None:
        self._kwargs = dict(connect_kwargs)
        self.host = self._kwargs.get("host", "127.0.0.1")
        self.port = int(self._kwargs.get("port", 3306))
        self.unix_socket = self._kwargs.get("unix_socket")

    @classmethod
    def from_env(cls, prefix: str = "UNSHAKEN_TEST_") -> ExistingServer | None:
        """``<prefix>HOST/_PORT/_USER/_PASSWORD/_DATABASE/_SOCKET``, or None if none is set."""
        kw = _server_kwargs_from_env(prefix)
        return None if kw is None else cls(**kw)

    @property
    def socket(self) -> str | None:
        return self.unix_socket

    def connect_kwargs(self) -> dict[str, Any]:
        return dict(self._kwargs)

    def connect(self, **overrides: Any) -> Any:
        import unshaken

        return unshaken.connect(**{**self.connect_kwargs(), **overrides})

    def describe(self) -> str:
        where = self.unix_socket or f"{self.host}:{self.port}"
        return f"server at {where}"

    def __repr__(self) -> str:
        return f"<ExistingServer {self.describe()}>"


def _run_openssl(args: list[str], cwd: str) -> None:
    r = subprocess.run(  # noqa: PLW1510 -- returncode checked below
        ["openssl", *args], cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
        timeout=60,
    )
    if r.returncode != 0:
        raise ServerStartError(
            f"openssl {' '.join(args)} failed: {r.stderr.decode('utf-8', 'replace')}"
        )


def _certs_with_openssl(d: str) -> None:
    # Extensions make both leaf certificates X.509 v3: WebPKI verifiers (rustls)
    # reject v1 certificates.
    with open(os.path.join(d, "server.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n")
    with open(os.path.join(d, "client.ext"), "w") as f:
        f.write("extendedKeyUsage=clientAuth\n")
    days = "3650"
    _run_openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", days,
                  "-keyout", "ca-key.pem", "-out", "ca.pem",
                  "-subj", "/CN=unshaken TemporaryServer CA"], d)
    for name, cn in (("server", "localhost"), ("client", "unshaken-client")):
        _run_openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}-key.pem",
                      "-out", f"{name}.csr", "-subj", f"/CN={cn}"], d)
        extra = ["-extfile", f"{name}.ext"]
        _run_openssl(["x509", "-req", "-in", f"{name}.csr", "-days", days, "-CA", "ca.pem",
                      "-CAkey", "ca-key.pem", "-set_serial", "0x%x" % (1 + len(name)),
                      "-out", f"{name}.pem", *extra], d)


def _certs_with_cryptography(d: str) -> None:
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    later = now + datetime.timedelta(days=3650)

    def key():
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def write_key(k, path):
        with open(path, "wb") as f:
            f.write(k.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.TraditionalOpenSSL,
                                    serialization.NoEncryption()))

    def write_cert(c, path):
        with open(path, "wb") as f:
            f.write(c.public_bytes(serialization.Encoding.PEM))

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    ca_key = key()
    ca = (x509.CertificateBuilder().subject_name(name("unshaken TemporaryServer CA"))
          .issuer_name(name("unshaken TemporaryServer CA")).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(now).not_valid_after(later)
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    write_key(ca_key, os.path.join(d, "ca-key.pem"))
    write_cert(ca, os.path.join(d, "ca.pem"))
    for serial, (base, cn) in enumerate((("server", "localhost"),
                                         ("client", "unshaken-client")), start=2):
        k = key()
        b = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(ca.subject)
             .public_key(k.public_key()).serial_number(serial)
             .not_valid_before(now).not_valid_after(later))
        if base == "server":
            b = b.add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"),
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                x509.IPAddress(ipaddress.ip_address("::1")),
            ]), critical=False)
        write_key(k, os.path.join(d, f"{base}-key.pem"))
        write_cert(b.sign(ca_key, hashes.SHA256()), os.path.join(d, f"{base}.pem"))


def generate_certificates(directory: str) -> dict[str, str]:
    """Write ca.pem, server.pem/server-key.pem and client.pem/client-key.pem.

    Uses the ``openssl`` command if present, else the ``cryptography`` package; raises
    TLSUnavailableError when neither exists. Returns the paths by role.
    """
    os.makedirs(directory, exist_ok=True)
    if shutil.which("openssl"):
        _certs_with_openssl(directory)
    else:
        try:
            import cryptography  # noqa: F401
        except ImportError:
            raise TLSUnavailableError(
                "TLS certificates were requested, but neither the openssl command nor the "
                "Python package cryptography is available; install one of them"
            ) from None
        _certs_with_cryptography(directory)
    return {
        "ca": os.path.join(directory, "ca.pem"),
        "server_cert": os.path.join(directory, "server.pem"),
        "server_key": os.path.join(directory, "server-key.pem"),
        "client_cert": os.path.join(directory, "client.pem"),
        "client_key": os.path.join(directory, "client-key.pem"),
    }


_PLAIN_PASSWORD = re.compile(r"[A-Za-z0-9_.,:@%+=-]+")

class TemporaryServer:
    """A private ``mariadbd``/``mysqld`` in a temporary directory on a free loopback port.

    Use as a context manager (or call :meth:`start` / :meth:`stop`). The server is
    stopped by its own pid (SIGTERM, then SIGKILL) and the directory removed on exit,
    on exception and, as a last resort, at interpreter exit.

    Arguments: ``extra_args`` (extra server options, e.g. ``["--max-connections=20"]``),
    ``tls`` (generate certificates and enable TLS on the server), ``startup_timeout``,
    ``stop_timeout``, ``binary`` (default: :func:`find_server_binary`), ``keep_dir``,
    ``password`` (root's password: random unless given, e.g. so that several servers
    share one account as a cluster's nodes do; letters, digits and ``_.,:@%+=-``),
    ``port`` (a fixed port instead of a free one, for options that must name it
    before start, e.g. a Galera node's SST receive address).
    Raises :class:`ServerStartError` (with the server's log tail) when it cannot start.
    """

    temporary = True

    def __init__(
        self,
        extra_args: Sequence[str] | None = None,
        *,
        tls: bool = False,
        startup_timeout: float = 30.0,
        stop_timeout: float = 15.0,
        binary: str | None = None,
        keep_dir: bool = False,
        password: str | None = None,
        port: int | None = None,
    ) -> None:
        if password is not None and not _PLAIN_PASSWORD.fullmatch(password):
            raise ValueError("password: letters, digits and _.,:@%+=- only (it is written "
                             "into SQL and an option file unquoted)")
        self._chosen_password = password
        self._chosen_port = port
        self.extra_args = list(extra_args or [])
        self.tls = tls
        self.ssl_ca: str | None = None
        self.ssl_cert: str | None = None
        self.ssl_key: str | None = None
        self.client_cert: str | None = None
        self.client_key: str | None = None
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
        # Root's password, made at start: with none, any local user could log in over
        # TCP while tests run and read the runner's files with LOAD_FILE().
        self.password: str | None = None
        self.option_file: str | None = None
        self.secure_file_priv: str | None = None
        self.pid: int | None = None
        self._proc: subprocess.Popen | None = None
        self._frozen = False

    # -- public API -------------------------------------------------------------

    def connect_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``unshaken.connect()`` (or MySQLdb/PyMySQL) over TCP."""
        return {
            "host": self.host,
            "port": self.port,
            "user": "root",
            "password": self.password,
            "database": "test",
        }

    @property
    def socket(self) -> str | None:
        """Path of the server's Unix socket (None until started)."""
        return self.unix_socket

    def ssl_kwargs(self) -> dict[str, Any]:
        """``{"ssl": {"ca": ..., "cert": ..., "key": ...}}`` (mysqlclient's shape) for a
        server started with ``tls=True``; connect with ``**connect_kwargs(), **ssl_kwargs()``."""
        if not self.ssl_ca:
            raise ValueError("this TemporaryServer was not started with tls=True")
        return {"ssl": {"ca": self.ssl_ca, "cert": self.client_cert, "key": self.client_key}}

    def connect(self, **overrides: Any) -> Any:
        """``unshaken.connect()`` to this server; keyword arguments override the defaults."""
        import unshaken

        return unshaken.connect(**{**self.connect_kwargs(), **overrides})

    def describe(self) -> str:
        """One line saying where the server runs."""
        name = os.path.basename(self.binary or "server")
        return (f"{name} (pid {self.pid}) at {self.host}:{self.port}, socket "
                f"{self.unix_socket}, in {self.tmpdir}")

    def __repr__(self) -> str:
        state = self.describe() if self.running else "not running"
        return f"<TemporaryServer {state}>"

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
                "no mariadbd/mysqld found in PATH, /usr/sbin or /usr/libexec "
                "(or set UNSHAKEN_SERVER_BINARY)"
            )
        # Short prefix in /tmp: unix socket paths are limited to ~107 bytes.
        self.tmpdir = tempfile.mkdtemp(prefix="unshaken-srv-", dir="/tmp")
        atexit.register(self.stop)
        try:
            self.datadir = os.path.join(self.tmpdir, "data")
            self.unix_socket = os.path.join(self.tmpdir, "mysqld.sock")
            self.log_path = os.path.join(self.tmpdir, "error.log")
            self.secure_file_priv = os.path.join(self.tmpdir, "files")
            os.mkdir(self.secure_file_priv, 0o700)
            self._write_credentials()
            if self.tls:
                paths = generate_certificates(os.path.join(self.tmpdir, "tls"))
                self.ssl_ca, self.ssl_cert, self.ssl_key = (
                    paths["ca"], paths["server_cert"], paths["server_key"])
                self.client_cert, self.client_key = paths["client_cert"], paths["client_key"]
            self._install()
            last_error: ServerStartError | None = None
            for _attempt in range(3):
                try:
                    self._launch()
                    last_error = None
                    break
                except ServerStartError as e:
                    last_error = e
                    if (self._chosen_port
                            or "Bind on TCP/IP port" not in _tail(self.log_path or "", 50)):
                        raise
                    self._kill()  # lost the port race: try another port
            if last_error is not None:
                raise last_error
        except BaseException:
            self.stop()
            raise
        return self

    def freeze(self) -> None:
        """SIGSTOP the server: connections stay open but nothing is read or answered."""
        if self.pid is not None:
            os.kill(self.pid, signal.SIGSTOP)
            self._frozen = True
            _wait_stopped(self.pid)

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

    def _tls_args(self) -> list[str]:
        if not self.ssl_ca:
            return []
        return [f"--ssl-ca={self.ssl_ca}", f"--ssl-cert={self.ssl_cert}",
                f"--ssl-key={self.ssl_key}"]

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
                self._tmpdir_arg(),
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
                self._tmpdir_arg(),
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

    def _tmpdir_arg(self) -> str:
        """A temp dir of the server's own: servers bootstrapping at the same time in a
        shared /tmp collide on temporary table names (and the install fails)."""
        assert self.tmpdir
        path = os.path.join(self.tmpdir, "tmp")
        os.makedirs(path, exist_ok=True)
        return f"--tmpdir={path}"

    def _launch(self) -> None:
        assert self.tmpdir and self.log_path
        self.port = self._chosen_port or _free_port()
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
            self._tmpdir_arg(),
            # Root's password and the test database, set before the first client is
            # accepted (the server reads this file before it serves connections).
            f"--init-file={os.path.join(self.tmpdir, 'init.sql')}",
            f"--secure-file-priv={self.secure_file_priv}",
            # Small and fast: this server holds test data only.
            "--innodb-buffer-pool-size=64M",
            "--innodb-flush-log-at-trx-commit=0",
            *self._as_root_args(),
            *self._tls_args(),
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

    def _write_credentials(self) -> None:
        """A random root password: init.sql sets it (for every root account the install
        made) and option_file hands it to command-line clients. Both files are 0600 in
        the 0700 tmpdir; the password is never in a command line."""
        assert self.tmpdir
        self.password = self._chosen_password or secrets.token_hex(16)
        # The accounts an install makes (a name twice in one statement is an error).
        names = dict.fromkeys(("localhost", socket.gethostname()))
        hosts = dict.fromkeys([*names, "127.0.0.1", "::1"])
        users = ", ".join(f"'root'@'{h}' IDENTIFIED BY '{self.password}'" for h in hosts)
        anonymous = ", ".join(f"''@'{h}'" for h in names)
        sql = (f"ALTER USER IF EXISTS {users};\n"
               f"DROP USER IF EXISTS {anonymous};\n"
               "CREATE DATABASE IF NOT EXISTS test;\n")
        self.option_file = os.path.join(self.tmpdir, "client.cnf")
        client = (f"[client]\nuser=root\npassword={self.password}\n"
                  f"socket={self.unix_socket}\n")
        for path, text in ((os.path.join(self.tmpdir, "init.sql"), sql),
                           (self.option_file, client)):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(text)


def _wait_stopped(pid, limit=2.0):
    """Until every thread of ``pid`` is stopped (at most ``limit`` seconds): kill()
    returns before a thread running on another core has stopped, and a statement sent
    at once could still be answered by it."""
    deadline = time.monotonic() + limit
    tasks = f"/proc/{pid}/task"
    while time.monotonic() < deadline:
        try:
            states = []
            for tid in os.listdir(tasks):
                with open(f"{tasks}/{tid}/stat") as f:
                    # The state follows the command name, which is in parentheses.
                    states.append(f.read().rpartition(")")[2].split()[0])
        except OSError:
            return  # no /proc, or the process is gone: nothing to wait for
        if all(state in ("T", "t") for state in states):
            return
        time.sleep(0.001)
