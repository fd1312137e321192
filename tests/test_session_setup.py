"""connect()'s autocommit setting waits for the first command and goes out just ahead
of it (``Conn::defer_autocommit``): a connection that is opened and closed sends
nothing for it, and the first statement sees autocommit as connect() left it.
Packets are read from the general log of a private server. Everything not marked
``unshaken_only`` also passes with mysqlclient 2.3.2, where the SET goes out at
connect instead."""

import time

import pytest
from general_log import commands, packets

SET_OFF = b"SET autocommit=0"


@pytest.fixture(scope="module")
def server_kwargs(logged_server):
    """Every test of this module (and conftest's ``connect``) uses the logged server."""
    return logged_server.connect_kwargs()


def one(conn, sql):
    cur = conn.cursor()
    cur.execute(sql)
    return cur.fetchone()[0]


@pytest.mark.unshaken_only
def test_connect_and_close_send_no_setup(connect, spy):
    conn = connect()
    thread_id = conn.thread_id()
    assert conn.get_autocommit() is False  # as it will be, though nothing went out yet
    conn.close()
    deadline = time.monotonic() + 5
    # The Quit is logged once the server has read it: wait for it, not a fixed time.
    while (kinds := [kind for kind, _ in commands(thread_id, spy)])[-1:] != ["Quit"]:
        assert time.monotonic() < deadline, kinds
        time.sleep(0.02)
    assert kinds == ["Connect", "Quit"]


@pytest.mark.parametrize("first", [
    "SELECT @@autocommit", "ping", "commit", "select_db", "executemany UPDATE",
])
def test_the_first_command_runs_with_autocommit_off(connect, spy, first):
    conn = connect()
    cur = conn.cursor()
    if first == "ping":
        conn.ping()
    elif first == "commit":
        conn.commit()
    elif first == "select_db":
        conn.select_db(conn.db if isinstance(conn.db, str) else "test")
    elif first == "executemany UPDATE":  # the bulk path prepares first
        cur.executemany("UPDATE mysql.db SET Host = Host WHERE 1 = %s", [(0,), (0,)])
    else:
        cur.execute(first)
        assert cur.fetchone() == (0,)
    assert conn.get_autocommit() is False
    assert one(conn, "SELECT @@autocommit") == 0
    assert packets(conn, spy).count(SET_OFF) == 1


def test_a_transaction_is_not_committed_by_closing(connect):
    conn = connect()
    cur = conn.cursor()
    cur.execute("CREATE TEMPORARY TABLE t (id INT) ENGINE=InnoDB")
    cur.execute("INSERT INTO t VALUES (1)")
    conn.rollback()
    cur.execute("SELECT COUNT(*) FROM t")
    assert cur.fetchone() == (0,), "autocommit was off for the first statements"


def test_the_first_statement_failing_leaves_the_setup_made(connect):
    conn = connect()
    cur = conn.cursor()
    with pytest.raises(conn.ProgrammingError) as err:
        cur.execute("SELECT * FROM no_such_table_here")
    assert err.value.args[0] == 1146
    assert one(conn, "SELECT @@autocommit") == 0


@pytest.mark.unshaken_only
def test_autocommit_chosen_before_the_first_command_sends_one_setting(connect, spy):
    conn = connect()
    conn.autocommit(True)  # the server's default: the deferred SET is dropped
    assert conn.get_autocommit() is True
    assert one(conn, "SELECT @@autocommit") == 1
    conn.autocommit(False)  # a session with a command behind it: a round trip of its own
    assert packets(conn, spy) == [b"SELECT @@autocommit", SET_OFF]
    assert one(conn, "SELECT @@autocommit") == 0


@pytest.mark.parametrize("autocommit", [True, None])
def test_autocommit_on_or_left_sends_nothing(connect, spy, autocommit):
    conn = connect(autocommit=autocommit)
    assert one(conn, "SELECT @@autocommit") == 1
    assert b"SET autocommit=1" not in packets(conn, spy)
    assert SET_OFF not in packets(conn, spy)


@pytest.mark.parametrize("reset", [
    pytest.param("reset_connection", marks=pytest.mark.unshaken_only),  # not in MySQLdb
    "change_user",
])
def test_a_reset_first_leaves_the_servers_default(connect, server_kwargs, reset):
    conn = connect()
    if reset == "reset_connection":
        conn.reset_connection()
    else:
        conn.change_user(server_kwargs["user"], server_kwargs.get("password", ""))
    assert conn.get_autocommit() is True
    assert one(conn, "SELECT @@autocommit") == 1


def test_compressed_and_over_tls(driver, tls_server_kwargs):
    for kwargs in ({**tls_server_kwargs, "compress": True}, tls_server_kwargs):
        conn = driver.connect(**kwargs)
        try:
            assert one(conn, "SELECT @@autocommit") == 0
            assert one(conn, "SELECT 2") == 2
        finally:
            conn.close()


def test_a_subclass_autocommit_is_called(driver, server_kwargs):
    calls = []

    class Recording(driver.connections.Connection):
        def autocommit(self, on):
            calls.append(on)
            super().autocommit(on)

    conn = Recording(**server_kwargs)
    try:
        assert calls == [False]
        assert one(conn, "SELECT @@autocommit") == 0
    finally:
        conn.close()
