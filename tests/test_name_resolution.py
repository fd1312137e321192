"""Name resolution under connect_timeout and Ctrl-C, with a DNS server that never
answers. The client runs in a subprocess in a private mount namespace
(``unshare -m``) whose /etc/resolv.conf points at a UDP socket on 127.x that
receives queries and never replies; the machine's own resolv.conf is untouched."""

from __future__ import annotations

import json
import random
import socket
import subprocess
import sys
import threading

import pytest

pytestmark = pytest.mark.unshaken_only

HUNG_NAME = "db.unshaken-hang.test"
HOSTS_NAME = "db.unshaken-hosts.test"  # in the private /etc/hosts

CHILD = r"""
import json, os, signal, socket, sys, threading, time
import unshaken

case, port = sys.argv[1], int(sys.argv[2])
out = {}
# The setup works: the system resolver itself hangs on the name.
probe = threading.Thread(target=lambda: socket.getaddrinfo(HUNG, 3306), daemon=True)
probe.start()
probe.join(0.5)
out["resolver_hangs"] = probe.is_alive()

def attempt(host, **kw):
    t0 = time.monotonic()
    try:
        unshaken.connect(host=host, port=port, user="u", ssl_mode="DISABLED", **kw).close()
        out["result"] = "connected"
    except unshaken.Error as e:
        out["result"] = [type(e).__name__, e.args[0], str(e.args[1])]
    except KeyboardInterrupt:
        out["result"] = "KeyboardInterrupt"
    out["elapsed"] = time.monotonic() - t0

if case == "timeout":
    attempt(HUNG, connect_timeout=0.3)
elif case == "ctrl_c":
    def handler(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, 0.2)
    attempt(HUNG)  # no timeout at all: only the signal can end it
elif case == "fork":
    # Fill the cap of abandoned lookups, then fork: the child has none of those
    # threads, so it may look names up again; the parent still may not.
    for _ in range(8):
        attempt(HUNG, connect_timeout=0.05)
    attempt(HUNG, connect_timeout=0.3)
    out["parent_full"] = out["result"]
    child = os.fork()
    if child == 0:
        attempt(HUNG, connect_timeout=0.3)
        os.write(1, (json.dumps(out["result"]) + "\n").encode())
        os._exit(0)
    os.waitpid(child, 0)
    attempt(HUNG, connect_timeout=0.3)
    out["parent_after"] = out["result"]
else:  # an IP literal or a name from /etc/hosts: no DNS involved
    attempt(case, connect_timeout=3)
print(json.dumps(out), flush=True)
os._exit(0)  # the probe thread is still stuck in getaddrinfo
""".replace("HUNG", repr(HUNG_NAME))


@pytest.fixture(scope="module")
def deaf_dns(tmp_path_factory):
    """A private resolv.conf (and hosts file) naming a DNS server that reads nothing and answers nothing
    (bound, so queries get no ICMP "port unreachable" either)."""
    deaf = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(20):
        addr = f"127.53.{random.randrange(1, 255)}.{random.randrange(1, 255)}"
        try:
            deaf.bind((addr, 53))
            break
        except OSError:
            continue
    else:
        pytest.fail("no free 127.x address for the deaf DNS server")
    conf = tmp_path_factory.mktemp("dns")
    (conf / "resolv.conf").write_text(f"nameserver {addr}\noptions timeout:30 attempts:1\n")
    (conf / "hosts").write_text(f"127.0.0.1 localhost {HOSTS_NAME}\n")
    yield conf
    deaf.close()


@pytest.fixture(scope="module")
def hangup_listener():
    """Accepts on 127.0.0.1 and hangs up at once: reaching it proves the TCP connect
    happened (an early, non-timeout error) without any name lookup."""
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(8)

    def serve():
        while True:
            try:
                s, _ = lsock.accept()
            except OSError:
                return
            s.close()

    threading.Thread(target=serve, daemon=True).start()
    yield lsock.getsockname()[1]
    lsock.close()


def run_child(conf, case, port):
    script = ('mount --bind "$0/resolv.conf" /etc/resolv.conf'
              ' && mount --bind "$0/hosts" /etc/hosts && exec "$@"')
    out = subprocess.run(
        ["unshare", "-m", "sh", "-c", script, str(conf), sys.executable, "-c", CHILD, case,
         str(port)],
        check=False, capture_output=True, text=True, timeout=10)
    assert out.returncode == 0, out.stderr
    *forked, last = out.stdout.splitlines()
    result = json.loads(last)
    if forked:
        result["forked_child"] = json.loads(forked[0])
    return result


def test_hung_dns_is_bounded_by_connect_timeout(deaf_dns, hangup_listener):
    r = run_child(deaf_dns, "timeout", hangup_listener)
    assert r["resolver_hangs"], r
    assert r["result"][:2] == ["OperationalError", 2003], r
    assert "timed out" in r["result"][2], r
    assert 0.3 <= r["elapsed"] < 0.3 + 0.2, r


def test_ctrl_c_interrupts_a_hung_dns_lookup(deaf_dns, hangup_listener):
    r = run_child(deaf_dns, "ctrl_c", hangup_listener)
    assert r["resolver_hangs"], r
    assert r["result"] == "KeyboardInterrupt", r
    assert 0.2 <= r["elapsed"] < 0.2 + 0.2, r


@pytest.mark.parametrize("host", ["127.0.0.1", HOSTS_NAME])
def test_ip_literal_and_hosts_file_names_need_no_dns(deaf_dns, hangup_listener, host):
    r = run_child(deaf_dns, host, hangup_listener)
    assert r["resolver_hangs"], r
    # The listener hung up on us: lost during the handshake, not a timeout.
    assert r["result"][:2] == ["OperationalError", 2013], r
    assert r["elapsed"] < 0.5, r


def test_a_forked_child_does_not_inherit_abandoned_lookups(deaf_dns, hangup_listener):
    r = run_child(deaf_dns, "fork", hangup_listener)
    assert r["resolver_hangs"], r
    never = "earlier name lookups never finished"
    assert never in r["parent_full"][2], r
    assert never in r["parent_after"][2], r
    # The child's own lookup ran, and timed out like any other.
    assert r["forked_child"][:2] == ["OperationalError", 2003], r
    assert "timed out" in r["forked_child"][2], r
