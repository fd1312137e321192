"""Stand-in for MySQLdb's ``_mysql`` extension module.

Only ``install_as_MySQLdb()`` needs it, for code that imports
``MySQLdb._mysql`` directly (mostly for the exception classes or
``string_literal``). ``connection`` and ``result`` are resolved on first use
so importing this module does not load the compiled core.
"""

from ._escape import escape, escape_string, string_literal
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
from .release import __version__, version_info

__all__ = [
    "DataError",
    "DatabaseError",
    "Error",
    "IntegrityError",
    "InterfaceError",
    "InternalError",
    "MySQLError",
    "NotSupportedError",
    "OperationalError",
    "ProgrammingError",
    "Warning",
    "__version__",
    "connect",
    "debug",
    "escape",
    "escape_string",
    "get_client_info",
    "string_literal",
    "version_info",
]


def get_client_info():
    """Version string of the client library (the compiled core)."""
    from ._native import get_client_info as native_client_info

    return native_client_info()


def connect(*args, **kwargs):
    from .connections import Connection

    return Connection(*args, **kwargs)


def debug(spec):
    """MySQLdb passes this to the C client's DBUG library; there is none here."""


def __getattr__(name):
    if name == "connection":
        from .connections import Connection

        return Connection
    if name == "result":
        from ._native import Result

        return Result
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
