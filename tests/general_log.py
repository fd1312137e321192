"""What a session sent, read from the general log of conftest's ``logged_server``
(one row per packet the server read, in order), through conftest's ``spy``."""

import contextlib


def packets(conn, spy):
    """The queries the server read from ``conn``'s session, in order (the spy is a
    connection of its own, so reading the log is not logged for ``conn``)."""
    # A CSV table: a scan returns the rows in the order they were logged.
    spy.execute(
        "SELECT argument FROM mysql.general_log WHERE thread_id = %s"
        " AND command_type = 'Query'", (conn.thread_id(),))
    return [a.encode() if isinstance(a, str) else bytes(a) for a, in spy.fetchall()]


def commands(thread_id, spy):
    """Every (command_type, argument) the server read from session ``thread_id``,
    Connect and Quit included."""
    spy.execute("SELECT command_type, argument FROM mysql.general_log WHERE thread_id = %s",
                (thread_id,))
    return [(kind, a.encode() if isinstance(a, str) else bytes(a)) for kind, a in spy.fetchall()]


@contextlib.contextmanager
def sent(conn, spy):
    """``with sent(conn, spy) as log:`` -> log[:] is the packets sent in the block."""
    log = []
    before = len(packets(conn, spy))
    yield log
    log[:] = packets(conn, spy)[before:]
