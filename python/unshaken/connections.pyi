# Types for unshaken.connections. connect()'s keywords are listed here by hand (the
# runtime takes **kwargs): tests/test_typing.py fails when this list and the
# runtime's (_POSITIONAL, _KEYWORD_ONLY, _ALIASES) differ.
import os
import types
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeVar, overload

from typing_extensions import Self, TypeAlias

from . import cursors
from ._exceptions import (
    DatabaseError as DatabaseError,
)
from ._exceptions import (
    DataError as DataError,
)
from ._exceptions import (
    Error as Error,
)
from ._exceptions import (
    IntegrityError as IntegrityError,
)
from ._exceptions import (
    InterfaceError as InterfaceError,
)
from ._exceptions import (
    InternalError as InternalError,
)
from ._exceptions import (
    NotSupportedError as NotSupportedError,
)
from ._exceptions import (
    OperationalError as OperationalError,
)
from ._exceptions import (
    ProgrammingError as ProgrammingError,
)
from ._exceptions import (
    Warning as Warning,
)

__all__ = ["Connection", "numeric_part"]

_C = TypeVar("_C", bound=cursors.BaseCursor[Any])
_Path: TypeAlias = str | os.PathLike[str]
_SSLMode: TypeAlias = Literal["DISABLED", "PREFERRED", "REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY"]

class UnencodableError(DataError, UnicodeEncodeError): ...

def numeric_part(s: str) -> int | None: ...

class Connection:
    default_cursor: type[cursors.BaseCursor[Any]]
    cursorclass: type[cursors.BaseCursor[Any]]
    executemany_fallback: str
    query_timeout: float | None
    converter: dict[Any, Any]
    encoders: dict[Any, Any]
    encoding: str
    messages: list[Any]

    Warning: type[Warning]
    Error: type[Error]
    InterfaceError: type[InterfaceError]
    DatabaseError: type[DatabaseError]
    DataError: type[DataError]
    OperationalError: type[OperationalError]
    IntegrityError: type[IntegrityError]
    InternalError: type[InternalError]
    ProgrammingError: type[ProgrammingError]
    NotSupportedError: type[NotSupportedError]

    def __init__(
        self,
        host: str | None = None,
        user: str | bytes | None = None,
        password: str | bytes | None = None,
        database: str | bytes | None = None,
        port: int | None = None,
        unix_socket: str | None = None,
        conv: Mapping[Any, Any] | None = None,
        connect_timeout: float | None = None,
        compress: bool | str | None = None,
        named_pipe: bool | None = None,
        init_command: str | bytes | None = None,
        read_default_file: _Path | None = None,
        read_default_group: str | None = None,
        client_flag: int = 0,
        ssl: Mapping[str, Any] | None = None,
        ssl_mode: _SSLMode | None = None,
        local_infile: bool = False,
        read_timeout: float | None = None,
        write_timeout: float | None = None,
        charset: str | None = None,
        auth_plugin: str | None = None,
        server_public_key_path: _Path | None = None,
        *,
        cursorclass: type[cursors.BaseCursor[Any]] | None = None,
        collation: str | None = None,
        use_unicode: bool = True,
        sql_mode: str | None = None,
        binary_prefix: bool = False,
        multi_statements: bool = True,
        autocommit: bool | None = False,
        local_infile_dir: _Path | None = None,
        executemany_fallback: Literal["loop", "multi"] = "loop",
        query_timeout: float | None = None,
        cancel_on_interrupt: bool = True,
        zstd_level: int | None = None,
        server_public_key: str | bytes | None = None,
        allow_cleartext_password: bool = False,
        get_server_public_key: bool = False,
        auth_requires_verified_tls: bool = False,
        max_allowed_packet: int | str | None = None,
        host_policy: Literal["sequential", "random"] = "sequential",
        target_session_attrs: Literal["any", "read-write"] = "any",
        # Aliases (MySQLdb's and MySQL's client names).
        db: str | bytes | None = None,
        passwd: str | bytes | None = None,
        enable_cleartext_plugin: bool = False,
    ) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: types.TracebackType | None,
    ) -> None: ...
    @property
    def open(self) -> int: ...
    @property
    def closed(self) -> int: ...
    @property
    def client_flag(self) -> int: ...
    def close(self) -> None: ...
    @overload
    def cursor(self, cursorclass: None = None) -> cursors.Cursor: ...
    @overload
    def cursor(self, cursorclass: type[_C]) -> _C: ...
    def autocommit(self, on: bool) -> None: ...
    def get_autocommit(self) -> bool: ...
    def begin(self) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def query(self, query: str | bytes) -> None: ...
    def timeout(self, seconds: float | None) -> Any: ...
    def store_result(self) -> Any: ...
    def use_result(self) -> Any: ...
    def next_result(self) -> int: ...
    def discard_result(self) -> None: ...
    def affected_rows(self) -> int: ...
    def insert_id(self) -> int: ...
    def field_count(self) -> int: ...
    def warning_count(self) -> int: ...
    def info(self) -> str | None: ...
    def show_warnings(self) -> Sequence[tuple[Any, ...]]: ...
    def ping(self, reconnect: bool = False) -> None: ...
    def select_db(self, db: str | bytes) -> None: ...
    def more_results(self) -> bool: ...
    def stat(self) -> str: ...
    def sqlstate(self) -> str: ...
    def errno(self) -> int: ...
    def error(self) -> str: ...
    def change_user(self, user: str | bytes, passwd: str | bytes,
                    db: str | bytes | None = None) -> None: ...
    def reset_connection(self) -> None: ...
    @property
    def server_capabilities(self) -> int: ...
    def kill(self, pid: int) -> None: ...
    def set_character_set(self, charset: str, collation: str | None = None) -> None: ...
    def set_sql_mode(self, sql_mode: str) -> None: ...
    def character_set_name(self) -> str: ...
    def thread_id(self) -> int: ...
    def get_server_info(self) -> str: ...
    def get_host_info(self) -> str: ...
    def get_proto_info(self) -> int: ...
    def get_compression(self) -> str | None: ...
    def get_ssl_cipher(self) -> str | None: ...
    def fileno(self) -> int: ...
    def stats(self) -> dict[str, Any]: ...
    def escape_string(self, s: str | bytes) -> str | bytes: ...
    def string_literal(self, obj: str | bytes) -> bytes: ...
    def escape(self, obj: Any, mapping: Mapping[Any, Any] | None = None) -> Any: ...
    def literal(self, o: Any) -> bytes: ...
    def literals(self, args: Any) -> Any: ...
