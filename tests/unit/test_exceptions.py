import builtins

import pytest
import unshaken
from unshaken import _exceptions as ex

# errno -> class as mysqlclient 2.2's C extension raises it (hand-checked).
EXPECTED = [
    (0, ex.InterfaceError),
    (1, ex.InternalError),
    (999, ex.InternalError),
    (1007, ex.ProgrammingError),  # DB_CREATE_EXISTS
    (1045, ex.OperationalError),  # access denied
    (1048, ex.IntegrityError),  # BAD_NULL_ERROR
    (1049, ex.OperationalError),  # unknown database
    (1050, ex.OperationalError),  # table exists: not ProgrammingError in mysqlclient
    (1054, ex.OperationalError),  # unknown column: likewise
    (1062, ex.IntegrityError),  # DUP_ENTRY
    (1064, ex.ProgrammingError),  # PARSE_ERROR
    (1102, ex.ProgrammingError),
    (1103, ex.ProgrammingError),
    (1110, ex.ProgrammingError),
    (1111, ex.ProgrammingError),
    (1112, ex.ProgrammingError),
    (1113, ex.ProgrammingError),
    (1146, ex.ProgrammingError),  # NO_SUCH_TABLE
    (1149, ex.ProgrammingError),
    (1169, ex.IntegrityError),  # DUP_UNIQUE
    (1171, ex.DataError),  # PRIMARY_CANT_HAVE_NULL
    (1179, ex.ProgrammingError),  # CANT_DO_THIS_DURING_AN_TRANSACTION
    (1196, ex.NotSupportedError),
    (1205, ex.OperationalError),  # lock wait timeout
    (1213, ex.OperationalError),  # deadlock
    (1215, ex.IntegrityError),
    (1216, ex.IntegrityError),
    (1217, ex.IntegrityError),
    (1230, ex.DataError),  # NO_DEFAULT
    (1235, ex.NotSupportedError),
    (1263, ex.OperationalError),  # see _exceptions: mysqlclient's #ifdef never matches
    (1264, ex.DataError),
    (1265, ex.DataError),
    (1286, ex.NotSupportedError),
    (1289, ex.NotSupportedError),
    (1317, ex.OperationalError),  # query interrupted
    (1364, ex.IntegrityError),  # NO_DEFAULT_FOR_FIELD
    (1366, ex.OperationalError),  # incorrect value
    (1406, ex.DataError),  # DATA_TOO_LONG
    (1441, ex.DataError),
    (1451, ex.IntegrityError),
    (1452, ex.IntegrityError),
    (2002, ex.OperationalError),
    (2003, ex.OperationalError),
    (2006, ex.OperationalError),
    (2013, ex.OperationalError),
    (2014, ex.ProgrammingError),  # CR_COMMANDS_OUT_OF_SYNC
    (2027, ex.OperationalError),
    (4031, ex.OperationalError),
]


@pytest.mark.parametrize("errno,cls", EXPECTED)
def test_error_class(errno, cls):
    assert ex.error_class(errno) is cls


def test_table_has_exactly_mysqlclients_special_cases():
    assert len(ex.ERRNO_CLASS) == 31


def test_hierarchy():
    assert issubclass(ex.Warning, builtins.Warning)
    assert issubclass(ex.Warning, ex.MySQLError)
    assert not issubclass(ex.Warning, ex.Error)
    for name in ("InterfaceError", "DatabaseError"):
        assert getattr(ex, name).__bases__ == (ex.Error,)
    for name in ("DataError", "OperationalError", "IntegrityError", "InternalError",
                 "ProgrammingError", "NotSupportedError"):
        assert getattr(ex, name).__bases__ == (ex.DatabaseError,)
    assert ex.Error.__bases__ == (ex.MySQLError,)
    assert ex.MySQLError.__bases__ == (Exception,)


def test_args_are_errno_and_message():
    e = ex.error_class(1062)(1062, "Duplicate entry '1' for key 'PRIMARY'")
    assert e.args == (1062, "Duplicate entry '1' for key 'PRIMARY'")


def test_package_exports_the_same_classes():
    assert unshaken.OperationalError is ex.OperationalError
    assert unshaken.Warning is ex.Warning
