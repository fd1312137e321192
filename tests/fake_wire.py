"""Scripted MySQL servers for what no real server here sends: the wire pieces (packets,
a greeting, column definitions, result sets, the accept loop) and ``FakeServer``, which
logs anyone in, answers every statement with OK, and the statements ``results`` names
with a result set of its own (MySQL's JSON type with the binary charset, the ENUM and SET
type codes, ...). test_faults builds its hostile server from the same pieces."""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading

OK = b"\x00\x00\x00\x02\x00\x00\x00"  # 0 rows, no insert id, AUTOCOMMIT, no warnings
EOF = b"\xfe\x00\x00\x02\x00"


def packet(seq: int, payload: bytes) -> bytes:
    return struct.pack("<I", len(payload))[:3] + bytes([seq & 0xFF]) + payload


def lenenc(b: bytes) -> bytes:
    assert len(b) < 251
    return bytes([len(b)]) + b


# LONG_PASSWORD LONG_FLAG PROTOCOL_41 TRANSACTIONS SECURE_CONNECTION MULTI_STATEMENTS
# MULTI_RESULTS PLUGIN_AUTH PLUGIN_AUTH_LENENC_DATA; no DEPRECATE_EOF: EOF packets.
CAPS = 0x1 | 0x4 | 0x200 | 0x2000 | 0x8000 | 0x10000 | 0x20000 | 0x80000 | 0x200000


def greeting(caps: int = CAPS, version: bytes = b"5.5.5-10.11.0-Fake") -> bytes:
    nonce = b"abcdefghijklmnopqrst"
    return (b"\x0a" + version + b"\x00" + struct.pack("<I", 7) + nonce[:8] + b"\x00"
            + struct.pack("<H", caps & 0xFFFF) + b"\x2d" + struct.pack("<H", 2)
            + struct.pack("<H", caps >> 16) + bytes([21]) + b"\x00" * 10 + nonce[8:] + b"\x00"
            + b"mysql_native_password\x00")


def column(name: bytes, column_type: int, charset: int, length: int, flags: int = 0,
           decimals: int = 0) -> bytes:
    return (lenenc(b"def") + lenenc(b"") + lenenc(b"t") + lenenc(b"t") + lenenc(name)
            + lenenc(name) + b"\x0c"
            + struct.pack("<HIBHB", charset, length, column_type, flags, decimals) + b"\x00\x00")


def result_set(columns: list[bytes], rows: list[list[bytes | None]]) -> bytes:
    out = [bytes([len(columns)]), *columns, EOF]
    out += [b"".join(b"\xfb" if v is None else lenenc(v) for v in row) for row in rows]
    out.append(EOF)
    return b"".join(packet(seq, p) for seq, p in enumerate(out, start=1))


def recv_packet(s: socket.socket) -> tuple[int, bytes] | None:
    """(sequence id, payload), or None when the peer is gone or silent for 5 s."""
    head = recv_exact(s, 4)
    if head is None:
        return None
    body = recv_exact(s, head[0] | head[1] << 8 | head[2] << 16)
    return None if body is None else (head[3], body)


def recv_exact(s: socket.socket, n: int, timeout: float = 5) -> bytes | None:
    """``n`` bytes, or None when the peer is gone or silent for ``timeout`` s."""
    buf = b""
    while len(buf) < n:
        r, _, _ = select.select([s], [], [], timeout)
        chunk = s.recv(n - len(buf)) if r else b""
        if not chunk:
            return None
        buf += chunk
    return buf


def accept_loop(sock: socket.socket, stop: threading.Event, session) -> None:
    """Serve one connection at a time with ``session(s)`` until ``stop`` is set."""
    while not stop.is_set():
        r, _, _ = select.select([sock], [], [], 0.05)
        if not r:
            continue
        try:
            s, _ = sock.accept()
        except OSError:
            return
        with s, contextlib.suppress(OSError):
            session(s)


class FakeServer:
    """``results``: {marker bytes: reply bytes}; a COM_QUERY whose text holds a marker
    gets that reply, any other statement OK."""

    def __init__(self, results: dict[bytes, bytes]) -> None:
        self.results = results
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=accept_loop, args=(self.sock, self._stop, self._session), daemon=True)
        self._thread.start()

    def _session(self, s: socket.socket) -> None:
        s.sendall(packet(0, greeting()))
        if recv_packet(s) is None:
            return
        s.sendall(packet(2, OK))
        while (got := recv_packet(s)) is not None and got[1][:1] != b"\x01":  # COM_QUIT
            body = got[1]
            reply = next((r for m, r in self.results.items()
                          if body[:1] == b"\x03" and m in body), packet(1, OK))
            s.sendall(reply)

    def close(self) -> None:
        self._stop.set()
        self.sock.close()
        self._thread.join(2)
