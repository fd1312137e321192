"""Real components for the failover tests: HAProxy (TCP round robin, foreground, a
generated config, a loopback port) in front of throwaway servers, and a Galera
cluster of throwaway nodes.

HAProxy runs without health checks (a TCP check that never logs in counts against
the server's max_connect_errors): a connection to a dead backend is refused, and
``option redispatch 1`` with ``retries`` sends it to the next server instead, so
clients only see live backends. Everything is bounded and stopped by pid.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from unshaken.testing import TemporaryServer

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"

CONFIG = """\
global
    maxconn 200
defaults
    mode tcp
    timeout connect 1s
    timeout client 60s
    timeout server 60s
    retries 2
    option redispatch 1
frontend mysql
    bind 127.0.0.1:{port}
    default_backend nodes
backend nodes
    balance roundrobin
{servers}
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HAProxy:
    """``with HAProxy([(host, port), ...]) as proxy: connect(host=proxy.host, port=proxy.port)``"""

    def __init__(self, backends, startup_timeout=10.0):
        self.backends = list(backends)
        self.startup_timeout = startup_timeout
        self.host, self.port = "127.0.0.1", 0
        self._proc = None
        self._dir = None

    def start(self):
        self._dir = tempfile.mkdtemp(prefix="unshaken-haproxy-")
        self.port = free_port()
        servers = "\n".join(f"    server s{i} {h}:{p}" for i, (h, p) in enumerate(self.backends))
        path = os.path.join(self._dir, "haproxy.cfg")
        with open(path, "w") as f:
            f.write(CONFIG.format(port=self.port, servers=servers))
        log = open(os.path.join(self._dir, "haproxy.log"), "wb")  # noqa: SIM115 -- the process owns it
        # -db: foreground, no daemon, so the pid is the proxy's own.
        self._proc = subprocess.Popen([HAPROXY, "-db", "-f", path], stdin=subprocess.DEVNULL,
                                      stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        log.close()
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"haproxy exited with {self._proc.returncode}: {self.log()}")
            try:
                socket.create_connection((self.host, self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"haproxy not listening after {self.startup_timeout} s")

    def log(self):
        with open(os.path.join(self._dir, "haproxy.log"), errors="replace") as f:
            return f.read()[-2000:]

    def stop(self):
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


GALERA_PROVIDER = "/usr/lib/libgalera_smm.so"


class GaleraCluster:
    """``with GaleraCluster(3) as cluster:`` a real Galera cluster of throwaway nodes
    (``cluster.nodes``, TemporaryServers sharing one root password) on loopback ports.

    The first node bootstraps the cluster; each other one joins in turn, gets a
    mysqldump state transfer (rsync's daemon runs as nobody and cannot enter the
    0700 data dir) and is waited for until Synced. Everything is bounded: start()
    raises after ``timeout`` seconds, and each node is stopped by its own pid.
    """

    def __init__(self, size=3, timeout=60.0):
        self.size = size
        self.timeout = timeout
        self.password = secrets.token_hex(12)
        self.nodes = []
        self._ports = []  # (mysql, gcomm, ist) of each node, kept for a rejoin

    def _node(self, i, bootstrap):
        port, gport, ist_port = self._ports[i]
        gcomm_ports = [p[1] for p in self._ports]
        cluster = ",".join(f"127.0.0.1:{p}" for p in gcomm_ports)
        args = [
            "--wsrep-on=ON", f"--wsrep-provider={GALERA_PROVIDER}",
            "--wsrep-cluster-name=unshaken", f"--wsrep-node-name=n{i}",
            f"--wsrep-cluster-address=gcomm://{cluster}",
            f"--wsrep-node-address=127.0.0.1:{gport}",
            "--wsrep-provider-options=" + ";".join((
                f"gmcast.listen_addr=tcp://127.0.0.1:{gport}",
                f"ist.recv_addr=127.0.0.1:{ist_port}", "gcache.size=16M",
                # A killed node is evicted after ~2 s, not 5: the others' writes
                # wait for the view change.
                "evs.keepalive_period=PT0.5S", "evs.suspect_timeout=PT2S")),
            # The donor logs in to the joiner with these to load its dump.
            "--wsrep-sst-method=mysqldump", f"--wsrep-sst-auth=root:{self.password}",
            f"--wsrep-sst-receive-address=127.0.0.1:{port}",
            # What Galera requires, and small buffers.
            "--binlog-format=ROW", "--default-storage-engine=InnoDB",
            "--innodb-autoinc-lock-mode=2", "--innodb-buffer-pool-size=32M", "--skip-log-bin",
            # HAProxy's refused retries must never get a loopback client blocked.
            "--max-connect-errors=1000000",
        ]
        if bootstrap:
            args.append("--wsrep-new-cluster")
        return TemporaryServer(args, password=self.password, port=port,
                               startup_timeout=self.timeout)

    def start(self):
        deadline = time.monotonic() + self.timeout
        self._ports = [(free_port(), free_port(), free_port()) for _ in range(self.size)]
        try:
            for i in range(self.size):
                node = self._node(i, bootstrap=i == 0)
                self.nodes.append(node)
                node.start()
                self.wait_synced(node, i + 1, deadline)
        except BaseException:
            self.stop()
            raise
        return self

    def rejoin(self, i):
        """A fresh node in place of dead node ``i`` (same ports), Synced with the
        others in a cluster of full size again."""
        self.nodes[i].stop()
        self.nodes[i] = self._node(i, bootstrap=False)
        self.nodes[i].start()
        self.wait_synced(self.nodes[i], self.size, time.monotonic() + self.timeout)

    def status(self, node):
        """wsrep_* status variables of one node, names without the prefix."""
        conn = node.connect(database=None, connect_timeout=2, query_timeout=2)
        try:
            cur = conn.cursor()
            cur.execute("SHOW GLOBAL STATUS LIKE 'wsrep%'")
            return {k[len("wsrep_"):]: v for k, v in cur.fetchall()}
        finally:
            conn.close()

    def wait_synced(self, node, size, deadline):
        """Until the node is Synced in a primary component of ``size`` nodes."""
        last = None
        while time.monotonic() < deadline:
            try:
                st = self.status(node)
                last = {k: st.get(k) for k in ("local_state_comment", "cluster_size", "ready")}
                if (st.get("local_state_comment") == "Synced" and st.get("ready") == "ON"
                        and st.get("cluster_size") == str(size)):
                    return
            except Exception as e:  # noqa: BLE001 -- a joiner refuses logins during SST
                last = repr(e)
            if not node.running:
                raise RuntimeError(f"galera node exited: {node.log_path}")
            time.sleep(0.2)
        raise RuntimeError(f"galera node {node.port} not Synced in a cluster of {size}: {last}")

    def _set_cluster_address(self, node, address):
        conn = node.connect(database=None, connect_timeout=2, query_timeout=10)
        try:
            conn.cursor().execute(f"SET GLOBAL wsrep_cluster_address='{address}'")
        finally:
            conn.close()

    def cut_off(self, node):
        """The node leaves the cluster but keeps running: wsrep_ready=OFF, non-primary."""
        self._set_cluster_address(node, "")

    def reconnect(self, node):
        """Back into the cluster (an incremental state transfer), until Synced."""
        gcomm = ",".join(f"127.0.0.1:{p[1]}" for p in self._ports)
        self._set_cluster_address(node, f"gcomm://{gcomm}")
        self.wait_synced(node, self.size, time.monotonic() + self.timeout)

    def host_list(self, nodes=None):
        return ",".join(f"{n.host}:{n.port}" for n in (nodes or self.nodes))

    def kill(self, node):
        """SIGKILL by pid: the node dies without a goodbye to clients or the cluster."""
        os.kill(node.pid, signal.SIGKILL)
        node.stop()

    def stop(self):
        for node in reversed(self.nodes):
            node.stop()
        self.nodes = []

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
