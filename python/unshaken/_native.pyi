"""Private compiled core. Shaped like mysqlclient's ``_mysql`` so the Python layer
(connections.py, cursors.py) can follow MySQLdb's structure. Not a public API."""

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeAlias, final

__all__ = [
    "Connection",
    "Result",
    "Statements",
    "__version__",
    "changes_literal_rules",
    "escape_string",
    "execute_bulk",
    "execute_stored",
    "get_client_info",
    "get_wait_callback",
    "mogrify",
    "set_wait_callback",
    "ssl_mode_name",
    "statements",
    "timeout_seconds",
]

__version__: str

@final
class Connection:
    """One server session. Every blocking step releases the GIL and runs Python's
    signal handlers; an exception a handler raises propagates unchanged.

    Errors are raised as ``unshaken._exceptions`` classes with
    ``args == (errno, message)``; the class comes from ``_exceptions.error_class(errno)``.
    """

    def __new__(
        cls,
        *,
        host: str | None = None,  # None or "localhost" (without unix_socket): default socket
        port: int = 3306,
        unix_socket: str | None = None,
        user: bytes | None = None,
        password: bytes | None = None,
        database: bytes | None = None,
        charset: str = ...,  # "utf8mb4"; MySQL charset name; sets the handshake collation
        connect_timeout: float | None = None,  # seconds; None/0 = no limit
        read_timeout: float | None = None,
        write_timeout: float | None = None,
        client_flag: int = 0,  # extra CLIENT_* flags (e.g. FOUND_ROWS, MULTI_STATEMENTS)
        conv: Mapping[int, Any] | None = None,  # decoders: FIELD_TYPE -> callable (else bytes)
        program_name: str | None = None,  # connect attribute
        cancel_on_interrupt: bool = True,  # KILL QUERY + drain after Ctrl-C / timeout
        ssl_mode: str | None = None,  # DISABLED (default here) .. VERIFY_IDENTITY
        ssl_ca: str | None = None,
        ssl_capath: str | None = None,
        ssl_cert: str | None = None,
        ssl_key: str | None = None,
        ssl_cipher: str | None = None,  # suites to offer, OpenSSL or rustls names
        server_public_key: bytes | None = None,  # RSA key (PEM) for caching_sha2/sha256 over TCP
        server_public_key_path: str | None = None,  # the same, from a file (read at connect)
        allow_cleartext_password: bool = False,  # mysql_clear_password to an unverified peer
        local_infile: bool = False,  # LOAD DATA LOCAL INFILE (only files the statement names)
        local_infile_dir: str | None = None,  # implies local_infile; confines it to this dir
        compress: str | None = None,  # "zlib" or "zstd" (zstd falls back to zlib)
        zstd_level: int | None = None,  # 1..22 (default 3)
        get_server_public_key: bool = False,  # fetch the server's RSA key over plain TCP
        auth_requires_verified_tls: bool = False,  # password only to a verified peer / pinned key
        max_allowed_packet: int | None = None,  # largest reply packet accepted, 1 KiB..1 GiB (default)
    ) -> Connection: ...

    # -- commands (all raise on error) --
    def query(self, sql: bytes, timeout: float | None = None) -> None: ...  # whole-statement deadline
    def store_result(self) -> Result | None: ...  # None: the statement had no result set
    # query + store_result + describe + fetch_row(0, how) in one call: (rows or the
    # exception a row raised, description, flags, warning_count, affected_rows,
    # the OK's insert id or None after a result set)
    def query_stored(
        self, sql: bytes, timeout: float | None = None, how: int = 0
    ) -> tuple[Any, Any, Any, int, int, int | None]: ...
    def use_result(self) -> Result | None: ...
    def discard_result(self) -> None: ...
    def next_result(self) -> int: ...  # 0: another result is current, -1: no more
    def drain(self) -> int | None: ...  # drop every later result; last OK's insert id
    def more_results(self) -> bool: ...
    def ping(self) -> None: ...
    def select_db(self, db: bytes) -> None: ...
    def set_character_set(self, charset: str, collation: str | None = None) -> None: ...
    def stat(self) -> str: ...  # COM_STATISTICS
    def reset_connection(self) -> None: ...  # COM_RESET_CONNECTION
    def change_user(self, user: bytes, password: bytes, database: bytes | None = None) -> None: ...
    def errno(self) -> int: ...  # the last command's error, as mysql_errno(): 0 if none
    def error(self) -> str: ...
    def sqlstate(self) -> str: ...  # "00000" if none
    def server_capabilities(self) -> int: ...  # what the server's greeting offered
    def autocommit(self, on: bool) -> None: ...
    def defer_autocommit(self, on: bool) -> None: ...
    def get_autocommit(self) -> bool: ...
    def close(self) -> None: ...  # idempotent, any thread (aborts a busy one); COM_QUIT if possible
    # Escaping in the session's character_set_client (learned again after a statement
    # that may change it) and sql_mode; NotSupportedError for a charset with no rules.
    def escape_string(self, s: bytes) -> bytes: ...  # honours NO_BACKSLASH_ESCAPES
    def quote_identifier(self, name: bytes) -> bytes: ...  # body for `...`; ProgrammingError

    # -- state of the last statement --
    def affected_rows(self) -> int: ...  # -1 while an unbuffered result is being read
    def insert_id(self) -> int: ...
    def warning_count(self) -> int: ...
    def info(self) -> str | None: ...
    def field_count(self) -> int: ...
    def server_status(self) -> int: ...

    # -- session facts --
    def thread_id(self) -> int: ...
    def get_server_info(self) -> str: ...
    def get_host_info(self) -> str: ...
    def get_proto_info(self) -> int: ...
    def get_ssl_cipher(self) -> str | None: ...
    def get_compression(self) -> str | None: ...  # "zlib", "zstd" or None
    def character_set_name(self) -> str: ...
    def encoding(self) -> str: ...  # Python codec name of the connection charset
    def fileno(self) -> int: ...
    @property
    def open(self) -> bool: ...
    def stats(self) -> dict[str, int]: ...
    def literals(self, args: Sequence[Any], encoders: Mapping[Any, Any],
                 defaults: Sequence[tuple[type, Any]], fallback: Callable[[Any], Any],
                 binary_prefix: bool = False) -> tuple[Any, ...]: ...  # see py/literal.rs
    # keys: interrupted_retries, bytes_in, bytes_out, queries

@final
class Result:
    """A result set. Rows are built in Rust straight into Python objects."""

    def __init__(self, *args: Any) -> None: ...  # made by Connection only; raises

    def describe(self) -> tuple[tuple[str, int, int, int, int, int, int], ...]: ...
    def field_flags(self) -> tuple[int, ...]: ...
    def num_rows(self) -> int: ...
    def fetch_row(self, maxrows: int = 1, how: int = 0) -> tuple[Any, ...]: ...
    # how: 0 tuples, 1 dicts keyed by column name, 2 dicts keyed "table.column"
    def discard(self) -> None: ...

# (encoders, defaults, literal, binary_prefix): connections.py _literal_policy
_Policy: TypeAlias = tuple[Mapping[Any, Any], Sequence[tuple[type, Any]], Callable[[Any], Any], bool]

@final
class Statements:
    """executemany()'s statements, bound as they are asked for (py/batch.rs)."""

    def __iter__(self) -> Statements: ...
    def __next__(self) -> bytes: ...

def mogrify(conn: Connection, query: bytes, args: Any, policy: _Policy) -> bytes | None: ...
# A buffered cursor's execute(): (statement sent, query_stored()'s tuple or the
# exception the statement raised), or None when this call cannot run it.
def execute_stored(conn: Connection, query: bytes, args: Any, policy: _Policy | None,
                   timeout: float | None, how: int) -> tuple[bytes, Any] | None: ...
def statements(conn: Connection, head: bytes, row: bytes, tail: bytes, rows: Any,
               policy: _Policy | None, fallback_row: Callable[[Any], bytes],
               max_length: int | None = None) -> Statements: ...
# executemany() by bulk execution: None (nothing read), or (rows run, affected_rows,
# insert_id, warnings, (first row not run,) or None, last row run).
def execute_bulk(conn: Connection, query: bytes, rows: Iterator[Any], policy: _Policy,
                 max_length: int, timeout: float | None = None,
                 ) -> tuple[int, int, int, int, tuple[Any] | None, Any | None] | None: ...
def escape_string(s: bytes) -> bytes: ...  # backslash style, no connection
def changes_literal_rules(sql: bytes) -> bool: ...  # may this change character_set_client or sql_mode?
def get_client_info() -> str: ...
# The core's rules for connect options, for Python's own uses of them:
def timeout_seconds(name: str, seconds: float | None) -> float | None: ...  # 0 -> None; <0 ValueError
def ssl_mode_name(name: str) -> str: ...  # "verify_ca" -> "VERIFY_CA"; unknown: NotSupportedError
# fn(fd, writable, timeout_seconds): waits instead of poll() (see unshaken._wait)
def set_wait_callback(callback: Callable[[int, bool, float], object] | None) -> None: ...
def get_wait_callback() -> Callable[[int, bool, float], object] | None: ...
