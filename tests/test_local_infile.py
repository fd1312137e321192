"""LOAD DATA LOCAL INFILE: off by default, on with local_infile=True, confined by
local_infile_dir, and never a file the statement did not name (a scripted fake server
plays the malicious-server file-read attack, which no real server here will)."""

import os
import socket
import struct
import threading
import time

import pytest

pytestmark = pytest.mark.unshaken_only

REFUSED = 2068  # CR_LOAD_DATA_LOCAL_INFILE_REJECTED


@pytest.fixture
def data_file(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("1,alpha\n2,beta\n3,gamma\n")
    return path


def load(conn, path, table="infile_t"):
    cur = conn.cursor()
    cur.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {table} (id INT, name VARCHAR(20))")
    cur.execute(
        f"LOAD DATA LOCAL INFILE %s INTO TABLE {table} FIELDS TERMINATED BY ','", (str(path),)
    )
    n = cur.rowcount
    cur.execute(f"SELECT id, name FROM {table} ORDER BY id")
    return n, cur.fetchall()


def test_enabled_loads_the_named_file(connect, data_file):
    n, rows = load(connect(local_infile=True), data_file)
    assert n == 3
    assert rows == ((1, "alpha"), (2, "beta"), (3, "gamma"))


def test_off_by_default(driver, connect, data_file):
    with pytest.raises(driver.Error) as e:
        load(connect(), data_file)
    # The server refuses the statement itself: the client never offered the capability.
    assert e.value.args[0] in (1148, 4166)


def test_confined_to_local_infile_dir(driver, connect, data_file, tmp_path_factory):
    inside = connect(local_infile_dir=str(data_file.parent))
    assert load(inside, data_file)[0] == 3

    elsewhere = tmp_path_factory.mktemp("elsewhere")
    with pytest.raises(driver.OperationalError) as e:
        load(connect(local_infile_dir=str(elsewhere)), data_file)
    assert e.value.args[0] == REFUSED
    assert "outside local_infile_dir" in e.value.args[1]



@pytest.fixture
def confined(tmp_path_factory):
    """(inside, outside): local_infile_dir and a directory beside it with a file."""
    inside, outside = tmp_path_factory.mktemp("inside"), tmp_path_factory.mktemp("outside")
    (outside / "secret.csv").write_text("7,secret\n")
    return inside, outside


def test_symlink_to_a_file_outside_local_infile_dir_is_refused(driver, connect, confined):
    inside, outside = confined
    os.symlink(outside / "secret.csv", inside / "link.csv")
    conn = connect(local_infile_dir=str(inside))
    with pytest.raises(driver.OperationalError) as e:
        load(conn, inside / "link.csv")
    assert e.value.args[0] == REFUSED
    assert "symbolic link" in e.value.args[1]
    assert_usable(conn)


def test_symlinked_directory_pointing_outside_is_refused(driver, connect, confined):
    # O_NOFOLLOW sees only the last component; the opened file's real path is what
    # gives this one away.
    inside, outside = confined
    os.symlink(outside, inside / "sub")
    conn = connect(local_infile_dir=str(inside))
    with pytest.raises(driver.OperationalError) as e:
        load(conn, inside / "sub" / "secret.csv")
    assert e.value.args[0] == REFUSED
    assert "outside local_infile_dir" in e.value.args[1]
    assert_usable(conn)
    # A real file in a real subdirectory still loads.
    (inside / "real").mkdir()
    (inside / "real" / "ok.csv").write_text("8,fine\n")
    assert load(conn, inside / "real" / "ok.csv", "infile_ok") == (1, ((8, "fine"),))


@pytest.mark.parametrize("confine", [False, True], ids=["local_infile", "local_infile_dir"])
def test_fifo_is_refused_at_once(driver, connect, tmp_path, confine):
    fifo = tmp_path / "rows.fifo"
    os.mkfifo(fifo)
    conn = connect(local_infile_dir=str(tmp_path)) if confine else connect(local_infile=True)
    # Should opening the FIFO block (no writer ever comes), unblock it after 5 s so
    # the test fails instead of hanging.
    rescue = threading.Timer(5, lambda: os.close(os.open(fifo, os.O_WRONLY)))
    rescue.start()
    t0 = time.monotonic()
    try:
        with pytest.raises(driver.OperationalError) as e:
            load(conn, fifo)
    finally:
        rescue.cancel()
    assert time.monotonic() - t0 < 1.0
    assert e.value.args[0] == REFUSED
    assert "not a regular file" in e.value.args[1]
    assert_usable(conn)


def test_directory_and_device_are_refused(driver, connect, tmp_path):
    conn = connect(local_infile=True)
    for path in (tmp_path, "/dev/zero"):
        with pytest.raises(driver.OperationalError) as e:
            load(conn, path)
        assert e.value.args[0] == REFUSED
        assert "not a regular file" in e.value.args[1]
    assert_usable(conn)


def assert_usable(conn):
    cur = conn.cursor()
    cur.execute("SELECT 5")
    assert cur.fetchone() == (5,)


def test_missing_file_is_reported_and_connection_survives(driver, connect, tmp_path):
    conn = connect(local_infile=True)
    with pytest.raises(driver.OperationalError) as e:
        load(conn, tmp_path / "missing.csv")
    assert e.value.args[0] == REFUSED
    cur = conn.cursor()
    cur.execute("SELECT 5")
    assert cur.fetchone() == (5,)


# -- the malicious server ---------------------------------------------------------------


def _packet(seq, payload):
    return struct.pack("<I", len(payload))[:3] + bytes([seq]) + payload


def _read_packet(sock):
    head = b""
    while len(head) < 4:
        chunk = sock.recv(4 - len(head))
        if not chunk:
            raise EOFError
        head += chunk
    n = int.from_bytes(head[:3], "little")
    body = b""
    while len(body) < n:
        chunk = sock.recv(n - len(body))
        if not chunk:
            raise EOFError
        body += chunk
    return head[3], body


OK = b"\x00\x00\x00\x02\x00\x00\x00"


def _greeting():
    caps = 0x200 | 0x8000 | 0x80000 | 0x80 | 0x2000 | 0x20000 | 0x10000 | 0x1
    nonce = b"abcdefgh" + b"ijklmnopqrst"
    return (
        b"\x0a" + b"5.5.5-10.11.0-fake\x00" + struct.pack("<I", 7) + nonce[:8] + b"\x00"
        + struct.pack("<H", caps & 0xFFFF) + b"\x2d" + struct.pack("<H", 2)
        + struct.pack("<H", caps >> 16) + bytes([21]) + b"\x00" * 10
        + nonce[8:] + b"\x00" + b"mysql_native_password\x00"
    )


class FileThief:
    """Accepts one connection, logs in anyone, and answers the first query with a
    LOCAL INFILE request for `wanted`; records what the client sends back."""

    def __init__(self, wanted):
        self.wanted = wanted
        self.received = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(10)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        conn, _ = self.listener.accept()
        conn.settimeout(10)
        with conn:
            conn.sendall(_packet(0, _greeting()))
            seq, _ = _read_packet(conn)  # the login
            conn.sendall(_packet(seq + 1, OK))
            seq, query = _read_packet(conn)
            self.query = query
            conn.sendall(_packet(seq + 1, b"\xfb" + self.wanted))
            while True:
                seq, data = _read_packet(conn)
                self.received.append(data)
                if not data:
                    break
            conn.sendall(_packet(seq + 1, OK))
            try:
                _read_packet(conn)  # COM_QUIT, or EOF
            except (EOFError, OSError):
                pass
        self.listener.close()


@pytest.mark.parametrize("local_infile", [False, True])
def test_file_not_named_by_the_statement_is_never_sent(local_infile, tmp_path):
    import unshaken

    secret = tmp_path / "secret.txt"
    secret.write_text("do not send me")
    thief = FileThief(str(secret).encode())
    conn = unshaken.connect(host="127.0.0.1", port=thief.port, user="x", ssl_mode="DISABLED",
                            local_infile=local_infile, autocommit=None)
    with pytest.raises(unshaken.OperationalError) as e:
        conn.cursor().execute("SELECT 1")
    conn.close()  # the thief waits for our COM_QUIT (or EOF) before it finishes
    thief.thread.join(10)
    assert not thief.thread.is_alive()
    assert thief.received == [b""], "the client sent file data it was never asked to load"
    assert e.value.args[0] == REFUSED
    assert str(secret) in e.value.args[1]
