"""The PEP 249 exception tree, shaped exactly like MySQLdb's, and the one table
that decides which class a MySQL error number raises.

Every error carries ``args == (errno, message)``; Django, SQLAlchemy and most
retry loops look at ``args[0]``, so the classes add no state of their own.
The compiled core raises through :func:`error_class`, so this file is the only
place the errno -> class policy lives.
"""

import builtins

from .constants import CR, ER

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
    "error_class",
]


class MySQLError(Exception):
    """Root of everything this driver raises on purpose."""

    __module__ = "unshaken"


class Warning(builtins.Warning, MySQLError):
    """An important warning, such as data truncated on insert."""

    __module__ = "unshaken"


class Error(MySQLError):
    """Base class of all errors (not warnings)."""

    __module__ = "unshaken"


class InterfaceError(Error):
    """The driver itself was misused or is in a bad state."""

    __module__ = "unshaken"


class DatabaseError(Error):
    """An error reported by, or about, the database."""

    __module__ = "unshaken"


class DataError(DatabaseError):
    """The data was wrong: out of range, too long, truncated, and so on."""

    __module__ = "unshaken"


class OperationalError(DatabaseError):
    """Trouble operating the database: lost connection, timeout, lock wait, ..."""

    __module__ = "unshaken"


class IntegrityError(DatabaseError):
    """A constraint failed: duplicate key, foreign key, NOT NULL."""

    __module__ = "unshaken"


class InternalError(DatabaseError):
    """The database hit an internal error."""

    __module__ = "unshaken"


class ProgrammingError(DatabaseError):
    """The SQL or its use was wrong: syntax error, unknown table, ..."""

    __module__ = "unshaken"


class NotSupportedError(DatabaseError):
    """A feature the server or the driver does not support was asked for."""

    __module__ = "unshaken"


# errno -> class for the numbers that do not follow the fallback rule below.
# This is mysqlclient's list; keep it in step with it rather than "improving"
# it, because callers match on these classes.
_CLASS_NAMES = {
    ProgrammingError: (
        "CR.COMMANDS_OUT_OF_SYNC",
        "DB_CREATE_EXISTS",
        "SYNTAX_ERROR",
        "PARSE_ERROR",
        "NO_SUCH_TABLE",
        "WRONG_DB_NAME",
        "WRONG_TABLE_NAME",
        "FIELD_SPECIFIED_TWICE",
        "INVALID_GROUP_FUNC_USE",
        "UNSUPPORTED_EXTENSION",
        "TABLE_MUST_HAVE_COLUMNS",
        "CANT_DO_THIS_DURING_AN_TRANSACTION",
    ),
    DataError: (
        # mysqlclient also lists WARN_NULL_TO_NOTNULL, under an #ifdef that no
        # client library defines (MySQL and MariaDB call 1263
        # ER_WARN_NULL_TO_NOTNULL), so 1263 is OperationalError there: so here.
        "WARN_DATA_TRUNCATED",
        "WARN_DATA_OUT_OF_RANGE",
        "NO_DEFAULT",
        "PRIMARY_CANT_HAVE_NULL",
        "DATA_TOO_LONG",
        "DATETIME_FUNCTION_OVERFLOW",
    ),
    IntegrityError: (
        "DUP_ENTRY",
        "DUP_UNIQUE",
        "NO_REFERENCED_ROW",
        "NO_REFERENCED_ROW_2",
        "ROW_IS_REFERENCED",
        "ROW_IS_REFERENCED_2",
        "CANNOT_ADD_FOREIGN",
        "NO_DEFAULT_FOR_FIELD",
        "BAD_NULL_ERROR",
    ),
    NotSupportedError: (
        "WARNING_NOT_COMPLETE_ROLLBACK",
        "NOT_SUPPORTED_YET",
        "FEATURE_DISABLED",
        "UNKNOWN_STORAGE_ENGINE",
    ),
}


def _errno(name):
    """'DUP_ENTRY' -> ER.DUP_ENTRY; 'CR.X' -> CR.X."""
    module, _, attr = name.rpartition(".")
    return getattr(CR if module == "CR" else ER, attr)


ERRNO_CLASS = {
    _errno(name): cls for cls, names in _CLASS_NAMES.items() for name in names
}


def error_class(errno):
    """Exception class for a MySQL error number.

    0 means "no server error" (the driver noticed something itself) and gives
    InterfaceError; numbers below 1000 are OS-level codes and give
    InternalError; everything else not in the table is OperationalError.
    """
    if errno == 0:
        return InterfaceError
    cls = ERRNO_CLASS.get(errno)
    if cls is not None:
        return cls
    return InternalError if errno < 1000 else OperationalError
