"""A thread-safe pool of unshaken connections.

    pool = ConnectionPool(min_size=1, max_size=10, timeout=5, host=..., user=...)
    with pool.connection() as conn:
        ...

On return a connection is rolled back and reset (COM_RESET_CONNECTION, then the
setup connect() did), so no session state reaches the next user. A connection that
broke, or whose server closed it while idle, is discarded; a new one is opened when
a checkout needs it. Checkout waits at most ``timeout`` seconds, in short slices so a
Ctrl-C is answered promptly whichever thread the signal landed on. After a fork the
child starts with an empty pool: it never uses the parent's sockets.
"""

from __future__ import annotations

import collections
import contextlib
import os
import select
import threading
import time
import weakref

from ._exceptions import InterfaceError, OperationalError, ProgrammingError
from .constants import CR

__all__ = ["ConnectionPool", "PoolClosed", "PoolTimeout"]

# A waiting checkout looks at the clock and the signal handlers this often (as the
# driver's own waits do): a signal delivered to another thread does not wake it.
_WAIT_SLICE = 0.05


class PoolTimeout(OperationalError):
    """No connection became free within the checkout's timeout."""


class PoolClosed(InterfaceError):
    """The pool was closed (or never opened in this process)."""


class _Entry:
    """One pooled connection and the times the lifetime/idle rules need."""

    __slots__ = ("conn", "created", "generation", "returned")

    def __init__(self, conn, generation):
        self.conn = conn
        self.created = self.returned = time.monotonic()
        self.generation = generation


def _server_hung_up(conn):
    """An idle connection has nothing to read; if its socket is readable the server
    closed it (KILL, wait_timeout, a restart) or sent something unasked."""
    if not conn.open:
        return True
    try:
        poller = select.poll()
        poller.register(conn.fileno(), select.POLLIN | select.POLLPRI)
        return bool(poller.poll(0))
    except Exception:  # noqa: BLE001 -- a connection we cannot inspect is not reused
        return True


def _close_quietly(conn):
    with contextlib.suppress(Exception):
        if conn.open:
            conn.close()


class ConnectionPool:
    """Connections to one server, opened with ``unshaken.connect(**connect_kwargs)``.

    min_size: connections opened at once and kept even when idle.
    max_size: at most this many connections exist at once (in use + idle).
    timeout: seconds a checkout waits for a free connection, then PoolTimeout.
    max_lifetime: a connection older than this (seconds) is closed on return or
        checkout instead of being reused (None: no limit).
    max_idle: an idle connection unused this long (seconds) is closed at the next
        checkout, down to min_size (None: no limit).
    reset: roll back and reset each connection when it comes back (the default).
        With reset=False only the rollback is done: session variables, temporary
        tables and settings do carry over to the next user.
    """

    def __init__(self, min_size=0, max_size=10, timeout=30.0, max_lifetime=3600.0,
                 max_idle=600.0, reset=True, **connect_kwargs):
        if max_size < 1 or min_size < 0 or min_size > max_size:
            raise ProgrammingError(
                f"need 0 <= min_size <= max_size and max_size >= 1 "
                f"(got min_size={min_size}, max_size={max_size})"
            )
        self.min_size, self.max_size = int(min_size), int(max_size)
        self.timeout = timeout
        self.max_lifetime, self.max_idle = max_lifetime, max_idle
        self.reset = bool(reset)
        self._connect_kwargs = connect_kwargs
        self._fresh_state()
        self._closed = False
        _POOLS.add(self)
        try:
            for _ in range(self.min_size):
                self.putconn(self._open_new(self._reserve_slot()), reset=False)
            self._checkouts = 0  # those were not users' checkouts
        except BaseException:
            self.close()
            raise

    def _fresh_state(self):
        """Everything that belongs to one process (new after a fork)."""
        self._cond = threading.Condition(threading.Lock())
        self._idle = collections.deque()  # newest at the right
        # Checked out in the parent before a fork: closed (fd only) when given back.
        self._inherited = {**getattr(self, "_inherited", {}), **getattr(self, "_out", {})}
        self._out = {}  # id(conn) -> _Entry, connections checked out
        self._size = 0  # idle + checked out + being opened
        self._waiting = 0
        self._checkouts = 0
        self._discarded = 0
        self._timeouts = 0
        self._pid = os.getpid()
        self._generation = getattr(self, "_generation", 0) + 1

    def _after_fork_in_child(self):
        # The parent's connections are the parent's: close only our copies of the
        # idle ones' file descriptors (a Connection does so, without COM_QUIT, in
        # another process) and start empty.
        for entry in self._idle:
            _close_quietly(entry.conn)
        self._fresh_state()

    def __repr__(self):
        state = "closed" if self._closed else f"size {self._size}/{self.max_size}"
        return f"<unshaken.pool.ConnectionPool {state} at {id(self):#x}>"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- checkout --

    @contextlib.contextmanager
    def connection(self, timeout=None):
        """``with pool.connection() as conn:`` a connection for the block; it goes
        back to the pool (rolled back: commit what you want to keep) at the end."""
        conn = self.getconn(timeout)
        try:
            yield conn
        finally:
            self.putconn(conn)

    def getconn(self, timeout=None):
        """Check out a connection, waiting at most ``timeout`` seconds (default: the
        pool's). Give it back with putconn()."""
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        stale = []
        try:
            conn = self._take_or_reserve(deadline, timeout, stale)
        finally:
            for c in stale:
                _close_quietly(c)
        if conn is None:
            conn = self._open_new(self._generation)
        return conn

    def _take_or_reserve(self, deadline, timeout, stale):
        """An idle connection that is still good (now checked out), or None after
        reserving a slot for a new one. Waits for either until the deadline."""
        with self._cond:
            while True:
                self._check_usable()
                entry = self._pop_good_idle(stale)
                if entry is not None:
                    self._out[id(entry.conn)] = entry
                    self._checkouts += 1
                    return entry.conn
                if self._size < self.max_size:
                    self._size += 1
                    return None
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._timeouts += 1
                    raise PoolTimeout(
                        CR.CONN_HOST_ERROR,
                        f"no connection free in the pool within {timeout} s"
                        f" (max_size={self.max_size}, all in use)",
                    )
                self._waiting += 1
                try:
                    self._cond.wait(min(remaining, _WAIT_SLICE))
                except BaseException:
                    # Interrupted (Ctrl-C): a notify meant for us goes to the next waiter.
                    self._cond.notify()
                    raise
                finally:
                    self._waiting -= 1

    def _pop_good_idle(self, stale):
        now = time.monotonic()
        while self._idle:
            entry = self._idle.pop()  # the most recently used: warmest, least likely stale
            if self._expired(entry, now) or _server_hung_up(entry.conn):
                self._drop_locked(entry, stale)
                continue
            return entry
        return None

    def _expired(self, entry, now):
        if self.max_lifetime is not None and now - entry.created >= self.max_lifetime:
            return True
        return (
            self.max_idle is not None
            and now - entry.returned >= self.max_idle
            and self._size > self.min_size
        )

    def _drop_locked(self, entry, stale):
        self._size -= 1
        self._discarded += 1
        stale.append(entry.conn)
        self._cond.notify()  # room for a new connection

    def _check_usable(self):
        if self._closed:
            raise PoolClosed(0, "the connection pool is closed")

    def _reserve_slot(self):
        with self._cond:
            self._check_usable()
            self._size += 1
        return self._generation

    def _open_new(self, generation):
        """Open the connection a reserved slot stands for and check it out; on
        failure (or Ctrl-C) close what was opened and give the slot back."""
        from . import connect  # late: unshaken/__init__ imports this module's users

        conn = None
        try:
            conn = connect(**self._connect_kwargs)
            entry = _Entry(conn, generation)
            with self._cond:
                self._out[id(conn)] = entry
                self._checkouts += 1
            return conn
        except BaseException:
            with self._cond:
                if self._out.pop(id(conn), None) is not None:
                    self._checkouts -= 1
                if generation == self._generation:
                    self._size -= 1
                    self._cond.notify()
            if conn is not None:
                _close_quietly(conn)
            raise

    # -- return --

    def putconn(self, conn, reset=None):
        """Give back a connection from getconn(): rolled back, reset and made
        available again, or closed if it broke, expired or the pool is closed."""
        with self._cond:
            entry = self._out.pop(id(conn), None)
            if entry is None and self._inherited.pop(id(conn), None) is not None:
                entry = False  # checked out by the parent before a fork
            elif entry is None:
                raise ProgrammingError("this connection was not checked out of this pool")
        if entry is False:
            _close_quietly(conn)  # in this process: only the file descriptor
            return
        keep = False
        try:
            keep = not self._closed and self._clean(conn, self.reset if reset is None else reset)
            if keep and self.max_lifetime is not None:
                keep = time.monotonic() - entry.created < self.max_lifetime
        finally:  # a Ctrl-C during the reset still gives the slot back (closed)
            self._settle(entry, conn, keep)

    def _settle(self, entry, conn, keep):
        stale = []
        with self._cond:
            if entry.generation != self._generation:
                stale.append(conn)
            elif keep and not self._closed:
                entry.returned = time.monotonic()
                self._idle.append(entry)
                self._cond.notify()
            else:
                self._drop_locked(entry, stale)
        for c in stale:
            _close_quietly(c)

    def _clean(self, conn, reset):
        """Roll back and reset; False when the connection cannot be trusted."""
        try:
            if not conn.open:
                return False
            conn.rollback()
            if reset:
                conn._reset_session()
            return True
        except Exception:  # noqa: BLE001 -- any failure: discard, a new one is clean
            return False

    # -- lifecycle and health --

    def close(self):
        """Close the idle connections now and each checked-out one when it comes
        back; checkouts raise PoolClosed from now on. Idempotent."""
        with self._cond:
            self._closed = True
            idle, self._idle = list(self._idle), collections.deque()
            self._size -= len(idle)
            self._cond.notify_all()
        for entry in idle:
            _close_quietly(entry.conn)
        _POOLS.discard(self)

    @property
    def closed(self):
        return self._closed

    def stats(self):
        """Pool health: size (connections that exist), idle, in_use, waiting
        (checkouts blocked right now), checkouts, discarded, timeouts, limits."""
        with self._cond:
            return {
                "size": self._size,
                "idle": len(self._idle),
                "in_use": len(self._out),
                "waiting": self._waiting,
                "checkouts": self._checkouts,
                "discarded": self._discarded,
                "timeouts": self._timeouts,
                "min_size": self.min_size,
                "max_size": self.max_size,
            }


# Every live pool, so a forked child can empty them before it runs any code.
_POOLS = weakref.WeakSet()


def _reinit_pools_in_child():
    for pool in list(_POOLS):
        pool._after_fork_in_child()


os.register_at_fork(after_in_child=_reinit_pools_in_child)
