"""Connection options as the ``mysql`` client names them, MySQL's environment
variables, and the throwaway-server fallback shared by every command."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import signal
import sys
from collections.abc import Iterator, Mapping
from typing import Any, TextIO

# MySQL's documented environment variables (USER is only a default, never a reason
# to skip the throwaway server: every shell sets it).
ENV_VARS = ("MYSQL_HOST", "MYSQL_TCP_PORT", "MYSQL_UNIX_PORT", "MYSQL_PWD")
_DEFAULT_SOCKETS = ("/run/mysqld/mysqld.sock", "/var/run/mysqld/mysqld.sock",
                    "/tmp/mysql.sock")
_PROMPT = object()


class CLIError(Exception):
    """A user-facing failure: the message is printed and the command exits with ``code``."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


NO_SERVER_HELP = """\
unshaken: no server to talk to.
No connection option was given and no MYSQL_* variable is set, so this command wanted
to start a throwaway server, but no mariadbd or mysqld binary was found (PATH, /usr/sbin,
/usr/libexec, or $UNSHAKEN_SERVER_BINARY).
Point the command at a server instead, with the mysql client's options:
    python -m unshaken {command} --host 127.0.0.1 --port 3306 --user root --password
    python -m unshaken {command} --socket /run/mysqld/mysqld.sock --user root
or with MySQL's environment variables MYSQL_HOST, MYSQL_TCP_PORT, MYSQL_UNIX_PORT,
MYSQL_PWD (and USER for the user name); or install MariaDB/MySQL server binaries."""


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group(
        "connection (as the mysql client; none given and no MYSQL_* variable set: "
        "a throwaway server is started)")
    g.add_argument("--host", "-h", help="server host (env MYSQL_HOST; default localhost)")
    g.add_argument("--port", "-P", type=int, help="TCP port (env MYSQL_TCP_PORT; default 3306)")
    g.add_argument("--user", "-u", help="user name (env USER)")
    g.add_argument("--password", "-p", nargs="?", const=_PROMPT, default=None,
                   help="password; -p alone prompts (env MYSQL_PWD)")
    g.add_argument("--database", "-D", help="database to use")
    g.add_argument("--socket", "-S", help="Unix socket path (env MYSQL_UNIX_PORT)")
    g.add_argument("--connect-timeout", type=float, default=10.0, metavar="SECONDS",
                   help="connect timeout (default 10)")


def explicit_kwargs(args: argparse.Namespace,
                    environ: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """Connect kwargs from options and MYSQL_* variables, or None when neither names a
    server (then the caller starts a throwaway one)."""
    env = os.environ if environ is None else environ
    given = any(getattr(args, k) is not None
                for k in ("host", "port", "user", "password", "database", "socket"))
    if not given and not any(env.get(k) for k in ENV_VARS):
        return None
    host = args.host or env.get("MYSQL_HOST") or "localhost"
    port = args.port if args.port is not None else int(env.get("MYSQL_TCP_PORT") or 3306)
    sock = args.socket or env.get("MYSQL_UNIX_PORT")
    password = args.password
    if password is _PROMPT:
        password = getpass.getpass("Enter password: ")
    elif password is None:
        password = env.get("MYSQL_PWD", "")
    user = args.user or env.get("USER") or getpass.getuser()
    kw: dict[str, Any] = {"host": host, "port": port, "user": user, "password": password}
    if host == "localhost" and not sock and args.port is None and not env.get("MYSQL_TCP_PORT"):
        # The mysql client's rule: "localhost" means the Unix socket.
        sock = next((p for p in _DEFAULT_SOCKETS if os.path.exists(p)), None)
        if sock is None:
            kw["host"] = "127.0.0.1"
    if sock:
        kw["unix_socket"] = sock
    if args.database:
        kw["database"] = args.database
    if args.connect_timeout:
        kw["connect_timeout"] = args.connect_timeout
    return kw


def describe_kwargs(kw: Mapping[str, Any]) -> str:
    where = kw.get("unix_socket") or f"{kw.get('host')}:{kw.get('port')}"
    return f"{kw.get('user')}@{where}" + (f"/{kw['database']}" if kw.get("database") else "")


def _sigterm_to_exit(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def server(args: argparse.Namespace, command: str,
           out: TextIO | None = None,
           extra_server_args: list[str] | None = None) -> Iterator[dict[str, Any]]:
    """Yield connect kwargs: the server the options/env name, else a throwaway server
    that is removed on exit, on Ctrl-C, on SIGTERM and on error."""
    out = out or sys.stdout
    kw = explicit_kwargs(args)
    if kw is not None:
        print(f"# server: {describe_kwargs(kw)}", file=out, flush=True)
        yield kw
        return
    from unshaken import testing

    if testing.find_server_binary() is None:
        raise CLIError(NO_SERVER_HELP.format(command=command))
    old = signal.getsignal(signal.SIGTERM)
    if old in (signal.SIG_DFL, None):
        signal.signal(signal.SIGTERM, _sigterm_to_exit)
    print("# no connection options or MYSQL_* variables: starting a throwaway server ...",
          file=out, flush=True)
    srv = testing.TemporaryServer(extra_args=extra_server_args)
    try:
        try:
            srv.start()
        except testing.ServerStartError as e:
            raise CLIError(f"unshaken: the throwaway server did not start: {e}", 1) from None
        print(f"# throwaway server: {srv.describe()}", file=out, flush=True)
        print("# it is removed when this command ends", file=out, flush=True)
        kw = srv.connect_kwargs()
        if args.connect_timeout:
            kw["connect_timeout"] = args.connect_timeout
        yield kw
    finally:
        tmpdir = srv.tmpdir
        srv.stop()
        if tmpdir:
            print(f"# throwaway server stopped, {tmpdir} removed", file=out, flush=True)
