"""Cursors, as MySQLdb.cursors.

Arguments are interpolated on the client (``paramstyle = "format"``): each
argument becomes a SQL literal via ``connection.literal`` and the query is
formatted as bytes with ``%``. Rows come from the compiled core in one
``fetch_row(0)`` call per result set for buffered cursors; nothing here
loops over rows.
"""

import re

from ._exceptions import (
    DatabaseError,
    DataError,
    Error,
    IntegrityError,
    InterfaceError,
    InternalError,
    MySQLError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    Warning,
)
from ._insert_values import split_insert_values

__all__ = [
    "BaseCursor",
    "Cursor",
    "CursorDictRowsMixIn",
    "CursorStoreResultMixIn",
    "CursorTupleRowsMixIn",
    "CursorUseResultMixIn",
    "DictCursor",
    "SSCursor",
    "SSDictCursor",
]

# executemany() batches only the simple bulk form
#   INSERT|REPLACE ... VALUES (<placeholders>) [ON DUPLICATE ...][;]
# where the row holds nothing but %s / %(name)s placeholders. RE_INSERT_VALUES is
# mysqlclient's expression, kept for code that reads it; executemany() itself uses
# split_insert_values(), which captures the same groups in linear time (the
# expression backtracks exponentially on named placeholders that do not match).
_PLACEHOLDER = r"(?:%s|%\(.+\)s)"
RE_INSERT_VALUES = re.compile(
    r"\s*(?P<head>(?:INSERT|REPLACE)\b.+\bVALUES?\s*)"
    r"(?P<row>\(\s*" + _PLACEHOLDER + r"\s*(?:,\s*" + _PLACEHOLDER + r"\s*)*\))"
    r"(?P<tail>\s*(?:ON DUPLICATE.*)?);?\s*\Z",
    re.IGNORECASE | re.DOTALL,
)


def _drain(result):
    """Throw away the unread rows of a result set."""
    result.discard()


class BaseCursor:
    """State and statement execution shared by every cursor class.

    ``description`` holds the PEP 249 7-tuples of the current result set and
    ``description_flags`` the matching FLAG bits (a MySQLdb extension).
    """

    #: Longest statement executemany() builds. The server refuses packets over
    #: max_allowed_packet (1 MiB by default in old servers), so stay well below.
    max_stmt_length = 64 * 1024

    MySQLError = MySQLError
    Warning = Warning
    Error = Error
    InterfaceError = InterfaceError
    DatabaseError = DatabaseError
    DataError = DataError
    OperationalError = OperationalError
    IntegrityError = IntegrityError
    InternalError = InternalError
    ProgrammingError = ProgrammingError
    NotSupportedError = NotSupportedError

    connection = None
    _fetch_type = 0

    def __init__(self, connection):
        self.connection = connection
        self.description = None
        self.description_flags = None
        self.rowcount = 0
        self.arraysize = 1
        self._executed = None
        self.lastrowid = None
        self._result = None
        self.rownumber = None
        self._rows = None

    # -- lifecycle --

    def _discard(self):
        """Forget the current result and drain any further ones, so the
        connection is ready for the next statement."""
        # rowcount and lastrowid survive on purpose: Django reads them
        # after the cursor is closed. _query() resets them.
        self.description = None
        self.description_flags = None
        self._rows = None
        self.rownumber = None
        if self._result is not None:
            _drain(self._result)
            self._result = None
        con = self.connection
        if con is None:
            return
        while con.next_result() == 0:
            con.discard_result()

    def close(self):
        """Close the cursor; pending result sets are read and dropped."""
        try:
            if self.connection is not None:
                self._discard()
        finally:
            self.connection = None
            self._result = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def _get_db(self):
        con = self.connection
        if con is None:
            raise ProgrammingError("cursor closed")
        return con

    def _check_executed(self):
        if not self._executed:
            raise ProgrammingError("execute() first")

    # -- statements --

    def execute(self, query, args=None):
        """Run one statement; ``args`` fill ``%s`` (sequence) or
        ``%(name)s`` (mapping) placeholders. Returns the affected row count.

        With ``args`` None the query is sent as is, so a literal ``%`` needs
        no doubling; with args, write ``%%``.
        """
        self._discard()
        return self._query(self._mogrify(query, args))

    def _mogrify(self, query, args=None):
        """The query as bytes with the arguments bound."""
        db = self._get_db()
        if isinstance(query, str):
            query = query.encode(db.encoding)
        if args is None:
            return query
        # In "SET NAMES x; SELECT %s" the server reads the argument in x, not in the
        # charset it was escaped for: there, literals are made of ASCII bytes only.
        with db._charset_neutral_literals(query):
            if isinstance(args, dict):
                args = {_key_bytes(k, db.encoding): db.literal(v) for k, v in args.items()}
            else:
                args = db.literals(args)
        try:
            return query % args
        except TypeError as exc:
            # e.g. "not enough arguments for format string"
            raise ProgrammingError(str(exc)) from None

    def mogrify(self, query, args=None):
        """The query text execute() would send, as str."""
        return self._mogrify(query, args).decode(self._get_db().encoding)

    def executemany(self, query, args):
        """Run ``query`` once per item of ``args``.

        A simple ``INSERT``/``REPLACE ... VALUES (...)`` becomes multi-row
        statements of at most ``max_stmt_length`` bytes; anything else is a
        loop over execute(). Returns the total affected row count (None when
        ``args`` is empty).
        """
        if not args:
            return None
        if isinstance(query, (bytes, bytearray)):
            query = bytes(query).decode(self._get_db().encoding)
        parts = split_insert_values(query)
        if parts is None:
            self.rowcount = sum(self.execute(query, arg) for arg in args)
            return self.rowcount
        head = _unescape_percent(parts[0])
        row = parts[1].rstrip()
        tail = _unescape_percent(parts[2])
        return self._do_execute_many(head, row, tail, args)

    def _do_execute_many(self, head, row, tail, args):
        encoding = self._get_db().encoding
        head, row, tail = (part.encode(encoding) for part in (head, row, tail))
        rows = 0
        sql = None
        for arg in args:
            values = self._mogrify(row, arg)
            if sql is None:
                sql = bytearray(head)
            elif len(sql) + len(values) + len(tail) + 1 > self.max_stmt_length:
                rows += self.execute(bytes(sql + tail))
                sql = bytearray(head)
            else:
                sql += b","
            sql += values
        if sql is None:  # args was an empty iterator
            return None
        rows += self.execute(bytes(sql + tail))
        self.rowcount = rows
        return rows

    def callproc(self, procname, args=()):
        """Call a stored procedure; returns ``args`` unchanged.

        Each argument is first stored in the server variable
        ``@_<procname>_<n>`` and the procedure is called with those
        variables, so OUT/INOUT values can be read afterwards with
        ``SELECT @_<procname>_0, ...`` once every result set is consumed
        (the CALL itself adds a final, empty result set; use nextset()).
        """
        db = self._get_db()
        if isinstance(procname, str):
            procname = db._encode(procname)
        # Quoted as an identifier (backticks doubled outside multibyte characters, in
        # the session's charset), so a procedure name can never inject SQL.
        name = db._quote_identifier(procname)
        if args:
            assignments = b",".join(
                b"@`_%s_%d`=%s" % (name, i, db.literal(arg)) for i, arg in enumerate(args)
            )
            self._query(b"SET " + assignments)
            self.nextset()
        params = b",".join(b"@`_%s_%d`" % (name, i) for i in range(len(args)))
        self._query(b"CALL `%s`(%s)" % (name, params))
        return args

    def _query(self, q):
        db = self._get_db()
        self._result = None
        self.rowcount = None
        self.lastrowid = None
        db.query(q)
        self._do_get_result(db)
        self._post_get_result()
        self._executed = q
        return self.rowcount

    def _do_get_result(self, db):
        self._result = result = self._get_result()
        if result is None:
            self.description = self.description_flags = None
        else:
            self.description = _description(result.describe())
            self.description_flags = _field_flags(result.field_flags(), self.description)
        self.rowcount = db.affected_rows()
        self.rownumber = 0
        self.lastrowid = db.insert_id()

    def _post_get_result(self):
        pass

    def nextset(self):
        """Move to the next result set; None when there is none."""
        if self._result is not None:
            # Drop what is left of this result without building its rows.
            self._result.discard()
        db = self._get_db()
        if db.next_result() == -1:
            return None
        self._do_get_result(db)
        self._post_get_result()
        return 1

    def _fetch_row(self, size=1):
        if self._result is None:
            return ()
        return self._result.fetch_row(size, self._fetch_type)

    def setinputsizes(self, *args):
        """Required by PEP 249; does nothing."""

    def setoutputsize(self, *args):
        """Required by PEP 249; does nothing."""

    setoutputsizes = setoutputsize  # MySQLdb's spelling

    def __iter__(self):
        return iter(self.fetchone, None)


def _c_int(n):
    """A C ``long`` length as mysqlclient hands it to Python: through a C ``int``,
    so 0xFFFFFFFF (a LONGTEXT/GEOMETRY length) reads as -1."""
    return n - (1 << 32) if n >= 1 << 31 else n


def _description(describe):
    """The 7-tuples as mysqlclient builds them: C ints throughout (null_ok is 0/1,
    not a bool). One step per column, never per row."""
    return tuple(
        (name, type_code, _c_int(display), _c_int(internal), _c_int(precision), scale,
         int(null_ok))
        for name, type_code, display, internal, precision, scale, null_ok in describe
    )


_NUM_FLAG = 32768
_TIMESTAMP, _INT24, _YEAR, _NEWDECIMAL = 7, 9, 13, 246


def _field_flags(flags, description):
    """Column flags as the C client reports them: it adds NUM_FLAG to numeric
    columns itself (libmariadb's INTERNAL_NUM_FIELD), so the wire flags alone
    differ from what mysqlclient shows in ``description_flags``."""
    return tuple(
        f | _NUM_FLAG
        if (t <= _INT24 and (t != _TIMESTAMP or d[3] in (8, 14))) or t in (_YEAR, _NEWDECIMAL)
        else f
        for f, d in zip(flags, description)
        for t in (d[1],)
    )


def _unescape_percent(text):
    """'%%' -> '%' in the parts around the VALUES row, which take no
    arguments. MySQLdb leaves the ON DUPLICATE part unformatted, so its
    '%%' reached the server doubled; here it means '%' as everywhere else."""
    try:
        return text % ()
    except TypeError as exc:  # a placeholder outside the VALUES row
        raise ProgrammingError(str(exc)) from None


def _key_bytes(key, encoding):
    return key.encode(encoding) if isinstance(key, str) else key


class CursorStoreResultMixIn:
    """Read the whole result set into memory at execute() time
    (mysql_store_result). Fast and simple; use LIMIT or an SS cursor for
    results too big to hold."""

    def _get_result(self):
        return self._get_db().store_result()

    def _post_get_result(self):
        try:
            self._rows = self._fetch_row(0)
        finally:
            # The stored result is already off the wire. Keeping it after a row
            # failed to convert (e.g. UnicodeDecodeError) would make _discard()
            # convert it again and fail every later execute() and close().
            self._result = None

    def _stored_rows(self):
        self._check_executed()
        if self._rows is None:
            # After close(), or after an execute() that failed.
            self._get_db()
            return ()
        return self._rows

    def fetchone(self):
        """The next row, or None when there are no more."""
        rows = self._stored_rows()
        if self.rownumber >= len(rows):
            return None
        self.rownumber += 1
        return rows[self.rownumber - 1]

    def fetchmany(self, size=None):
        """Up to ``size`` (default ``arraysize``) further rows."""
        rows = self._stored_rows()
        end = self.rownumber + (size or self.arraysize)
        result = rows[self.rownumber : end]
        self.rownumber = min(end, len(rows))
        return result

    def fetchall(self):
        """All remaining rows."""
        rows = self._stored_rows()
        result = rows[self.rownumber :] if self.rownumber else rows
        self.rownumber = len(rows)
        return result

    def scroll(self, value, mode="relative"):
        """Move to row ``rownumber + value`` ('relative') or ``value``
        ('absolute'); IndexError if that is outside the result."""
        rows = self._stored_rows()
        if mode == "relative":
            target = self.rownumber + value
        elif mode == "absolute":
            target = value
        else:
            raise ProgrammingError(f"unknown scroll mode {mode!r}")
        if target < 0 or target >= len(rows):
            raise IndexError("out of range")
        self.rownumber = target

    def __iter__(self):
        rows = self._stored_rows()
        return iter(rows[self.rownumber :] if self.rownumber else rows)


class CursorUseResultMixIn:
    """Stream rows from the server as they are fetched (mysql_use_result).
    The whole result must be read, or the cursor closed, before the
    connection can run another statement."""

    def _get_result(self):
        return self._get_db().use_result()

    def fetchone(self):
        """The next row, or None when there are no more."""
        self._check_executed()
        rows = self._fetch_row(1)
        if not rows:
            return None
        self.rownumber += 1
        return rows[0]

    def fetchmany(self, size=None):
        """Up to ``size`` (default ``arraysize``) further rows."""
        self._check_executed()
        rows = self._fetch_row(size or self.arraysize)
        self.rownumber += len(rows)
        return rows

    def fetchall(self):
        """All remaining rows."""
        self._check_executed()
        rows = self._fetch_row(0)
        self.rownumber += len(rows)
        return rows

    def __iter__(self):
        return self

    def __next__(self):
        row = self.fetchone()
        if row is None:
            raise StopIteration
        return row

    next = __next__


class CursorTupleRowsMixIn:
    """Rows are tuples (PEP 249)."""

    _fetch_type = 0


class CursorDictRowsMixIn:
    """Rows are dicts keyed by column name (a MySQLdb extension)."""

    _fetch_type = 1


class Cursor(CursorStoreResultMixIn, CursorTupleRowsMixIn, BaseCursor):
    """The default cursor: buffered, tuple rows."""


class DictCursor(CursorStoreResultMixIn, CursorDictRowsMixIn, BaseCursor):
    """Buffered, dict rows."""


class SSCursor(CursorUseResultMixIn, CursorTupleRowsMixIn, BaseCursor):
    """Server-side (streaming), tuple rows."""


class SSDictCursor(CursorUseResultMixIn, CursorDictRowsMixIn, BaseCursor):
    """Server-side (streaming), dict rows."""
