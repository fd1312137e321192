"""An in-memory stand-in for ``unshaken._native``, following _native.pyi.

A test gives the connection a ``responder(sql) -> list[Reply]``: one Reply per
result of the statement (several for multi-statements or CALL). Every query
is recorded in ``conn.log`` so tests can assert on the exact bytes sent.
"""

from unshaken import _escape
from unshaken._exceptions import OperationalError, ProgrammingError, error_class


class Reply:
    """One result: rows with column names, or an OK with counters."""

    def __init__(self, rows=None, names=(), affected=0, insert_id=0, error=None):
        self.rows = rows
        self.names = tuple(names)
        self.affected = len(rows) if rows is not None else affected
        self.insert_id = insert_id
        self.error = error  # (errno, message) raised by query()


class Result:
    def __init__(self, reply):
        self._rows = list(reply.rows)
        self._names = reply.names
        self.discarded = False

    def describe(self):
        return tuple((n, 253, 0, 0, 0, 0, True) for n in self._names)

    def field_flags(self):
        return tuple(0 for _ in self._names)

    def num_rows(self):
        return len(self._rows)

    def fetch_row(self, maxrows=1, how=0):
        n = len(self._rows) if maxrows == 0 else maxrows
        taken, self._rows = self._rows[:n], self._rows[n:]
        if how == 1:
            return tuple(dict(zip(self._names, row)) for row in taken)
        return tuple(taken)


def ok_responder(sql):
    return [Reply(affected=1, insert_id=42)]


class Connection:
    responder = staticmethod(ok_responder)

    def __init__(self, **kwargs):
        self.kwargs = kwargs
        self.log = []
        self.open = True
        self._autocommit = True  # servers start with autocommit on
        self._pending = []
        self._current = self._last = None
        self.autocommit_calls = []

    def _check(self):
        if not self.open:
            raise OperationalError(2006, "")

    def query(self, sql):
        self._check()
        assert isinstance(sql, bytes), type(sql)
        if self._pending:
            raise ProgrammingError(2014, "Commands out of sync")
        self.log.append(sql)
        replies = list(self.responder(sql))
        if replies and replies[0].error:
            errno, message = replies[0].error
            raise error_class(errno)(errno, message)
        self._current, self._pending = replies[0], replies[1:]
        self._last = self._current

    def _take(self):
        reply, self._current = self._current, None
        return Result(reply) if reply is not None and reply.rows is not None else None

    def store_result(self):
        self._check()
        return self._take()

    use_result = store_result

    def next_result(self):
        self._check()
        if not self._pending:
            return -1
        self._current = self._last = self._pending.pop(0)
        return 0

    def more_results(self):
        return bool(self._pending)

    # Counters describe the last statement even after its result was taken.
    def affected_rows(self):
        return self._last.affected if self._last else 0

    def insert_id(self):
        return self._last.insert_id if self._last else 0

    def ping(self):
        self._check()

    def select_db(self, db):
        self.log.append(b"USE " + db)

    def autocommit(self, on):
        self._check()
        self.autocommit_calls.append(on)
        self._autocommit = on

    def get_autocommit(self):
        self._check()
        return self._autocommit

    def close(self):
        self.open = False

    def escape_string(self, s):
        self._check()
        return _escape.escape_string(s)

    def warning_count(self):
        return 0

    def info(self):
        return None

    def field_count(self):
        return 0

    def server_status(self):
        return 0

    def thread_id(self):
        return 7

    def get_server_info(self):
        return "10.11.6-MariaDB"

    def get_host_info(self):
        return "Localhost via UNIX socket"

    def get_proto_info(self):
        return 10

    def character_set_name(self):
        return self.kwargs.get("charset", "utf8mb4")

    def encoding(self):
        return "utf-8"

    def fileno(self):
        return 3

    def stats(self):
        return {}


def escape_string(s):
    return _escape.escape_string(s)


def get_client_info():
    return "fake"
