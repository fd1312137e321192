"""Cursors, as MySQLdb.cursors.

Arguments are interpolated on the client (``paramstyle = "format"``): each
argument becomes a SQL literal via ``connection.literal`` and the query is
formatted as bytes with ``%``. Rows come from the compiled core in one
``fetch_row(0)`` call per result set for buffered cursors; nothing here
loops over rows.
"""

import itertools
import re

from . import _native
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
from .constants import CLIENT, CR

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


# -- executemany_fallback="multi": statements joined into multi-statement batches --

# Between two statements of a batch. The newline ends a trailing "-- comment" or
# "# comment" of the template, which would otherwise swallow the next statement.
_EXECUTEMANY_MULTI_SEPARATOR = b"\n;\n"
_FALLBACKS = ("loop", "multi")
_DML_HEAD = r"\s*(?:INSERT|REPLACE|UPDATE|DELETE)\b"
_RETURNING = r"\bRETURNING\b"
_DML_RULES = {
    str: (re.compile(_DML_HEAD, re.IGNORECASE), re.compile(_RETURNING, re.IGNORECASE), ";"),
    bytes: (re.compile(_DML_HEAD.encode(), re.IGNORECASE),
            re.compile(_RETURNING.encode(), re.IGNORECASE), b";"),
}
# executemany() statements that run by MariaDB's bulk execution: one UPDATE or DELETE
# (a bulk INSERT would report the first row's insert id, a loop the last one's) ...
_BULK_HEAD = r"\s*(?:UPDATE|DELETE)\b"
# ... and none of what reads an argument otherwise as a literal than as a parameter
# (`LIMIT '1'` is an error, a parameter is not; `-5 COLLATE x` is minus a string), a
# `?` of its own (the server would take it for a placeholder), or what is evaluated
# once per statement (the bulk is one: NOW() would be the same for every row).
_BULK_NEVER = (r"\?|\b(?:LIMIT|OFFSET|COLLATE|NOW|CURRENT_(?:TIMESTAMP|DATE|TIME)|CURDATE|CURTIME"
               r"|LOCALTIME(?:STAMP)?|UTC_(?:TIMESTAMP|DATE|TIME)|UNIX_TIMESTAMP)\b")
_BULK_RULES = {
    str: (re.compile(_BULK_HEAD, re.IGNORECASE), re.compile(_BULK_NEVER, re.IGNORECASE)),
    bytes: (re.compile(_BULK_HEAD.encode(), re.IGNORECASE),
            re.compile(_BULK_NEVER.encode(), re.IGNORECASE)),
}
# The cursor methods a bulk executemany stands in for: a subclass that overrides one
# sees every statement, so it gets them all.
_BULK_STOCK_HOOKS = ("execute", "_mogrify", "_query", "_do_get_result", "_get_result",
                     "_post_get_result")
_END = object()
# What execute() calls besides the _one_crossing hooks, stock in a cursor whose
# execute() is one native call.
_FUSED_HOOKS = ("_discard", "_mogrify")
# Server errors after which the rest of a batch cannot be trusted to be drained
# (packet too large, connection killed, interaction timeout): the connection is
# closed, as for client errors.
_BATCH_FATAL_SERVER_ERRORS = frozenset((1153, 1927, 4031))


def checked_fallback(value):
    """``value`` if it is an executemany_fallback policy, else ValueError."""
    if value not in _FALLBACKS:
        raise ValueError("executemany_fallback must be either 'loop' or 'multi'")
    return value


def _is_executemany_dml(query):
    """True when ``query`` (str, bytes or bytearray) may be joined with copies of
    itself into one multi-statement batch: one INSERT/REPLACE/UPDATE/DELETE with no
    ``;`` anywhere (so exactly one statement per argument) and no RETURNING (a
    result set per statement)."""
    head, returning, semicolon = _DML_RULES[str if isinstance(query, str) else bytes]
    return (semicolon not in query and head.match(query) is not None
            and returning.search(query) is None)


def _batches(statements, max_length, max_count):
    """Group the ``statements`` (an iterator of bytes, read lazily) into
    ``(sql, count)`` batches of at most ``max_count`` statements and ``max_length``
    bytes, separators included. A statement longer than the limit is a batch of
    its own. A batch is handed out as soon as the next statement does not fit, so
    arguments are converted only as far as the batch being sent."""
    sep = _EXECUTEMANY_MULTI_SEPARATOR
    sql, count = bytearray(), 0
    for statement in statements:
        if count and (count >= max_count or len(sql) + len(sep) + len(statement) > max_length):
            yield bytes(sql), count
            sql, count = bytearray(), 0
        if count:
            sql += sep
        sql += statement
        count += 1
    if count:
        yield bytes(sql), count


def _batch_error_needs_close(exc):
    """After ``exc`` interrupted a batch, may results of it still be on the wire?
    A plain server error ends the batch on the server (nothing more follows); an
    interruption, a client-side error or one of a few fatal server errors may not."""
    if not isinstance(exc, MySQLError) or not exc.args or not isinstance(exc.args[0], int):
        return True
    errno = exc.args[0]
    return CR.MIN_ERROR <= errno <= CR.MAX_ERROR or errno in _BATCH_FATAL_SERVER_ERRORS


def _close_quietly(db):
    try:
        db.close()
    except Error:
        pass  # already closed


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

    #: Limits of one multi-statement batch of executemany_fallback="multi": bytes
    #: (after argument conversion, separators included) and statements.
    max_multi_stmt_length = 16_000
    max_multi_stmt_count = 200

    #: executemany() of an UPDATE or DELETE under the "loop" policy runs by MariaDB's
    #: bulk execution where the server has it: the same rows run, in order, stopping
    #: at the first error, in a few round trips. False: one statement per row.
    bulk_executemany = True

    #: "loop" or "multi" to override the connection's executemany_fallback for
    #: this cursor (class or instance); None follows the connection.
    executemany_fallback = None

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
    #: Whether execute() may run as one native call (see
    #: CursorStoreResultMixIn._query): true for a buffered cursor whose statement
    #: hooks are the stock ones, so a subclass that overrides any still sees each called.
    _one_crossing = False
    #: Whether execute() may bind and run as one native call too (execute_stored):
    #: a _one_crossing cursor whose _discard and _mogrify are the stock ones.
    _fused_execute = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        stock = _stock_statement_hooks()
        cls._one_crossing = stock is not None and all(
            getattr(cls, name, None) is hook for name, hook in stock.items())
        cls._fused_execute = cls._one_crossing and all(
            getattr(cls, name) is getattr(BaseCursor, name) for name in _FUSED_HOOKS)

    def __init__(self, connection):
        self.connection = connection
        self.description = None
        self.description_flags = None
        self.rowcount = 0
        #: Warnings of the last statement (for an SS cursor: known once every row is read).
        self.warning_count = 0
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
        self._forget_shown()
        if self._result is not None:
            _drain(self._result)
            self._result = None
        con = self.connection
        if con is None:
            return
        con._drain()

    def _forget_shown(self):
        """Forget the last result set's description and rows. rowcount and lastrowid
        survive on purpose: Django reads them after the cursor is closed. _query()
        resets them."""
        self.description = None
        self.description_flags = None
        self._rows = None
        self.rownumber = None

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
        db = self.connection
        if self._fused_execute and db is not None and self._result is None and db._one_crossing:
            # _discard(), _mogrify() and _query() of a stock buffered cursor as one
            # native call (py/execute.rs), leaving what they leave. Written out here:
            # a Python call per step was a fifth of a SELECT 1's instructions.
            sql = query.encode(db.encoding) if type(query) is str else query
            policy = None if args is None else db._literal_policy()
            if type(sql) is bytes and (args is None or policy is not None):
                try:
                    done = _native.execute_stored(db._conn, sql, args, policy,
                                                  db.query_timeout, self._fetch_type)
                except BaseException:  # binding failed: nothing was sent
                    self._forget_shown()
                    raise
                if done is not None:  # else it could not run it, and did nothing
                    return self._show_stored(db, done[1], done[0])
        self._discard()
        return self._query(self._mogrify(query, args))

    def _mogrify(self, query, args=None):
        """The query as bytes with the arguments bound."""
        db = self._get_db()
        if isinstance(query, str):
            query = query.encode(db.encoding)
        if args is None:
            return query
        sql = db._mogrify(query, args)
        if sql is not None:
            return sql
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
        """Run ``query`` once per item of ``args`` (a sequence or any iterable,
        read lazily). Returns the total affected row count (None when ``args``
        is empty).

        A simple ``INSERT``/``REPLACE ... VALUES (...)`` becomes multi-row
        statements of at most ``max_stmt_length`` bytes. Other statements follow
        ``executemany_fallback`` (the cursor's, else the connection's): "loop"
        runs one execute() each; "multi" joins an INSERT/REPLACE/UPDATE/DELETE
        without ``;`` or RETURNING into multi-statement batches when the
        connection has multi statements enabled.
        """
        if not args:
            return None
        db = self._get_db()
        text = bytes(query).decode(db.encoding) if isinstance(query, (bytes, bytearray)) else query
        parts = split_insert_values(text)
        if parts is not None:
            head = _unescape_percent(parts[0])
            row = parts[1].rstrip()
            tail = _unescape_percent(parts[2])
            return self._do_execute_many(head, row, tail, args)
        fallback = self.executemany_fallback
        if fallback is None:
            fallback = getattr(db, "executemany_fallback", "loop")
        checked_fallback(fallback)
        if (fallback == "multi" and db.client_flag & CLIENT.MULTI_STATEMENTS
                and _is_executemany_dml(query)):
            return self._do_execute_many_multi(query, args)
        rows = None
        if fallback == "loop":
            rows, args = self._execute_bulk(query, args)
        for n in self._execute_each(query, args):
            rows = n if rows is None else rows + n
        if rows is not None:
            self.rowcount = rows
        return rows

    def _execute_bulk(self, query, args):
        """Run what it can of executemany() by bulk execution (py/bulk.rs). Returns
        the affected rows (None if it did not start) and the rows left to run one by
        one: from the first whose arguments have no binary form."""
        db = self._get_db()
        text = query if isinstance(query, (str, bytes)) else bytes(query)
        head, never = _BULK_RULES[str if isinstance(text, str) else bytes]
        cls = type(self)
        stock = db._one_crossing and all(
            getattr(cls, name).__module__ == __name__ for name in _BULK_STOCK_HOOKS)
        if not (stock and self.bulk_executemany and head.match(text)
                and _is_executemany_dml(text) and never.search(text) is None):
            return None, args
        policy = db._literal_policy()
        if policy is None:
            return None, args
        rows = iter(args)
        first = next(rows, _END)
        if first is _END:
            return None, ()
        rows = itertools.chain((first,), rows)
        template = text.encode(db.encoding) if isinstance(text, str) else text
        self._discard()
        self._result = None
        self.rowcount = self.lastrowid = None
        done = _native.execute_bulk(db._conn, template, rows, policy, self.max_stmt_length,
                                    db.query_timeout)
        if done is None:
            return None, rows
        ran, affected, insert_id, warnings, rest, last = done
        rest = () if rest is None else itertools.chain(rest, rows)
        if not ran:
            return None, rest
        db._ok_insert_id = insert_id
        self.lastrowid = insert_id
        self.warning_count = warnings
        self.rowcount = affected
        self.rownumber = 0
        self._rows = ()
        self._executed = self._mogrify(template, last)  # the last statement, as a loop's
        return affected, rest

    def _execute_each(self, query, args):
        """execute(query, arg) for each arg, lazily, yielding each affected row count.

        Unless a subclass changed execute() or _mogrify(), the statements after the
        first are bound by the core, the template read once: the same statements, one
        Python call fewer each. The first goes through execute() as it is, so results
        still pending on the connection are drained before any argument is bound."""
        args = iter(args)
        for arg in args:
            yield self.execute(query, arg)
            break
        else:
            return
        if type(self).execute is not BaseCursor.execute or not self._binds_natively():
            for arg in args:
                yield self.execute(query, arg)
            return
        db = self._get_db()
        template = query.encode(db.encoding) if isinstance(query, str) else bytes(query)
        statements = db._statements(
            b"", template, b"", args, lambda arg: self._mogrify(template, arg))
        while True:
            try:
                sql = next(statements)
            except StopIteration:
                return
            except BaseException:
                # execute() forgets the last result before binding: so does this.
                self._discard()
                raise
            yield self.execute(sql)

    def _do_execute_many(self, head, row, tail, args):
        db = self._get_db()
        head, row, tail = (part.encode(db.encoding) for part in (head, row, tail))
        # The literals of every row are read after the head and, from the second
        # statement on, after an earlier statement's tail: when anything in the
        # statement may change the charset or sql_mode ("INSERT ...; SET NAMES gbk;
        # INSERT ... VALUES (%s)"), they must read the same either way.
        with db._charset_neutral_literals(head + row + tail):
            return self._insert_rows(head, row, tail, args)

    def _insert_rows(self, head, row, tail, args):
        # The core binds the rows and joins them into statements of at most
        # max_stmt_length bytes, each made only when the one before it has run.
        statements = self._get_db()._statements(
            head, row, tail, args, lambda arg: self._mogrify(row, arg), self.max_stmt_length,
            native=self._binds_natively())
        rows = None
        for sql in statements:
            n = self.execute(sql)
            rows = n if rows is None else rows + n
        if rows is not None:  # None: args was an empty iterator
            self.rowcount = rows
        return rows

    def _do_execute_many_multi(self, query, args):
        # Each statement is bound with the whole template as its statement (by the
        # core, or by _mogrify), so a template that may change the charset or
        # sql_mode gets charset-neutral literals in every statement of every batch.
        if self._binds_natively():
            db = self._get_db()
            template = query.encode(db.encoding) if isinstance(query, str) else bytes(query)
            statements = db._statements(
                b"", template, b"", args, lambda arg: self._mogrify(template, arg))
        else:
            statements = (self._mogrify(query, arg) for arg in args)
        batches = _batches(statements, self.max_multi_stmt_length, self.max_multi_stmt_count)
        rows = None
        for sql, count in batches:
            n = self._execute_multi_statement_batch(sql, count)
            rows = n if rows is None else rows + n
        if rows is not None:
            self.rowcount = rows
        return rows

    def _binds_natively(self):
        """May executemany() bind rows in the core? Not when a subclass binds
        arguments its own way: then every row goes through its _mogrify()."""
        return type(self)._mogrify is BaseCursor._mogrify

    def _execute_multi_statement_batch(self, query, statement_count):
        """Run one batch of ``statement_count`` statements and read all of its
        results; returns the sum of their affected rows. Afterwards the cursor
        shows the last statement (lastrowid, description, ``_executed`` is the
        batch). A server error stops the batch (the server runs nothing after
        it); anything that may leave results unread closes the connection."""
        if statement_count == 1:
            return self.execute(query)
        db = self._get_db()
        try:
            self.execute(query)
            self._expect_no_rows(db)
            rows = self.rowcount
            for _ in range(statement_count - 1):
                if not db.more_results() or db.next_result() != 0:
                    self._result_count_mismatch(db)
                self._do_get_result(db)
                self._expect_no_rows(db)
                self._post_get_result()
                rows += self.rowcount
            if db.more_results():
                self._result_count_mismatch(db)
            return rows
        except BaseException as exc:
            self.description = self.description_flags = None
            self.warning_count = 0
            self.rowcount = self.lastrowid = None
            self._result = self._rows = self.rownumber = None
            if _batch_error_needs_close(exc):
                _close_quietly(db)
            raise

    def _expect_no_rows(self, db):
        if self.description is not None:
            self._result_count_mismatch(db)

    def _result_count_mismatch(self, db):
        """A batch gave other results than one OK per statement (a converter
        wrote ``1; SELECT 1``): what is still unread cannot be matched to
        statements, so the connection is closed."""
        if self._result is not None:
            try:
                self._result.discard()
            except Error:
                pass
            self._result = None
        _close_quietly(db)
        raise InternalError("multi-statement executemany result count mismatch")

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
        self.warning_count = 0
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
            # Built once in the core, as mysqlclient shows them.
            self.description = result.describe()
            self.description_flags = result.field_flags()
        self.warning_count = db.warning_count()
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

    # A cursor is its own iterator, as in MySQLdb: iter(cur) is cur.
    def __iter__(self):
        return self

    def __next__(self):
        row = self.fetchone()
        if row is None:
            raise StopIteration
        return row

    next = __next__


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

    def _query(self, q):
        # BaseCursor._query's steps (query, store_result, describe, the figures,
        # fetch_row) in one native call: one GIL handoff per statement.
        db = self._get_db()
        if not (self._one_crossing and db._one_crossing) or type(q) is not bytes:
            return BaseCursor._query(self, q)
        self._result = None
        self.warning_count = 0
        self.rowcount = None
        self.lastrowid = None
        return self._show_stored(db, db._conn.query_stored(q, db.query_timeout,
                                                           self._fetch_type), q)

    def _show_stored(self, db, outcome, q):
        """What _query() leaves after ``q`` ran: ``outcome`` is query_stored()'s tuple,
        or (from execute()'s native call) the exception the statement raised, raised here with
        the state _discard() and _query() leave before it."""
        if type(outcome) is not tuple:
            self._forget_shown()
            self._result = None
            self.warning_count = 0
            self.rowcount = self.lastrowid = None
            raise outcome
        rows, self.description, self.description_flags, warnings, affected, insert_id = outcome
        if insert_id is not None:
            db._ok_insert_id = insert_id
        self.warning_count = warnings
        self.rowcount = affected
        self.rownumber = 0
        self.lastrowid = db._ok_insert_id
        if type(rows) is not tuple:
            raise rows  # a row that failed to convert: the statement itself is shown
        self._rows = rows
        self._executed = q
        return affected

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
        rows = self._rows
        if rows is None or not self._executed:  # the checks, only when they can fail
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
        rows = self._rows
        if rows is None or not self._executed:  # the checks, only when they can fail
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


def _stock_statement_hooks():
    """The methods BaseCursor._query calls, as the buffered cursor defines them
    (None while this module is still being read)."""
    store = globals().get("CursorStoreResultMixIn")
    if store is None:
        return None
    return {"_query": store._query, "_get_result": store._get_result,
            "_post_get_result": store._post_get_result,
            "_show_stored": store._show_stored,
            "_do_get_result": BaseCursor._do_get_result, "_fetch_row": BaseCursor._fetch_row}


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
            self._note_warnings()
            return None
        self.rownumber += 1
        return rows[0]

    def fetchmany(self, size=None):
        """Up to ``size`` (default ``arraysize``) further rows."""
        self._check_executed()
        size = size or self.arraysize
        rows = self._fetch_row(size)
        if len(rows) < size:
            self._note_warnings()
        self.rownumber += len(rows)
        return rows

    def fetchall(self):
        """All remaining rows."""
        self._check_executed()
        rows = self._fetch_row(0)
        self._note_warnings()
        self.rownumber += len(rows)
        return rows

    def _note_warnings(self):
        """The server counts a streamed result's warnings in its final EOF/OK: the
        count is known once the last row has been read."""
        self.warning_count = self._get_db().warning_count()


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
