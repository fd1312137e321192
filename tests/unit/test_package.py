import sys

import unshaken
from unshaken.constants import FIELD_TYPE


def test_dbapi_globals():
    assert (unshaken.apilevel, unshaken.threadsafety, unshaken.paramstyle) == ("2.0", 1, "format")
    # The mysqlclient release whose test suite unshaken passes (Django and SQLAlchemy
    # read this number to decide what the driver can do).
    assert unshaken.version_info == (2, 3, 2, "final", 0)
    assert unshaken.__version__ == "2.3.2"
    assert unshaken.connect is unshaken.Connect is unshaken.Connection


def test_type_objects():
    assert FIELD_TYPE.VAR_STRING == unshaken.STRING
    assert FIELD_TYPE.DATE != unshaken.STRING
    assert unshaken.STRING != unshaken.NUMBER
    assert unshaken.DATETIME == FIELD_TYPE.DATETIME == unshaken.TIMESTAMP
    assert FIELD_TYPE.NEWDECIMAL == unshaken.NUMBER
    assert FIELD_TYPE.BLOB == unshaken.BINARY
    assert 1 != unshaken.ROWID
    assert unshaken.Binary(bytearray(b"x")) == b"x"


def test_install_as_mysqldb(monkeypatch):
    for name in [n for n in sys.modules if n == "MySQLdb" or n.startswith("MySQLdb.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "MySQLdb", None)  # restored afterwards
    unshaken.install_as_MySQLdb()
    try:
        import MySQLdb
        from MySQLdb import _mysql, connections, cursors
        from MySQLdb.constants import CLIENT, ER

        assert MySQLdb is unshaken
        assert CLIENT.FOUND_ROWS == 2 and ER.DUP_ENTRY == 1062
        assert cursors.DictCursor is unshaken.cursors.DictCursor
        assert connections.Connection is _mysql.connection
        assert _mysql.OperationalError is MySQLdb.OperationalError
        assert __import__("MySQLdb.constants.CLIENT").constants.CLIENT is CLIENT
    finally:
        for name in [n for n in sys.modules if n.startswith("MySQLdb.")]:
            del sys.modules[name]
