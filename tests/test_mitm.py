"""A man in the middle never gets the password under default settings.

A scripted server plays the attacker (no real server here can): it offers TLS with a
certificate the client cannot check, or strips TLS from the greeting, then asks for
the password in whatever form it can read. Every case records what the fake server
received (after TLS, so as the attacker reads it) and asserts the password is absent
where the client must refuse, and present exactly where the user allowed it.

The RSA cases decrypt with the fixture's private key through the ``openssl`` command
(the suite needs it for its certificates anyway), the way a server would.
"""

import json
import socket
import ssl
import struct
import subprocess
import sys
import threading
import traceback
from pathlib import Path

import pytest

pytestmark = pytest.mark.unshaken_only

PASSWORD = "Mitm-target-pw-7f3q"
PW = PASSWORD.encode()
NONCE = b"ABCDEFGHIJKLMNOPQRST"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PUBLIC_PEM = (FIXTURES / "rsa_public.pem").read_bytes()

CLIENT_SSL = 0x800
CAPS = (0x1 | 0x4 | 0x8 | 0x200 | 0x2000 | 0x8000 | 0x10000 | 0x20000 | 0x40000
        | 0x80000 | 0x100000 | 0x200000 | 0x1000000)
OK = b"\x00\x00\x00\x02\x00\x00\x00"


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    from unshaken.testing import generate_certificates

    return generate_certificates(str(tmp_path_factory.mktemp("mitm-certs")))


class Peer:
    """The attacker's end of one connection: MySQL packets, TLS on demand, and a log
    of every payload the client sent (as the attacker reads it)."""

    def __init__(self, sock, certs):
        self.sock = sock
        self.certs = certs
        self.seq = 0
        self.received = []
        # How many of them belong to the login (the rest are commands, COM_QUIT...).
        self.login_packets = None
        self.tls = False

    def send(self, payload):
        head = struct.pack("<I", len(payload))[:3] + bytes([self.seq])
        self.seq = (self.seq + 1) & 0xFF
        self.sock.sendall(head + payload)

    def _exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf

    def read(self):
        """The next payload from the client, or None when it hung up."""
        try:
            head = self._exact(4)
            if head is None:
                return None
            body = self._exact(head[0] | head[1] << 8 | head[2] << 16)
        except (OSError, ssl.SSLError):
            return None
        if body is None:
            return None
        self.seq = (head[3] + 1) & 0xFF
        self.received.append(body)
        return body

    def drain(self):
        while self.read() is not None:
            pass

    def greet(self, plugin, tls=False):
        caps = CAPS | (CLIENT_SSL if tls else 0)
        self.send(b"\x0a8.0.36-fake\x00" + struct.pack("<I", 7) + NONCE[:8] + b"\x00"
                  + struct.pack("<HBHH", caps & 0xFFFF, 255, 2, caps >> 16) + bytes([21])
                  + b"\x00" * 10 + NONCE[8:] + b"\x00" + plugin.encode() + b"\x00")

    def response(self):
        """The HandshakeResponse41 (after an SSLRequest and TLS, when the client asks):
        returns its payload, or None when the client hung up instead."""
        first = self.read()
        if first is not None and len(first) == 32 and struct.unpack("<I", first[:4])[0] & CLIENT_SSL:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(self.certs["server_cert"], self.certs["server_key"])
            self.sock = ctx.wrap_socket(self.sock, server_side=True)
            self.tls = True
            return self.read()
        return first

    def switch(self, plugin, data=b""):
        self.send(b"\xfe" + plugin.encode() + b"\x00" + data)

    def more(self, data):
        self.send(b"\x01" + data)

    def serve_session(self):
        """After the login: OK to every command until the client quits."""
        self.login_packets = len(self.received)
        self.send(OK)
        while True:
            self.seq = 0
            p = self.read()
            if p is None or p[:1] == b"\x01":  # gone, or COM_QUIT
                return
            self.seq = 1
            self.send(OK)


class Attacker:
    """Listens on 127.0.0.1 and runs ``script(peer)`` for one connection."""

    def __init__(self, certs, script):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.peer = None
        self.error = None
        self.thread = threading.Thread(target=self._run, args=(certs, script), daemon=True)
        self.thread.start()

    def _run(self, certs, script):
        try:
            self.listener.settimeout(10)
            sock, _ = self.listener.accept()
            sock.settimeout(10)
            self.peer = Peer(sock, certs)
            script(self.peer)
        except Exception:  # noqa: BLE001 - reported by finish()
            self.error = traceback.format_exc()
        finally:
            if self.peer is not None:
                self.peer.sock.close()
            self.listener.close()

    def finish(self):
        self.thread.join(15)
        assert not self.thread.is_alive(), "the fake server hung"
        assert self.error is None, self.error
        return self.peer

    def heard(self, secret=PW):
        """Did anything the client sent contain ``secret``?"""
        return any(secret in p for p in self.peer.received)


def attack(certs, script, **kwargs):
    """Connect with ``kwargs`` to a fake server playing ``script``. Returns (the
    attacker, the connection or the exception)."""
    import unshaken

    mitm = Attacker(certs, script)
    args = {"host": "127.0.0.1", "port": mitm.port, "user": "app", "password": PASSWORD,
            "connect_timeout": 10}
    args.update(kwargs)
    try:
        result = unshaken.connect(**args)
    except unshaken.Error as e:
        result = e
    if not isinstance(result, Exception):
        result.close()
    mitm.finish()
    return mitm, result


def assert_refused(result, errno, *needles):
    import unshaken

    assert isinstance(result, unshaken.OperationalError), repr(result)
    assert result.args[0] == errno, result.args
    for needle in needles:
        assert needle in result.args[1], result.args
    assert PASSWORD not in str(result) and PASSWORD not in repr(result.args)


def rsa_password(ciphertext, nonce=NONCE, private_key=FIXTURES / "rsa_private.pem"):
    """The server's side of the RSA exchange: decrypt (OAEP, SHA-1) and undo the XOR;
    None when the ciphertext is not for ``private_key`` (default: the fixture's)."""
    out = subprocess.run(
        ["openssl", "pkeyutl", "-decrypt", "-inkey", str(private_key),
         "-pkeyopt", "rsa_padding_mode:oaep"],
        input=ciphertext, capture_output=True, check=False, timeout=30,
    )
    if out.returncode != 0:  # not encrypted for this key
        return None
    plain = out.stdout
    return bytes(b ^ nonce[i % len(nonce)] for i, b in enumerate(plain))


# -- 1. clear text over TLS the client did not verify ------------------------------------


def clear_switch_over_tls(peer):
    """A MITM with a certificate the client cannot check, asking for clear text."""
    peer.greet("mysql_native_password", tls=True)
    peer.response()
    assert peer.tls, "the client did not start TLS"
    peer.switch("mysql_clear_password")
    reply = peer.read()
    if reply == PW + b"\x00":
        peer.serve_session()
    else:
        peer.drain()


def test_clear_password_refused_over_unverified_tls(certs):
    for kwargs in ({}, {"ssl_mode": "PREFERRED"}, {"ssl_mode": "REQUIRED"}, {"ssl": True}):
        mitm, result = attack(certs, clear_switch_over_tls, **kwargs)
        assert mitm.peer.tls
        assert_refused(result, 2059, "mysql_clear_password", "allow_cleartext_password",
                       "VERIFY_CA")
        assert not mitm.heard(), f"{kwargs}: the password reached the attacker"


def test_clear_password_when_allowed_or_verified(certs):
    for kwargs in (
        {"allow_cleartext_password": True},
        {"enable_cleartext_plugin": True},
        {"ssl": {"ca": certs["ca"]}},  # VERIFY_CA with the server's CA
        {"ssl_mode": "VERIFY_CA", "ssl": {"ca": certs["ca"]}},
        {"ssl_mode": "VERIFY_IDENTITY", "ssl": {"ca": certs["ca"]}},
    ):
        mitm, result = attack(certs, clear_switch_over_tls, **kwargs)
        assert not isinstance(result, Exception), f"{kwargs}: {result!r}"
        assert mitm.peer.tls and mitm.heard(PW + b"\x00")


def test_strict_mode_overrides_allow_cleartext(certs):
    mitm, result = attack(certs, clear_switch_over_tls, allow_cleartext_password=True,
                          auth_requires_verified_tls=True)
    assert_refused(result, 2061, "mysql_clear_password", "auth_requires_verified_tls")
    assert not mitm.heard()


# -- 2. TLS stripped, full authentication with the attacker's RSA key ---------------------


def full_auth_plain(plugin):
    """A MITM that hides TLS and asks for full authentication; it hands over its own
    key when asked and reads the password when it can."""

    def script(peer):
        peer.greet(plugin)
        response = peer.response()
        assert not peer.tls
        if response is None:  # refused before answering
            return
        if plugin == "caching_sha2_password":
            peer.more(b"\x04")  # perform full authentication
            answer = peer.read()
        else:  # sha256_password: the answer is in the handshake response itself
            answer = _auth_response(response)
        if answer in (b"\x02", b"\x01"):  # a key request
            peer.more(PUBLIC_PEM)
            answer = peer.read()
        if answer is not None and len(answer) == 256 and rsa_password(answer) == PW + b"\x00":
            peer.serve_session()
        else:
            peer.drain()

    return script


def _auth_response(response):
    """The auth response of a HandshakeResponse41 (length-encoded, after the fixed
    head and the user name)."""
    at = response.index(b"\x00", 32) + 1
    n, at = response[at], at + 1
    if n == 0xFC:  # a 256-byte RSA answer needs a two-byte length
        n, at = struct.unpack("<H", response[at:at + 2])[0], at + 2
    return response[at:at + n]


def key_requests(mitm, plugin):
    """How often the client asked for the server's key (in its handshake response's
    auth answer, or in a later packet)."""
    want = b"\x02" if plugin == "caching_sha2_password" else b"\x01"
    received = mitm.peer.received[:mitm.peer.login_packets]
    answers = [_auth_response(p) for p in received[:1]] + received[1:]
    return sum(1 for p in answers if p == want)


PLUGINS = ["caching_sha2_password", "sha256_password"]


@pytest.mark.parametrize("plugin", PLUGINS)
def test_server_key_not_fetched_by_default(certs, plugin):
    mitm, result = attack(certs, full_auth_plain(plugin))
    assert_refused(result, 2061, plugin, "get_server_public_key=True", "server_public_key",
                   "requires secure connection")
    assert key_requests(mitm, plugin) == 0, mitm.peer.received
    assert not mitm.heard()
    # Nothing went out after the refusal but perhaps a COM_QUIT: the attacker got no
    # ciphertext to decrypt either.
    assert all(len(p) != 256 for p in mitm.peer.received)


@pytest.mark.parametrize("plugin", PLUGINS)
def test_server_key_fetched_on_request(certs, plugin):
    mitm, result = attack(certs, full_auth_plain(plugin), get_server_public_key=True)
    # Asked for, the key is fetched and used: the "server" (here the attacker, which
    # is what the option accepts) decrypts the password.
    assert not isinstance(result, Exception), repr(result)
    assert key_requests(mitm, plugin) == 1
    assert not mitm.heard()  # never in clear


@pytest.mark.parametrize("plugin", PLUGINS)
@pytest.mark.parametrize("how", ["inline", "path"])
def test_pinned_key_always_wins(certs, plugin, how, tmp_path):
    path = tmp_path / "server.pem"
    path.write_bytes(PUBLIC_PEM)
    key = {"server_public_key": PUBLIC_PEM} if how == "inline" else {
        "server_public_key_path": str(path)}
    for fetch in (False, True):
        mitm, result = attack(certs, full_auth_plain(plugin), get_server_public_key=fetch,
                              **key)
        assert not isinstance(result, Exception), repr(result)
        assert key_requests(mitm, plugin) == 0, "asked for a key though one is pinned"
        assert not mitm.heard()


def test_pinned_key_of_another_server_gives_the_attacker_nothing(certs, tmp_path):
    """A MITM whose key is not the pinned one cannot decrypt what the client sends:
    the client encrypts for the pinned key (which only the real server can read),
    never for the key the attacker offers."""
    other = tmp_path / "other_private.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                    "rsa_keygen_bits:2048", "-out", str(other)],
                   capture_output=True, check=True, timeout=60)
    other_pub = subprocess.run(["openssl", "pkey", "-in", str(other), "-pubout"],
                               capture_output=True, check=True, timeout=30).stdout
    mitm, result = attack(certs, full_auth_plain("caching_sha2_password"),
                          server_public_key=other_pub, get_server_public_key=True)
    assert isinstance(result, Exception)  # the attacker could not log it in
    assert key_requests(mitm, "caching_sha2_password") == 0
    assert not mitm.heard()
    # What the client did send: the password, for the pinned key and no other.
    answers = [p for p in mitm.peer.received if len(p) == 256]
    assert len(answers) == 1, mitm.peer.received
    assert rsa_password(answers[0], private_key=other) == PW + b"\x00"
    assert rsa_password(answers[0]) is None


# -- 3. full authentication inside unverified TLS: the residual case ----------------------


def full_auth_over_tls(peer):
    peer.greet("caching_sha2_password", tls=True)
    peer.response()
    assert peer.tls
    peer.more(b"\x04")
    answer = peer.read()
    if answer == PW + b"\x00":
        peer.serve_session()
    else:
        peer.drain()


def test_full_auth_over_unverified_tls_is_the_residual_case(certs):
    # As libmysqlclient: the password goes inside the (unverified) TLS session.
    mitm, result = attack(certs, full_auth_over_tls)
    assert not isinstance(result, Exception), repr(result)
    assert mitm.heard(PW + b"\x00")


def test_strict_mode_refuses_the_residual_case(certs):
    mitm, result = attack(certs, full_auth_over_tls, auth_requires_verified_tls=True)
    assert_refused(result, 2061, "caching_sha2_password", "auth_requires_verified_tls",
                   "VERIFY_IDENTITY")
    assert not mitm.heard()
    # With the certificate verified the strict mode sends it.
    mitm, result = attack(certs, full_auth_over_tls, auth_requires_verified_tls=True,
                          ssl={"ca": certs["ca"]})
    assert not isinstance(result, Exception), repr(result)
    assert mitm.heard(PW + b"\x00")


# -- password hygiene: repr, exceptions, logs --------------------------------------------


def access_denied(peer):
    peer.greet("mysql_native_password")
    peer.response()
    msg = b"Access denied for user 'app'@'localhost' (using password: YES)"
    peer.send(b"\xff" + struct.pack("<H", 1045) + b"#28000" + msg)
    peer.drain()


def test_password_not_in_repr_or_exceptions(certs):
    import unshaken

    mitm = Attacker(certs, lambda p: (p.greet("mysql_native_password"), p.response(),
                                      p.serve_session()))
    conn = unshaken.connect(host="127.0.0.1", port=mitm.port, user="app", password=PASSWORD)
    try:
        for shown in (repr(conn), str(conn), repr(vars(conn)), repr(conn._conn)):
            assert PASSWORD not in shown, shown
    finally:
        conn.close()
    mitm.finish()
    for script in (access_denied, clear_switch_over_tls, full_auth_plain("sha256_password")):
        _, result = attack(certs, script)
        assert isinstance(result, unshaken.OperationalError), repr(result)
        text = "".join(traceback.format_exception(result)) + repr(result.args)
        assert PASSWORD not in text, text


LOG_CHILD = r"""
import json, logging, sys, traceback
records = []
class Keep(logging.Handler):
    def emit(self, record):
        records.append(self.format(record))
handler = Keep()
handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s %(args)s"))
logging.getLogger().addHandler(handler)
logging.getLogger().setLevel(logging.DEBUG)
import unshaken
port, password = int(sys.argv[1]), sys.argv[2]
errors = []
for _ in range(2):  # an accepted login, then a refused one
    try:
        unshaken.connect(host="127.0.0.1", port=port, user="app", password=password,
                         connect_timeout=10).close()
    except unshaken.Error as e:
        errors.append("".join(traceback.format_exception(e)))
print(json.dumps({"records": records, "errors": errors}))
"""


def test_password_not_in_debug_logs(certs):
    """The ``unshaken`` logger at DEBUG, through a good login and a refused one (in a
    child process, so the logging set-up is the child's own from the start)."""

    def good_login(peer):
        peer.greet("mysql_native_password")
        peer.response()
        peer.serve_session()

    def serve_two(listener):
        for script in (good_login, access_denied):
            sock, _ = listener.accept()
            sock.settimeout(10)
            try:
                script(Peer(sock, certs))
            finally:
                sock.close()

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(2)
    listener.settimeout(20)
    server = threading.Thread(target=serve_two, args=(listener,), daemon=True)
    server.start()
    try:
        out = subprocess.run(
            [sys.executable, "-c", LOG_CHILD, str(listener.getsockname()[1]), PASSWORD],
            check=False, capture_output=True, text=True, timeout=60)
    finally:
        server.join(15)
        listener.close()
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    ours = [r for r in report["records"] if r.startswith("unshaken")]
    # The logs are there (so the check below means something): the good login and the
    # refusal are both logged by the core.
    assert any("logged in" in r for r in ours), report["records"]
    assert any("refused the login" in r for r in ours), report["records"]
    assert len(report["errors"]) == 1 and "1045" in report["errors"][0]
    for text in report["records"] + report["errors"] + [out.stderr]:
        assert PASSWORD not in text, text
