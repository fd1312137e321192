# Types for the unshaken package. Connect()'s keywords repeat Connection.__init__'s
# (connections.pyi): tests/test_typing.py checks both against the runtime's list.
import os
from collections.abc import Mapping
from typing import Any, Literal

from typing_extensions import TypeAlias

from . import connections as connections
from . import constants as constants
from . import cursors as cursors
from ._escape import escape as escape
from ._escape import escape_string as escape_string
from ._escape import string_literal as string_literal
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
    MySQLError as MySQLError,
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
from ._mysql import debug as debug
from ._mysql import get_client_info as get_client_info
from ._wait import get_wait_callback as get_wait_callback
from ._wait import set_wait_callback as set_wait_callback
from .constants import FIELD_TYPE as FIELD_TYPE
from .release import __version__ as __version__
from .release import version_info as version_info
from .times import (
    Date as Date,
)
from .times import (
    DateFromTicks as DateFromTicks,
)
from .times import (
    Time as Time,
)
from .times import (
    TimeFromTicks as TimeFromTicks,
)
from .times import (
    Timestamp as Timestamp,
)
from .times import (
    TimestampFromTicks as TimestampFromTicks,
)

_Path: TypeAlias = str | os.PathLike[str]
_SSLMode: TypeAlias = Literal["DISABLED", "PREFERRED", "REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY"]

__all__ = [
    "BINARY",
    "DATE",
    "DATETIME",
    "FIELD_TYPE",
    "NUMBER",
    "ROWID",
    "STRING",
    "TIME",
    "TIMESTAMP",
    "Binary",
    "Connect",
    "Connection",
    "DBAPISet",
    "DataError",
    "DatabaseError",
    "Date",
    "DateFromTicks",
    "Error",
    "IntegrityError",
    "InterfaceError",
    "InternalError",
    "MySQLError",
    "NotSupportedError",
    "OperationalError",
    "ProgrammingError",
    "Time",
    "TimeFromTicks",
    "Timestamp",
    "TimestampFromTicks",
    "Warning",
    "__version__",
    "apilevel",
    "connect",
    "constants",
    "debug",
    "escape",
    "escape_string",
    "get_client_info",
    "get_wait_callback",
    "install_as_MySQLdb",
    "paramstyle",
    "set_wait_callback",
    "string_literal",
    "threadsafety",
    "version_info",
]

threadsafety: int
apilevel: str
paramstyle: str

class DBAPISet(frozenset[int]):
    def __eq__(self, other: object) -> bool: ...
    def __ne__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

STRING: DBAPISet
BINARY: DBAPISet
NUMBER: DBAPISet
DATE: DBAPISet
TIME: DBAPISet
TIMESTAMP: DBAPISet
DATETIME: DBAPISet
ROWID: DBAPISet

def Binary(x: bytes | bytearray | memoryview) -> bytes: ...
def Connect(
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
    enable_cleartext_plugin: bool = False,) -> connections.Connection: ...

connect = Connect
Connection = Connect

def install_as_MySQLdb() -> None: ...
