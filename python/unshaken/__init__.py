"""unshaken: a MySQL/MariaDB driver with a Rust core, usable in place of
MySQLdb (mysqlclient). ``connect()`` returns a :class:`connections.Connection`.

The compiled core (``unshaken._native``) is loaded by ``unshaken.connections``
on the first ``connect()``, as MySQLdb's own ``Connect`` does: importing the
package, its constants, converters, times and exceptions never needs it, so
tools and tests can use those without a built extension.
"""

import importlib
import sys

from . import constants
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
from ._mysql import debug, get_client_info
from .constants import FIELD_TYPE
from .release import __version__, version_info
from .times import (
    Date,
    DateFromTicks,
    Time,
    TimeFromTicks,
    Timestamp,
    TimestampFromTicks,
)

threadsafety = 1
apilevel = "2.0"
paramstyle = "format"


class DBAPISet(frozenset):
    """A set of FIELD_TYPE codes that compares equal to each of its members,
    so ``description[i][1] == unshaken.NUMBER`` works as PEP 249 asks."""

    def __eq__(self, other):
        if isinstance(other, DBAPISet):
            return not self.difference(other)
        return other in self

    def __ne__(self, other):
        return not self == other

    __hash__ = frozenset.__hash__


STRING = DBAPISet([FIELD_TYPE.ENUM, FIELD_TYPE.STRING, FIELD_TYPE.VAR_STRING])
BINARY = DBAPISet(
    [FIELD_TYPE.BLOB, FIELD_TYPE.LONG_BLOB, FIELD_TYPE.MEDIUM_BLOB, FIELD_TYPE.TINY_BLOB]
)
NUMBER = DBAPISet(
    [
        FIELD_TYPE.DECIMAL, FIELD_TYPE.DOUBLE, FIELD_TYPE.FLOAT, FIELD_TYPE.INT24,
        FIELD_TYPE.LONG, FIELD_TYPE.LONGLONG, FIELD_TYPE.TINY, FIELD_TYPE.YEAR,
        FIELD_TYPE.NEWDECIMAL,
    ]
)
DATE = DBAPISet([FIELD_TYPE.DATE])
TIME = DBAPISet([FIELD_TYPE.TIME])
TIMESTAMP = DBAPISet([FIELD_TYPE.TIMESTAMP, FIELD_TYPE.DATETIME])
DATETIME = TIMESTAMP
ROWID = DBAPISet()


def Binary(x):
    return bytes(x)


def Connect(*args, **kwargs):
    """Open a connection; see :class:`unshaken.connections.Connection`."""
    from .connections import Connection as _Connection

    return _Connection(*args, **kwargs)


# MySQLdb exposes the factory under all three names.
connect = Connection = Connect

_MYSQLDB_SUBMODULES = (
    "constants", "constants.CLIENT", "constants.CR", "constants.ER",
    "constants.FIELD_TYPE", "constants.FLAG", "converters", "cursors",
    "connections", "times", "release", "_exceptions", "_mysql",
)


def set_wait_callback(callback):
    """Let an event loop do the driver's waiting: ``callback(fd, writable, timeout)``
    (see ``unshaken._wait``). Under gevent's monkey-patching this is automatic."""
    from . import _wait

    _wait.set_wait_callback(callback)


def get_wait_callback():
    """The installed wait callback, or ``None``."""
    from . import _wait

    return _wait.get_wait_callback()


def install_as_MySQLdb():
    """Make ``import MySQLdb`` (and its submodules) load this package, so
    code written for mysqlclient runs unchanged."""
    sys.modules["MySQLdb"] = sys.modules[__name__]
    for sub in _MYSQLDB_SUBMODULES:
        sys.modules["MySQLdb." + sub] = importlib.import_module(__name__ + "." + sub)


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
