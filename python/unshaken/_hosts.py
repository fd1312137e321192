"""Host lists: ``host="db1:3306,db2,[::1]:3307"``, tried in order (or shuffled) until
one accepts, the whole attempt under one connect_timeout deadline.

Only failures that another server could cure move on to the next host: the client
could not reach it or lost it during the login (a CR_* client error), or the server said
it cannot serve now (too many connections, a Galera node not ready, shutting down).
Wrong credentials or an unknown database are the same everywhere: they raise at once.
"""

from __future__ import annotations

import random
import time

from ._exceptions import Error, OperationalError, ProgrammingError
from .constants import CR

POLICIES = ("sequential", "random")
TARGETS = ("any", "read-write")

# Server errors that say "not this node, not now".
_NODE_UNAVAILABLE = {
    1040,  # ER_CON_COUNT_ERROR: too many connections
    1047,  # ER_UNKNOWN_COM_ERROR: Galera's "WSREP has not yet prepared node for application use"
    1053,  # ER_SERVER_SHUTDOWN
    1290,  # ER_OPTION_PREVENTS_STATEMENT: --read-only, when init_command writes
    1927,  # ER_CONNECTION_KILLED
}


def parse(host, default_port):
    """[(host, port)] from "a", "a:1", "a:1,b", "[::1]:3307"; a bare IPv6 address
    ("::1", two colons or more) is one host. None stays a one-entry list."""
    if host is None or "," not in host and not _has_port(host):
        return [(host, default_port)]
    out = []
    for entry in host.split(","):
        entry = entry.strip()
        if not entry:
            raise OperationalError(CR.UNKNOWN_HOST, f"Unknown server host '' in host list {host!r}")
        out.append(_split_entry(entry, default_port, host))
    return out


def _has_port(entry):
    return entry.startswith("[") or entry.count(":") == 1


def _split_entry(entry, default_port, whole):
    if entry.startswith("["):
        addr, sep, rest = entry[1:].partition("]")
        if not sep or rest and not rest.startswith(":"):
            raise OperationalError(
                CR.UNKNOWN_HOST, f"Unknown server host {entry!r} in host list {whole!r}")
        return addr, _port_of(rest[1:], default_port, entry)
    if entry.count(":") == 1:
        name, _, port = entry.partition(":")
        return name, _port_of(port, default_port, entry)
    return entry, default_port


def _port_of(text, default_port, entry):
    if not text:
        return default_port
    if not text.isdigit() or not 0 < int(text) <= 65535:
        raise OperationalError(CR.UNKNOWN_HOST, f"Bad port in host list entry {entry!r}")
    return int(text)


def fails_over(error):
    """True when another host might succeed where this one failed."""
    code = error.args[0] if error.args and isinstance(error.args[0], int) else 0
    return CR.MIN_ERROR <= code <= CR.MAX_ERROR or code in _NODE_UNAVAILABLE


def check_target(conn, target):
    """target_session_attrs="read-write" (libpq's name): a server running read-only
    (a replica, a node set so) raises 1290, which moves a host list on."""
    if target not in TARGETS:
        raise ProgrammingError(f"target_session_attrs must be one of {TARGETS}, not {target!r}")
    if target == "read-write":
        cur = conn.cursor()
        cur.execute("SELECT @@global.read_only")
        (read_only,) = cur.fetchone()
        cur.close()
        if read_only:
            raise OperationalError(1290, "the server is read-only (target_session_attrs='read-write')")


def check_ready(conn):
    """A Galera node cut off from its cluster (non-primary, wsrep_ready=OFF) still
    accepts logins and table-free SELECTs; only statements on tables fail, with 1047.
    In a host list that is "not this node": ask, and raise the 1047 it would give.
    A MariaDB without a wsrep provider also says wsrep_ready=OFF, but with no
    provider name; MySQL has neither row."""
    cur = conn.cursor()
    cur.execute("SHOW GLOBAL STATUS WHERE Variable_name IN "
                "('wsrep_provider_name', 'wsrep_ready')")
    status = {_text(k): _text(v) for k, v in cur.fetchall()}
    cur.close()
    if status.get("wsrep_provider_name") and status.get("wsrep_ready") == "OFF":
        raise OperationalError(1047, "WSREP has not yet prepared node for application use "
                                     "(wsrep_ready=OFF)")


def _text(value):
    return value.decode() if isinstance(value, bytes) else value


def connect_first(hosts, policy, connect_timeout, attempt):
    """attempt(host, port, timeout) for each host until one returns; the timeout of
    each is its share of what is left of connect_timeout (None: no deadline).
    When all fail, OperationalError(CR.CONN_HOST_ERROR) names each host and why."""
    if policy not in POLICIES:
        raise ProgrammingError(f"host_policy must be one of {POLICIES}, not {policy!r}")
    if len(hosts) == 1:
        return attempt(*hosts[0], connect_timeout)
    order = list(hosts)
    if policy == "random":
        random.shuffle(order)
    deadline = None if connect_timeout is None else time.monotonic() + connect_timeout
    failures = []
    for i, (host, port) in enumerate(order):
        share = None
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                failures.append(f"{host}:{port} (not tried: connect_timeout spent)")
                continue
            share = left / (len(order) - i)
        try:
            return attempt(host, port, share)
        except Error as e:  # a server error of another class may still say "not this node"
            if not fails_over(e):
                raise
            failures.append(f"{host}:{port} ({e.args[0]}: {e.args[1] if len(e.args) > 1 else ''})")
    raise OperationalError(CR.CONN_HOST_ERROR, "Can't connect to any host: " + "; ".join(failures))
