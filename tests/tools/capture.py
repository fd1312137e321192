#!/usr/bin/env python3
"""Capture real MariaDB/MySQL packets for the proto/ unit tests.

Stdlib only. Connects to a server (default 127.0.0.1:3306, root, empty password,
database `test`), runs a few sessions and prints one line per packet:

    <session> <direction> <seq> <label> <payload hex>

direction is `S` (server -> client) or `C` (client -> server). The output is
meant for tests/fixtures/mariadb-10.11.txt.

usage: capture.py [host] [port] > tests/fixtures/mariadb-10.11.txt
"""
import hashlib
import socket
import struct
import sys

HOST = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 3306

LONG_PASSWORD = 1
LONG_FLAG = 1 << 2
CONNECT_WITH_DB = 1 << 3
PROTOCOL_41 = 1 << 9
TRANSACTIONS = 1 << 13
SECURE_CONNECTION = 1 << 15
MULTI_STATEMENTS = 1 << 16
MULTI_RESULTS = 1 << 17
PS_MULTI_RESULTS = 1 << 18
PLUGIN_AUTH = 1 << 19
CONNECT_ATTRS = 1 << 20
PLUGIN_AUTH_LENENC = 1 << 21
SESSION_TRACK = 1 << 23
DEPRECATE_EOF = 1 << 24

# What the Rust Handshake asks for (keep in sync with BASE_CAPABILITIES in
# src/proto/session/handshake.rs; DEPRECATE_EOF is added per session below).
BASE = (LONG_PASSWORD | LONG_FLAG | PROTOCOL_41 | TRANSACTIONS | SECURE_CONNECTION
        | MULTI_STATEMENTS | MULTI_RESULTS | PS_MULTI_RESULTS | PLUGIN_AUTH
        | PLUGIN_AUTH_LENENC | CONNECT_ATTRS)

ATTRS = [("_client_name", "unshaken-capture"), ("_pid", "1")]


def lenenc(n):
    if n < 251:
        return bytes([n])
    if n < 1 << 16:
        return b"\xfc" + struct.pack("<H", n)
    if n < 1 << 24:
        return b"\xfd" + struct.pack("<I", n)[:3]
    return b"\xfe" + struct.pack("<Q", n)


def scramble(password, nonce):
    if not password:
        return b""
    h1 = hashlib.sha1(password).digest()
    h2 = hashlib.sha1(h1).digest()
    h3 = hashlib.sha1(nonce[:20] + h2).digest()
    return bytes(a ^ b for a, b in zip(h1, h3))


class Conn:
    def __init__(self, session):
        self.session = session
        self.sock = socket.create_connection((HOST, PORT))
        self.buf = b""
        self.seq = 0

    def _recv_exact(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("server closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read(self, label):
        head = self._recv_exact(4)
        length = head[0] | head[1] << 8 | head[2] << 16
        seq = head[3]
        payload = self._recv_exact(length)
        self.seq = (seq + 1) & 0xFF
        if callable(label):
            label = label(payload)
        print(f"{self.session} S {seq} {label} {payload.hex()}")
        return payload

    def write(self, label, payload):
        print(f"{self.session} C {self.seq} {label} {payload.hex()}")
        self.sock.sendall(struct.pack("<I", len(payload))[:3] + bytes([self.seq]) + payload)
        self.seq = (self.seq + 1) & 0xFF


def parse_greeting(p):
    pos = p.index(b"\0", 1) + 1
    pos += 4  # connection id
    nonce1 = p[pos:pos + 8]
    pos += 9
    caps = struct.unpack_from("<H", p, pos)[0]
    pos += 2 + 1 + 2
    caps |= struct.unpack_from("<H", p, pos)[0] << 16
    pos += 2
    data_len = p[pos]
    pos += 1 + 10
    n2 = max(13, data_len - 8)
    nonce2 = p[pos:pos + n2].rstrip(b"\0")
    pos += n2
    plugin = p[pos:].split(b"\0")[0]
    return caps, nonce1 + nonce2, plugin


def handshake(c, wanted, user=b"root", password=b"", db=b"test", plugin=None, label="ok"):
    greeting = c.read("greeting")
    caps_srv, nonce, srv_plugin = parse_greeting(greeting)
    caps = wanted & caps_srv
    if db is not None:
        caps |= CONNECT_WITH_DB & caps_srv
    plugin = srv_plugin if plugin is None else plugin
    auth = scramble(password, nonce) if plugin == b"mysql_native_password" else b""
    r = struct.pack("<IIB", caps, 16 * 1024 * 1024, 45) + b"\0" * 23
    r += user + b"\0"
    r += lenenc(len(auth)) + auth
    if caps & CONNECT_WITH_DB:
        r += db + b"\0"
    r += plugin + b"\0"
    if caps & CONNECT_ATTRS:
        kv = b"".join(lenenc(len(k)) + k.encode() + lenenc(len(v)) + v.encode() for k, v in ATTRS)
        r += lenenc(len(kv)) + kv
    c.write("response", r)
    p = c.read(lambda p: "switch" if p[:1] == b"\xfe" else label)
    if p[0] == 0xFE:  # auth switch request
        _name, _, data = p[1:].partition(b"\0")
        c.write("switch_response", scramble(password, data.rstrip(b"\0")))
        p = c.read(label)
    return caps, p


def query(c, label, sql, caps):
    c.seq = 0
    c.write(label + "_query", b"\x03" + sql.encode())
    head = c.read(label + "_head")
    if head[0] in (0x00, 0xFF):
        return
    ncols = head[0]  # small column counts only
    for i in range(ncols):
        c.read(f"{label}_col{i}")
    if not caps & DEPRECATE_EOF:
        c.read(label + "_coleof")
    n = 0
    while True:
        p = c.read(f"{label}_row{n}")
        if p[0] in (0xFE, 0xFF) and len(p) < 0xFFFFFF:
            break
        n += 1


def main():
    # a: what the driver negotiates (DEPRECATE_EOF, no SESSION_TRACK)
    c = Conn("a")
    caps, _ = handshake(c, BASE | DEPRECATE_EOF)
    query(c, "select1", "SELECT 1", caps)
    query(c, "types", "SELECT 1 AS i, 'abc' AS s, NULL AS n, 3.14 AS d, "
          "CAST('2024-01-02 03:04:05' AS DATETIME) AS dt, x'00ff' AS b", caps)
    query(c, "create", "CREATE TEMPORARY TABLE t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(10))", caps)
    query(c, "insert", "INSERT INTO t (v) VALUES ('x'), ('y'), ('z')", caps)
    query(c, "error", "SELECT * FROM no_such_table", caps)
    query(c, "warn", "SELECT 'a' + 1", caps)
    query(c, "warnings", "SHOW WARNINGS", caps)
    c.sock.close()

    # b: without DEPRECATE_EOF (classic EOF packets)
    c = Conn("b")
    caps, _ = handshake(c, BASE)
    query(c, "select1", "SELECT 1", caps)
    c.sock.close()

    # c: with SESSION_TRACK (OK packets carry session state)
    c = Conn("c")
    caps, _ = handshake(c, BASE | DEPRECATE_EOF | SESSION_TRACK)
    query(c, "use", "USE mysql", caps)
    query(c, "set", "SET autocommit=0", caps)
    c.sock.close()

    # d: ask for a plugin the account does not use -> auth switch request
    c = Conn("d")
    handshake(c, BASE | DEPRECATE_EOF, plugin=b"caching_sha2_password")
    c.sock.close()

    # e: unknown database -> ERR during the handshake
    c = Conn("e")
    handshake(c, BASE | DEPRECATE_EOF, db=b"no_such_db_unshaken", label="err")
    c.sock.close()


if __name__ == "__main__":
    main()
