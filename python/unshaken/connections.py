"""The Connection class, as MySQLdb.connections.

A Connection wraps one ``_native.Connection`` (the compiled session, kept in
``self._conn``) and adds MySQLdb's policy on top: argument names and
defaults, the converter dicts, charset and autocommit set-up, literal
quoting, and cursor creation. Option values are checked by the core
(src/config/), each in that one place.
"""

import contextlib
import datetime
import decimal
import operator
import os
import re
import types
import warnings

from . import _hosts, _native, _wait, converters, cursors, times
from ._exceptions import (
    DatabaseError,
    DataError,
    Error,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    Warning,
)
from ._optionfile import merge_into, read_options
from .constants import CLIENT, CR, FIELD_TYPE
from .converters import _TEXT_TYPES, _bytes_or_str, conversions

__all__ = ["Connection", "numeric_part"]

# connect()'s arguments in MySQLdb's positional order.
_POSITIONAL = (
    "host", "user", "password", "database", "port", "unix_socket", "conv",
    "connect_timeout", "compress", "named_pipe", "init_command",
    "read_default_file", "read_default_group", "client_flag", "ssl", "ssl_mode",
    "local_infile", "read_timeout", "write_timeout", "charset", "auth_plugin",
    "server_public_key_path",
)
# Handled by this class rather than by the session.
_KEYWORD_ONLY = (
    "cursorclass", "collation", "use_unicode", "sql_mode", "binary_prefix",
    "multi_statements", "autocommit", "local_infile_dir", "executemany_fallback",
    # Beyond MySQLdb: a deadline per statement, and whether an interrupted or timed
    # out statement is cancelled on the server (KILL QUERY) to keep the connection.
    "query_timeout", "cancel_on_interrupt", "zstd_level",
    # Authentication beyond MySQLdb's server_public_key_path: the key itself (PEM,
    # as PyMySQL takes it), permission to send a clear-text password to a peer that
    # is not verified, permission to fetch the server's RSA key (libmysqlclient's
    # get-server-public-key), and the strict mode that refuses every unverified peer.
    "server_public_key", "allow_cleartext_password", "get_server_public_key",
    "auth_requires_verified_tls",
    # The largest packet the server may send (PyMySQL's name; libmysqlclient's
    # option-file and mysql_options() setting): bounds the memory one reply can take.
    "max_allowed_packet",
    # A host list's order: "sequential" (the default) or "random"; and whether the
    # session must accept writes ("read-write": read-only servers are skipped).
    "host_policy", "target_session_attrs",
)
_ALIASES = {
    "db": "database", "passwd": "password",
    # MySQL's own client calls it --enable-cleartext-plugin.
    "enable_cleartext_plugin": "allow_cleartext_password",
}

# The types whose literals the core writes itself, each with the default encoder whose
# output it reproduces (None: no encoder, the literal is the quoted str()). The core
# writes a type only while the connection's encoder for it is still that default, so
# an encoder the user registered always wins (py/literal.rs; str and bytes too, which
# literal() quotes without consulting the encoders).
_NATIVE_LITERALS = tuple(
    (t, conversions.get(t))
    for t in (type(None), bool, int, float, decimal.Decimal, datetime.date,
              datetime.datetime, datetime.timedelta, datetime.time)
)
# The methods whose output the core reproduces: a subclass that overrides one of them
# gets every literal from Python.
_LITERAL_METHODS = ("literal", "escape", "string_literal", "_bytes_literal", "_encode")

re_numeric_part = re.compile(r"^(\d+)")

# Default encoders that quote text with the module-level escaper (which knows no
# charset and no sql_mode), and what a connection uses instead: the same literal,
# escaped for the session. Keyed by function, so they are replaced whichever mapping
# they come from (self.encoders, converters.conversions, Django's quote_value).
_SESSION_ENCODERS = {
    converters.Thing2Literal: lambda conn, o: conn.string_literal(o),
    converters.Set2Str: lambda conn, o: conn.string_literal(",".join(o)),
    converters.array2Str: lambda conn, o: conn.string_literal(o.tobytes()),
    times.DateTime2literal: lambda conn, o: conn.string_literal(times.format_TIMESTAMP(o)),
    times.DateTimeDelta2literal: lambda conn, o: conn.string_literal(
        times.format_TIMEDELTA(o)
    ),
}


class UnencodableError(DataError, UnicodeEncodeError):
    """A str argument the connection's character set cannot represent. A DataError,
    and still the UnicodeEncodeError mysqlclient raises for it."""


def numeric_part(s):
    """Leading digits of ``s`` as an int ('20-alpha' -> 20), else None."""
    m = re_numeric_part.match(s)
    return int(m.group(1)) if m else None


def _bind_arguments(args, kwargs):
    """Positional and keyword arguments -> one dict, checked like MySQLdb's
    connect(): unknown names and duplicates raise TypeError."""
    if len(args) > len(_POSITIONAL):
        raise TypeError(
            f"connect() takes at most {len(_POSITIONAL)} positional arguments"
            f" ({len(args)} given)"
        )
    params = dict(zip(_POSITIONAL, args))
    for name, value in kwargs.items():
        name = _ALIASES.get(name, name)
        if name not in _POSITIONAL and name not in _KEYWORD_ONLY:
            raise TypeError(f"'{name}' is an invalid keyword argument for connect()")
        if name in params and name in _POSITIONAL[: len(args)]:
            raise TypeError(f"argument for connect() given by name ('{name}') and position")
        params[name] = value
    return params


def _text_bytes(value, name="argument"):
    """Credentials go to the session as bytes; str is taken as UTF-8.

    Anything else is a TypeError, and a NUL byte a ValueError, as in MySQLdb
    (which would otherwise become an "Access denied" or a malformed handshake).
    """
    if value is None:
        return None
    if isinstance(value, str):
        value = value.encode("utf-8")
    elif not isinstance(value, bytes):
        raise TypeError(f"{name} must be str, not {type(value).__name__}")
    if b"\0" in value:
        raise ValueError("embedded null character")
    return value


def _text(value):
    """host / unix_socket: str without NUL (the core takes them as str)."""
    if isinstance(value, str) and "\0" in value:
        raise ValueError("embedded null character")
    return value


def _port(value):
    """0 (or None) means the default. An out-of-range port is refused rather
    than truncated to 16 bits as the C client does (port=68842 reaching 3306)."""
    if value is None:
        return 3306
    port = operator.index(value)  # TypeError for str/float, as in MySQLdb
    if not 0 <= port <= 65535:
        raise OverflowError(f"port must be 0-65535, not {port}")
    return port or 3306


def _check_unsupported(params):
    """Refuse options the core cannot honour where ignoring them would be
    unsafe; harmless hints (compress, auth_plugin, ...) are ignored."""
    if params.get("named_pipe"):
        raise NotSupportedError("named pipes are not supported")


def _auth_kwargs(params):
    """The server's RSA public key (PEM text or bytes, or a file) and the password
    permissions -> the core's keywords."""
    key = params.get("server_public_key")
    if isinstance(key, str):
        key = key.encode("ascii")
    elif key is not None and not isinstance(key, (bytes, bytearray)):
        raise TypeError("server_public_key must be PEM text (str or bytes)")
    path = params.get("server_public_key_path")
    return {
        "server_public_key": bytes(key) if key else None,
        "server_public_key_path": os.fspath(path) if path else None,
        "allow_cleartext_password": bool(params.get("allow_cleartext_password", False)),
        "get_server_public_key": bool(params.get("get_server_public_key", False)),
        "auth_requires_verified_tls": bool(params.get("auth_requires_verified_tls", False)),
    }


def _compress_kwargs(params):
    """``compress``: False/None (off), True (MySQLdb's spelling of "zlib"), or a name
    the core checks: "zlib" or "zstd" (MySQL 8.0.18+, with ``zstd_level``, default 3;
    a server without zstd gets zlib)."""
    compress = params.get("compress")
    if compress in (None, False, 0, ""):
        return {}
    if compress is True or compress == 1:
        compress = "zlib"
    kwargs = {"compress": str(compress)}
    if params.get("zstd_level") is not None:
        kwargs["zstd_level"] = int(params["zstd_level"])
    return kwargs


_SIZE_SUFFIXES = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


def _packet_kwargs(params):
    """``max_allowed_packet``: bytes, as an int or as option files write it ("16M").
    The core checks the bounds (1 KiB to 1 GiB, the default)."""
    size = params.get("max_allowed_packet")
    if size is None:
        return {}
    if isinstance(size, str):
        text = size.strip().upper()
        scale = _SIZE_SUFFIXES.get(text[-1:], 1)
        digits = text[:-1] if scale > 1 else text
        if not digits.isdigit():
            raise ValueError(f"max_allowed_packet: not a size: {size!r}")
        size = int(digits) * scale
    if isinstance(size, bool) or not isinstance(size, int):
        raise TypeError(f"max_allowed_packet must be an int, not {type(size).__name__}")
    return {"max_allowed_packet": size}


def _local_infile_kwargs(params):
    """LOAD DATA LOCAL INFILE: off unless ``local_infile`` is true or a
    ``local_infile_dir`` is given (which also confines it to that directory)."""
    directory = params.get("local_infile_dir")
    return {
        "local_infile": bool(params.get("local_infile")),
        "local_infile_dir": os.fspath(directory) if directory else None,
    }


_SSL_KEYS = {"ca": "ssl_ca", "capath": "ssl_capath", "cert": "ssl_cert", "key": "ssl_key",
             "cipher": "ssl_cipher"}


def _tls_kwargs(params):
    """``ssl`` / ``ssl_mode`` as mysqlclient takes them -> the core's TLS options.

    No option: PREFERRED (TLS over TCP when the server offers it, as MySQL's own
    client does). ``ssl=True`` or an ``ssl`` dict: at least REQUIRED, and VERIFY_CA
    when the dict names a CA (MySQL's rule: a CA you give is a CA you mean to check
    against). An explicit ``ssl_mode`` always wins (the core checks its name).
    """
    ssl, ssl_mode = params.get("ssl"), params.get("ssl_mode")
    if ssl is True:
        ssl = {}
        if ssl_mode is None:
            ssl_mode = "REQUIRED"
    elif ssl:
        if not hasattr(ssl, "items"):
            raise TypeError("ssl must be a dict (or True)")
        ssl = {k: v for k, v in ssl.items() if v}
        unknown = set(ssl) - set(_SSL_KEYS)
        if unknown:
            raise NotSupportedError(f"unsupported ssl option(s): {', '.join(sorted(unknown))}")
        if ssl_mode is None:
            ssl_mode = "VERIFY_CA" if ("ca" in ssl or "capath" in ssl) else "REQUIRED"
    else:
        ssl = {}
    kwargs = {"ssl_mode": "PREFERRED" if ssl_mode is None else ssl_mode}
    for key, name in _SSL_KEYS.items():
        if key in ssl:
            kwargs[name] = str(ssl[key])
    return kwargs


def _copy_conv(conv):
    """A private copy of ``conv``; list values are copied too, as MySQLdb does,
    so per-connection edits never leak into the shared dict."""
    return {k: (v[:] if isinstance(k, int) and isinstance(v, list) else v)
            for k, v in conv.items()}


class Connection:
    """A MySQL/MariaDB connection (MySQLdb-compatible).

    Prefer keyword arguments. Besides the C-client style options
    (host, user, password/passwd, database/db, port, unix_socket, conv,
    connect_timeout, read_timeout, write_timeout, init_command,
    read_default_file, read_default_group, client_flag, charset, ...)
    it takes cursorclass, collation, use_unicode (default True), sql_mode,
    binary_prefix, multi_statements (default True), autocommit
    (default False, as PEP 249 asks; None keeps the server default) and
    executemany_fallback ("loop", the default, or "multi": see
    ``Cursor.executemany``).
    """

    default_cursor = cursors.Cursor
    #: How executemany() runs statements the multi-row INSERT rewrite does not
    #: cover: "loop" (one round trip each) or "multi" (multi-statement batches).
    executemany_fallback = "loop"

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

    _closed = True  # until the session exists

    #: Whether a buffered cursor may run a statement as one native call instead of
    #: calling these methods one by one: not when a subclass overrides any of them.
    _one_crossing = True
    _ONE_CROSSING_METHODS = ("query", "store_result", "affected_rows", "insert_id",
                             "warning_count", "_note_insert_id", "_drain", "_mogrify")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._one_crossing = all(getattr(cls, name) is getattr(Connection, name)
                                for name in Connection._ONE_CROSSING_METHODS)

    def __init__(self, *args, **kwargs):
        params = _bind_arguments(args, kwargs)
        file_params = read_options(
            params.get("read_default_file"), params.get("read_default_group")
        )
        merge_into(params, file_params)  # explicit arguments win over the file
        _check_unsupported(params)

        conv = params.get("conv")
        if conv is None:
            conv = conversions
        self.converter = _copy_conv(conv)
        self.encoders = {k: v for k, v in conv.items() if type(k) is not int}
        use_unicode = params.get("use_unicode", True)
        if use_unicode:
            self.converter.update(dict.fromkeys(_TEXT_TYPES, _bytes_or_str))
            # JSON is text even when the server labels it binary.
            self.converter[FIELD_TYPE.JSON] = str

        self.cursorclass = params.get("cursorclass", self.default_cursor)
        # Checked before connecting, as mysqlclient does.
        fallback = cursors.checked_fallback(
            params.get("executemany_fallback", self.executemany_fallback))
        self._binary_prefix = params.get("binary_prefix", False)
        charset = params.get("charset") or "utf8mb4"
        self._set_attributes(params)

        self.query_timeout = _native.timeout_seconds("query_timeout", params.get("query_timeout"))
        _wait.use_gevent_if_patched()
        native = self._native_kwargs(params, charset)

        hosts = _hosts.parse(native["host"], native["port"])
        # A host list shares connect_timeout out: it needs the seconds the core means.
        connect_timeout = _native.timeout_seconds("connect_timeout", native["connect_timeout"])

        def attempt(host, port, connect_timeout):
            self._conn = _native.Connection(
                **{**native, "host": host, "port": port, "connect_timeout": connect_timeout}
            )
            self._closed = False
            self.executemany_fallback = fallback
            self._client_flag = native["client_flag"]  # as asked, for each host tried
            if not self._conn.server_capabilities() & CLIENT.MULTI_STATEMENTS:
                # Not negotiated: executemany() must not send multi-statement batches.
                self._client_flag &= ~CLIENT.MULTI_STATEMENTS
            try:
                self.encoding = self._conn.encoding()  # the Python codec of `charset`
                self.messages = []
                self._configure_session(params, charset)
                _hosts.check_target(self, params.get("target_session_attrs", "any"))
                if len(hosts) > 1:  # only a list has another node to go to
                    _hosts.check_ready(self)
            except BaseException:
                self._closed = True
                self._conn.close()
                raise
            if host is not None:  # the entry of a host list that answered
                self.host, self.port = host, port

        _hosts.connect_first(hosts, params.get("host_policy", "sequential"),
                             connect_timeout, attempt)

    def _native_kwargs(self, params, charset):
        client_flag = params.get("client_flag", 0) | CLIENT.MULTI_RESULTS
        if params.get("multi_statements", True):
            client_flag |= CLIENT.MULTI_STATEMENTS
        self._client_flag = client_flag
        return {
            "host": _text(params.get("host")),
            "port": _port(params.get("port")),
            "unix_socket": _text(params.get("unix_socket")),
            "user": _text_bytes(params.get("user"), "user") or b"",
            "password": _text_bytes(params.get("password"), "password") or b"",
            "database": _text_bytes(params.get("database"), "database") or None,
            "charset": charset,
            "connect_timeout": params.get("connect_timeout"),
            "read_timeout": params.get("read_timeout"),
            "write_timeout": params.get("write_timeout"),
            "client_flag": client_flag,
            "conv": self.converter,
            **_tls_kwargs(params),
            **_auth_kwargs(params),
            **_local_infile_kwargs(params),
            **_compress_kwargs(params),
            **_packet_kwargs(params),
            "cancel_on_interrupt": bool(params.get("cancel_on_interrupt", True)),
        }

    def _set_attributes(self, params):
        """Plain attributes MySQLdb exposes (OpenTelemetry instrumentation
        reads host/user/database/db)."""
        host, unix_socket = params.get("host"), params.get("unix_socket")
        self.host = "localhost" if unix_socket and not host else host
        self.user = params.get("user")
        self.database = self.db = params.get("database", "")
        self.port = params.get("port") or 3306

    def _configure_session(self, params, charset):
        """What MySQLdb does right after connecting, in the same order."""
        # Kept (without the password) so _reset_session can do it again.
        self._session_setup = (
            {k: params[k] for k in ("init_command", "collation", "sql_mode", "autocommit")
             if k in params},
            charset,
        )
        init_command = params.get("init_command")
        if init_command:
            self._run(init_command)
        self._server_version = tuple(
            numeric_part(n) for n in self.get_server_info().split(".")[:2]
        )
        if params.get("collation"):
            self.set_character_set(charset, params["collation"])
        if params.get("sql_mode"):
            self.set_sql_mode(params["sql_mode"])
        # PEP 249 wants autocommit off; None leaves the server's default. No
        # transaction can be open yet, so the setting may wait for the first command
        # and go out with it: connecting costs no round trip for it (an autocommit()
        # of a subclass is called, as MySQLdb does).
        autocommit = params.get("autocommit", False)
        if autocommit is not None:
            if type(self).autocommit is Connection.autocommit:
                self._conn.defer_autocommit(bool(autocommit))
            else:
                self.autocommit(autocommit)

    def _run(self, sql):
        """Run a statement of our own and drop whatever it returns."""
        self.query(sql)
        self._drain()

    def _drain(self):
        """Drop the current result and every later one (one native call)."""
        insert_id = self._conn.drain()
        if insert_id is not None:
            self._ok_insert_id = insert_id

    # -- context manager, lifecycle --

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        self.close()

    def __repr__(self):
        state = "closed" if self._closed else f"open to {self.host or 'localhost'!r}"
        cls = type(self)
        return f"<{cls.__module__}.{cls.__qualname__} {state} at {id(self):#x}>"

    def close(self):
        """Close the connection. Closing twice raises, as in MySQLdb."""
        if self._closed:
            raise OperationalError(CR.SERVER_GONE_ERROR, "")
        self._closed = True
        self._conn.close()

    @property
    def client_flag(self):
        """The CLIENT_* flags asked for at connect (read-only, as in MySQLdb)."""
        return self._client_flag

    @property
    def closed(self):
        """1 once the connection is closed (or known lost), else 0, as MySQLdb's."""
        return 1 - self.open

    @property
    def open(self):
        """1 while the connection is usable, else 0 (an int, as MySQLdb)."""
        return int(not self._closed and self._conn.open)

    def cursor(self, cursorclass=None):
        """A new cursor of ``cursorclass`` (default: ``self.cursorclass``)."""
        return (cursorclass or self.cursorclass)(self)

    # -- transactions --

    def autocommit(self, on):
        """Turn autocommit on or off; no round trip if it is already so."""
        on = bool(on)
        if self.get_autocommit() != on:
            self._conn.autocommit(on)

    def get_autocommit(self):
        return self._conn.get_autocommit()

    def begin(self):
        """Start a transaction explicitly (not needed with autocommit off)."""
        self.query(b"BEGIN")

    def commit(self):
        self.query(b"COMMIT")

    def rollback(self):
        self.query(b"ROLLBACK")

    # -- statements and results --

    #: Seconds each statement may take, from sending it to its last row (None: no
    #: limit). Beyond DB-API; set it with ``connect(query_timeout=...)``, by
    #: assignment, or for a block with ``with conn.timeout(seconds):``. When it
    #: passes, the statement is cancelled on the server (KILL QUERY), the caller gets
    #: ``OperationalError(2013, ...)`` and the connection stays usable.
    query_timeout = None

    def query(self, query):
        """Send one statement (or several, with multi_statements)."""
        if isinstance(query, str):
            query = query.encode(self.encoding)
        elif isinstance(query, bytearray):
            query = bytes(query)  # the core reads it without the GIL
        self._conn.query(query, self.query_timeout)
        self._note_insert_id()

    # The C client updates insert_id only from OK packets, so after a statement
    # that returned rows mysqlclient still reports the previous statement's id
    # (and cursor.lastrowid too). Kept here so both agree.
    _ok_insert_id = 0

    def _note_insert_id(self):
        if not self._conn.field_count():
            self._ok_insert_id = self._conn.insert_id()

    @contextlib.contextmanager
    def timeout(self, seconds):
        """``with conn.timeout(2.5):`` every statement in the block gets a deadline
        of ``seconds`` (see ``query_timeout``); the previous setting comes back after."""
        saved, self.query_timeout = self.query_timeout, seconds
        try:
            yield self
        finally:
            self.query_timeout = saved

    def store_result(self):
        return self._conn.store_result()

    def use_result(self):
        return self._conn.use_result()

    def next_result(self):
        """0 when another result is now current, -1 when there are no more."""
        ret = self._conn.next_result()
        if ret == 0:
            self._note_insert_id()
        return ret

    def discard_result(self):
        """Drop the current result set without building its rows."""
        self._conn.discard_result()

    def affected_rows(self):
        return self._conn.affected_rows()

    def insert_id(self):
        """AUTO_INCREMENT id of the last statement that did not return rows."""
        if self._conn.field_count():
            return self._ok_insert_id
        return self._conn.insert_id()

    def field_count(self):
        return self._conn.field_count()

    def warning_count(self):
        return self._conn.warning_count()

    def info(self):
        return self._conn.info()

    def show_warnings(self):
        """The last statement's warnings as (Level, Code, Message) tuples."""
        self.query(b"SHOW WARNINGS")
        result = self.store_result()
        return result.fetch_row(0) if result is not None else ()

    # -- session --

    def ping(self, *reconnect):
        """Check the server is reachable. ``reconnect`` is accepted for
        compatibility (with mysqlclient's DeprecationWarning) and ignored: a lost
        session is reported, not silently replaced (which would drop its
        transaction and settings)."""
        if len(reconnect) > 1:
            raise TypeError(f"ping() takes at most 1 argument ({len(reconnect)} given)")
        if reconnect:
            warnings.warn("The reconnect parameter of ping() is deprecated.",
                          DeprecationWarning, stacklevel=2)
        self._conn.ping()

    def select_db(self, db):
        self._conn.select_db(_text_bytes(db, "select_db() argument"))

    def more_results(self):
        """True when another result set follows the current one."""
        return self._conn.more_results()

    # -- need methods of the compiled core (see _native.pyi) --

    def stat(self):
        """Server status line (COM_STATISTICS), as mysql_stat()."""
        return self._conn.stat()

    def sqlstate(self):
        """SQLSTATE of the last error ('00000' when none), as mysql_sqlstate()."""
        return self._conn.sqlstate()

    def errno(self):
        """Number of the last error (0 when none), as mysql_errno()."""
        return self._conn.errno()

    def error(self):
        """Message of the last error ('' when none), as mysql_error()."""
        return self._conn.error()

    def change_user(self, user, passwd, db=None):
        """Re-authenticate as another user (COM_CHANGE_USER); the session state is
        reset. A failure raises and leaves the connection closed, as with libmariadb."""
        self._conn.change_user(
            _text_bytes(user, "user") or b"",
            _text_bytes(passwd, "passwd") or b"",
            _text_bytes(db, "db") or None,
        )

    def reset_connection(self):
        """COM_RESET_CONNECTION: drop temporary tables, user variables, prepared
        statements and session settings, keeping the login (mysql_reset_connection)."""
        self._conn.reset_connection()

    def _reset_session(self):
        """COM_RESET_CONNECTION, then the setup connect() did (charset, init_command,
        sql_mode, autocommit): the session is as fresh as a new one (used by
        unshaken.pool between two users)."""
        params, charset = self._session_setup
        self.reset_connection()
        self.set_character_set(charset)  # no round trip unless the user switched it
        self._configure_session(params, charset)

    @property
    def server_capabilities(self):
        """CLIENT_* flags the server offered in its handshake."""
        return self._conn.server_capabilities()

    def kill(self, pid):
        self.query(b"KILL %d" % int(pid))

    def set_character_set(self, charset, collation=None):
        """Switch the connection charset (and collation, if given)."""
        if collation or charset != self.character_set_name():
            self._conn.set_character_set(charset, collation or None)
        self.encoding = self._conn.encoding()

    def set_sql_mode(self, sql_mode):
        """Set the session sql_mode."""
        self._run(b"SET SESSION sql_mode=" + self.string_literal(self._encode(sql_mode)))

    def character_set_name(self):
        return self._conn.character_set_name()

    def thread_id(self):
        return self._conn.thread_id()

    def get_server_info(self):
        return self._conn.get_server_info()

    def get_host_info(self):
        return self._conn.get_host_info()

    def get_proto_info(self):
        return self._conn.get_proto_info()

    def get_compression(self):
        """The protocol compression in use: "zlib", "zstd" or None."""
        return self._conn.get_compression()

    def get_ssl_cipher(self):
        """The TLS cipher suite of this connection, or None without TLS."""
        return self._conn.get_ssl_cipher()

    def fileno(self):
        return self._conn.fileno()

    def stats(self):
        """Counters (beyond MySQLdb): ``interrupted_retries`` (syscalls that got
        EINTR and were retried), ``bytes_in``, ``bytes_out``, ``queries``."""
        return self._conn.stats()

    # -- quoting --

    def _encode(self, text):
        """``text`` in the connection's character set; UnencodableError if it has
        no form there (a lone surrogate, a character the charset lacks)."""
        try:
            return text.encode(self.encoding)
        except UnicodeEncodeError as e:
            raise UnencodableError(e.encoding, e.object, e.start, e.end, e.reason) from None

    def escape_string(self, s):
        """Escape ``s`` (str or bytes) for use inside quotes; returns bytes.
        Escapes as the server will read it: in the session's character_set_client
        (multibyte characters kept whole) and honouring NO_BACKSLASH_ESCAPES.
        Still works after close(), as in MySQLdb, with the session's last rules."""
        if isinstance(s, str):
            s = self._encode(s)
        return self._conn.escape_string(bytes(s))

    def string_literal(self, obj):
        """``obj`` (bytes, or anything via str()) as a quoted literal (bytes)."""
        if isinstance(obj, bytearray):
            obj = bytes(obj)
        elif not isinstance(obj, bytes):
            obj = self._encode(str(obj))
        if self._neutral:
            return self._hex_literal(obj, self.character_set_name().encode("ascii"))
        return b"'" + self._conn.escape_string(obj) + b"'"

    def escape(self, obj, mapping=None):
        """Encode ``obj`` with the encoder for its type in ``mapping``
        (default: the connection's encoders); others become string literals.
        The default quoting encoders escape for this session (see _SESSION_ENCODERS)."""
        mapping = self.encoders if mapping is None else mapping
        try:
            encoder = mapping[type(obj)]
        except KeyError:
            return self.string_literal(obj)
        if isinstance(encoder, types.FunctionType) and encoder in _SESSION_ENCODERS:
            return _SESSION_ENCODERS[encoder](self, obj)
        return encoder(obj, mapping)

    # While true, string literals are written in hex (see below).
    _neutral = False

    @contextlib.contextmanager
    def _charset_neutral_literals(self, statement):
        """Literals made inside the block are read the same in every client charset
        and sql_mode when ``statement`` may change character_set_client or sql_mode
        before them (``SET NAMES x; SELECT %s``: the server reads what follows the SET
        in x, whatever the escaper assumed; ``SET sql_mode=''; SELECT %s``: a
        backslash changes meaning). A hex literal has no quote or backslash to
        misread: strings become ``_<charset> X'<hex>'`` (``_binary X'<hex>'`` for
        bytes)."""
        if not (isinstance(statement, (bytes, bytearray))
                and _native.changes_literal_rules(bytes(statement))):
            yield
            return
        saved, self._neutral = self._neutral, True
        try:
            yield
        finally:
            self._neutral = saved

    def _hex_literal(self, data, introducer):
        return b"_" + introducer + b" X'" + data.hex().encode("ascii") + b"'"

    def _quote_identifier(self, name):
        """``name`` (bytes) quoted for use between backticks, in the session's
        character set; ProgrammingError for a name that cannot be quoted safely."""
        return self._conn.quote_identifier(name)

    def literal(self, o):
        """The SQL literal (bytes) for one query argument. Sequences become
        ``(a,b,...)`` so ``IN %s`` works."""
        if isinstance(o, str):
            return self.string_literal(self._encode(o))
        if isinstance(o, (bytes, bytearray)):
            return self._bytes_literal(o)
        # Exact types, as MySQLdb: a subclass goes through the encoders, so a
        # converter registered for it is honoured.
        if type(o) in (tuple, list):
            return self._tuple_literal(o)
        if type(o) in (set, frozenset):
            return self._set_literal(o)
        s = self.escape(o, self.encoders)
        return s.encode(self.encoding) if isinstance(s, str) else s

    def literals(self, args):
        """``tuple(map(self.literal, args))``, with the common types made in the core
        (see _NATIVE_LITERALS)."""
        policy = self._literal_policy()
        if policy is None:
            return tuple(map(self.literal, args))
        return self._conn.literals(args, *policy)

    def _literal_policy(self):
        """What the core needs to write literals as literal() would: the encoders, the
        defaults it reproduces, literal() for the rest, binary_prefix. None while
        literals must be charset-neutral, or when a subclass changed how literals are
        made: then Python writes every one."""
        if self._neutral:
            return None
        cls = type(self)
        if cls is not Connection and any(
                getattr(cls, name) is not getattr(Connection, name) for name in _LITERAL_METHODS):
            return None
        return (self.encoders, _NATIVE_LITERALS, self.literal, self._binary_prefix)

    def _mogrify(self, query, args):
        """``query`` (bytes) with ``args`` bound by the core, or None when Python must
        bind them (see py/batch.rs)."""
        policy = self._literal_policy()
        if policy is None or type(query) is not bytes:
            return None
        return _native.mogrify(self._conn, query, args, policy)

    def _statements(self, head, row, tail, rows, fallback_row, max_length=None, native=True):
        """executemany()'s statements (bytes), made as they are asked for: multi-row
        ``head row,row... tail`` statements of at most ``max_length`` bytes, or without
        a ``max_length`` one statement per row. Rows are bound by the core, except those
        it leaves to Python (and all of them unless ``native``): ``fallback_row(args)``
        binds those (see py/batch.rs)."""
        policy = self._literal_policy() if native else None
        return _native.statements(self._conn, head, row, tail, rows, policy, fallback_row,
                                  max_length)

    def _tuple_literal(self, t):
        return b"(" + b",".join(map(self.literal, t)) + b")"

    def _set_literal(self, s):
        """A SET column literal 'a,b' (mysqlclient: elements must be str)."""
        for c in s:
            if not isinstance(c, str):
                raise TypeError("set elements must be strings")
        return self.string_literal(self._encode(",".join(s)))

    def _bytes_literal(self, bs):
        if self._neutral:
            # As _binary: bytes need not be valid text (an introducer checks them).
            return self._hex_literal(bytes(bs), b"binary")
        literal = self.string_literal(bytes(bs))
        return b"_binary" + literal if self._binary_prefix else literal
