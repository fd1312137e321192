"""A fault-injection TCP proxy for tests (stdlib only).

    with FaultProxy(("127.0.0.1", server_port)) as proxy:
        proxy.defaults.down.fragment = 1          # every new connection: 1-byte slices
        conn = unshaken.connect(host=proxy.host, port=proxy.port, ...)
        link = proxy.link(0)                      # the first proxied connection
        link.down.cut_after = link.down.count + 100   # switch at runtime

The proxy listens on 127.0.0.1:0 and forwards each accepted connection to ``target``
(given a list of ``(host, port)`` targets, to each in turn: round-robin, like a load
balancer in front of several servers) with two pump threads, ``up`` (client -> server)
and ``down`` (server -> client). Each direction has its own faults, read at every
step so they can be changed at any time:

``latency``     seconds to sleep before forwarding each chunk received
``fragment``    forward in slices of this many bytes (1: one byte per send()); 0: as read
``pace``        seconds to sleep between slices (makes the peer see each slice alone)
``stall``       True: stop forwarding (and stop reading: TCP back-pressure); False resumes
``cut_after``   after this many bytes in this direction, do ``cut_mode``:
    ``"close"``  close both sockets (FIN both ways)
    ``"reset"``  RST to the client (SO_LINGER 0) and close the server side
    ``"half"``   shutdown(SHUT_WR) towards the receiver only: it reads EOF, the other
                 direction keeps working
    ``"stall"``  set ``stall`` (resume by setting it back to False)
    ``"slow"``   forward nothing more for ``cut_delay`` seconds, then close both
    ``"garbage"`` send ``garbage`` instead of the rest of the stream; nothing more is
                 forwarded in this direction; close both sides ``garbage_close``
                 seconds later (None: keep the connection open)

``accept`` on a Faults (``proxy.defaults`` or ``proxy.plan[i]``) decides what happens to
a new client connection: ``"forward"`` (default), ``"deaf"`` (accept, never connect
upstream, never send anything), ``"close"`` or ``"reset"`` (at once).

Bounded and self-stopping: every socket wait is sliced (50 ms), ``lifetime`` (default
300 s) stops the proxy by itself, ``close()`` (and the context manager) stops every
thread and socket, and threads are daemons.
"""

from __future__ import annotations

import copy
import select
import socket
import struct
import threading
import time
from dataclasses import dataclass, field

SLICE = 0.05
CUT_MODES = ("close", "reset", "half", "stall", "slow", "garbage")


@dataclass
class Direction:
    latency: float = 0.0
    fragment: int = 0
    pace: float = 0.0
    stall: bool = False
    cut_after: int | None = None
    cut_mode: str = "close"
    cut_delay: float = 0.0
    garbage: bytes = b""
    # "garbage" mode: close both sides this many seconds after the garbage (None: never)
    garbage_close: float | None = None
    # Observed (not settings):
    count: int = 0
    eof: bool = False
    cut: bool = False


@dataclass
class Faults:
    up: Direction = field(default_factory=Direction)
    down: Direction = field(default_factory=Direction)
    accept: str = "forward"


def _rst_close(sock):
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


def _hard_close(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


class Link:
    """One proxied client connection; ``up``/``down`` are its live Direction settings."""

    def __init__(self, proxy, index, client, faults):
        self.proxy = proxy
        self.index = index
        self.client = client
        self.server = None
        self.target = proxy.targets[index % len(proxy.targets)]
        self.up = faults.up
        self.down = faults.down
        self.accept = faults.accept
        self.closed = threading.Event()
        self._lock = threading.Lock()
        self._threads = []

    # -- control ---------------------------------------------------------------------

    def close(self, reset=False):
        with self._lock:
            if self.closed.is_set():
                return
            self.closed.set()
        if reset:
            _rst_close(self.client)
        else:
            _hard_close(self.client)
        if self.server is not None:
            _hard_close(self.server)

    def reset(self):
        """RST the client now."""
        self.close(reset=True)

    def stall(self, on=True):
        self.up.stall = on
        self.down.stall = on

    # -- pumps -----------------------------------------------------------------------

    def start(self):
        if self.accept == "close":
            self.close()
            return
        if self.accept == "reset":
            self.close(reset=True)
            return
        if self.accept == "deaf":
            return  # held open until the proxy closes; nothing is ever sent
        try:
            self.server = socket.create_connection(self.target, timeout=5)
            self.server.settimeout(None)
            self.server.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            self.close(reset=True)
            return
        for name, src, dst, d in (
            ("up", self.client, self.server, self.up),
            ("down", self.server, self.client, self.down),
        ):
            t = threading.Thread(
                target=self._pump, args=(src, dst, d), daemon=True,
                name=f"faultproxy-{self.index}-{name}",
            )
            self._threads.append(t)
            t.start()

    def _wait(self, seconds):
        """Sleep, but return early (False) when the link or the proxy closes."""
        end = time.monotonic() + seconds
        while not self.closed.is_set():
            left = end - time.monotonic()
            if left <= 0:
                return True
            time.sleep(min(left, SLICE))
        return False

    def _send(self, dst, d, data):
        step = d.fragment if d.fragment and d.fragment > 0 else len(data)
        i = 0
        while i < len(data):
            while d.stall and not self.closed.is_set():
                time.sleep(0.01)
            if self.closed.is_set():
                return False
            piece = data[i:i + step]
            dst.sendall(piece)
            i += len(piece)
            d.count += len(piece)
            if d.pace and i < len(data) and not self._wait(d.pace):
                return False
        return True

    def _do_cut(self, src, dst, d):
        d.cut = True
        mode = d.cut_mode
        if mode == "close":
            self.close()
        elif mode == "reset":
            self.close(reset=True)
        elif mode == "half":
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        elif mode == "slow":
            if self._wait(d.cut_delay):
                self.close()
        elif mode == "garbage":
            try:
                dst.sendall(d.garbage)
            except OSError:
                pass
            if d.garbage_close is not None and self._wait(d.garbage_close):
                self.close()
        # "stall" is handled by the caller (the pump goes on, stalled).

    def _pump(self, src, dst, d):
        try:
            while not self.closed.is_set():
                if d.stall:
                    time.sleep(0.01)
                    continue
                if d.cut_after is not None and d.count >= d.cut_after and not d.cut:
                    self._do_cut(src, dst, d)
                    if d.cut_mode == "stall":
                        d.stall = True
                        continue
                    return
                r, _, _ = select.select([src], [], [], SLICE)
                if not r:
                    continue
                data = src.recv(65536)
                if not data:
                    d.eof = True
                    try:
                        dst.shutdown(socket.SHUT_WR)  # pass the FIN on
                    except OSError:
                        pass
                    return
                if d.latency and not self._wait(d.latency):
                    return
                rest = b""
                if d.cut_after is not None and not d.cut:
                    room = max(0, d.cut_after - d.count)
                    data, rest = data[:room], data[room:]
                if data and not self._send(dst, d, data):
                    return
                if rest or (d.cut_after is not None and d.count >= d.cut_after and not d.cut):
                    self._do_cut(src, dst, d)
                    if d.cut_mode == "stall":
                        d.stall = True
                        # What was read past the cut is held back until resumed.
                        while d.stall and not self.closed.is_set():
                            time.sleep(0.01)
                        if rest and not self.closed.is_set():
                            self._send(dst, d, rest)
                        continue
                    return
        except OSError:
            if not self.closed.is_set():
                self.close()


class FaultProxy:
    def __init__(self, target, *, lifetime=300.0, max_links=200):
        # One (host, port), or a list of them: connection i goes to targets[i % n].
        targets = [target] if isinstance(target[0], str) else list(target)
        self.targets = [(host, int(port)) for host, port in targets]
        self.target = self.targets[0]
        self.defaults = Faults()
        self.plan: dict[int, Faults] = {}  # per connection index (0 = first accepted)
        self.links: list[Link] = []
        self.max_links = max_links
        self._stopped = threading.Event()
        self._cond = threading.Condition()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.host, self.port = self._listener.getsockname()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True,
                                        name="faultproxy-accept")
        self._thread.start()
        self._watchdog = threading.Timer(lifetime, self.close)
        self._watchdog.daemon = True
        self._watchdog.start()

    def kwargs(self, base):
        """Connect arguments ``base`` redirected through the proxy (TCP only)."""
        kw = {k: v for k, v in base.items() if k != "unix_socket"}
        kw.update(host=self.host, port=self.port)
        return kw

    def link(self, index, timeout=10.0) -> Link:
        """The ``index``-th accepted connection, waiting for it if needed."""
        end = time.monotonic() + timeout
        with self._cond:
            while len(self.links) <= index:
                left = end - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"proxy: no connection #{index} after {timeout} s")
                self._cond.wait(left)
            return self.links[index]

    @property
    def accepted(self):
        return len(self.links)

    def set_all(self, **settings):
        """Apply ``up_x=...`` / ``down_x=...`` settings to the defaults and every live link."""
        targets = [self.defaults] + list(self.links)
        for key, value in settings.items():
            side, name = key.split("_", 1)
            for t in targets:
                setattr(getattr(t, side), name, value)

    def _accept_loop(self):
        while not self._stopped.is_set():
            try:
                r, _, _ = select.select([self._listener], [], [], SLICE)
                if not r:
                    continue
                client, _ = self._listener.accept()
            except OSError:
                if self._stopped.is_set():
                    return
                continue
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._cond:
                index = len(self.links)
                if index >= self.max_links:
                    _rst_close(client)
                    continue
                faults = copy.deepcopy(self.plan.get(index, self.defaults))
                faults.up.count = faults.down.count = 0
                link = Link(self, index, client, faults)
                self.links.append(link)
                self._cond.notify_all()
            link.start()

    def close(self):
        if self._stopped.is_set():
            return
        self._stopped.set()
        self._watchdog.cancel()
        try:
            self._listener.close()
        except OSError:
            pass
        for link in list(self.links):
            link.close()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=2)
        for link in list(self.links):
            for t in link._threads:
                if t is not threading.current_thread():
                    t.join(timeout=2)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
