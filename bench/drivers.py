"""The drivers the benchmark compares, behind one small adapter each: how to import
and connect, and how to get a dict cursor and a streaming (unbuffered) cursor."""

from __future__ import annotations

import compileall
import importlib
import importlib.metadata
import importlib.util
from pathlib import Path

from unshaken.cli.drivers import DRIVERS

# Benchmark order; the first is ours, the second the baseline of every ratio.
ALL = ["unshaken", "mysqlclient", "pymysql", "mariadb", "mysql-connector"]
BASELINE = "mysqlclient"


class Driver:
    name = ""  # a key of unshaken.cli.drivers.DRIVERS: its module and distribution
    # Django ENGINE for this driver, or None when it has no Django backend.
    django_engine: str | None = "django.db.backends.mysql"

    def __init__(self):
        self.module = importlib.import_module(DRIVERS[self.name].module)

    def connect(self, **kw):
        return self.module.connect(**kw)

    def dict_cursor(self, conn):
        return conn.cursor(self.module.cursors.DictCursor)

    def stream_cursor(self, conn):
        return conn.cursor(self.module.cursors.SSCursor)

    def django_prepare(self):
        """Called before Django is set up (PyMySQL poses as MySQLdb there)."""


class Unshaken(Driver):
    name = "unshaken"
    django_engine = "django_unshaken"


class Mysqlclient(Driver):
    name = "mysqlclient"


class PyMySQL(Driver):
    name = "pymysql"

    def django_prepare(self):
        self.module.install_as_MySQLdb()


class MariaDB(Driver):
    """MariaDB Connector/Python (a C extension over libmariadb)."""

    name = "mariadb"
    django_engine = None

    def dict_cursor(self, conn):
        return conn.cursor(dictionary=True)

    def stream_cursor(self, conn):
        return conn.cursor(buffered=False)


class MySQLConnector(Driver):
    """mysql-connector-python with its C extension. The extension needs the OpenSSL
    its wheel bundles (mysql/vendor), loaded before any other OpenSSL: so it is loaded
    first, globally, and the extension imported before anything else (each benchmark
    runs in a process of its own)."""

    name = "mysql-connector"
    django_engine = "mysql.connector.django"

    def __init__(self):
        import ctypes

        (pkg_dir,) = importlib.util.find_spec("mysql").submodule_search_locations
        for lib in ("libcrypto.so.3", "libssl.so.3"):
            bundled = Path(pkg_dir) / "vendor" / lib
            if bundled.exists():
                ctypes.CDLL(str(bundled), mode=ctypes.RTLD_GLOBAL)
        importlib.import_module("_mysql_connector")
        super().__init__()

    def connect(self, **kw):
        conn = self.module.connect(use_pure=False, **kw)
        if type(conn).__name__ != "CMySQLConnection":
            raise RuntimeError("mysql-connector's C extension did not load")
        return conn

    def dict_cursor(self, conn):
        return conn.cursor(dictionary=True)

    def stream_cursor(self, conn):
        return conn.cursor(buffered=False)


_CLASSES = {c.name: c for c in (Unshaken, Mysqlclient, PyMySQL, MariaDB, MySQLConnector)}


def load(name):
    """The adapter for ``name``; ImportError when the driver is not installed."""
    return _CLASSES[name]()


def version(name):
    try:
        return importlib.metadata.version(DRIVERS[name].distribution)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def django_engine(name):
    """The Django ENGINE for ``name`` (None if it has none), without importing it."""
    return _CLASSES[name].django_engine


def compile_sources(names, engines):
    """Write the bytecode caches of each driver's Python package (and its Django
    backend) now, as pip does when it installs a wheel: a development install
    (``maturin develop``, ``pip install -e``) under PYTHONDONTWRITEBYTECODE would
    otherwise compile its modules from source again in every fresh worker process,
    inside the timed part (the first connect imports the connection module), and
    the benchmark would time the compiler rather than the driver."""
    modules = [DRIVERS[n].module for n in names] + [e for e in engines if e]
    for name in dict.fromkeys(m.split(".")[0] for m in modules):
        spec = importlib.util.find_spec(name)
        for directory in (spec and spec.submodule_search_locations) or ():
            compileall.compile_dir(directory, quiet=1)


def installed(names):
    """The subset of ``names`` installed here (found, not imported: import order
    matters for mysql-connector, and every benchmark imports in a fresh process)."""
    found = []
    for name in names:
        spec_name = "_mysql_connector" if name == "mysql-connector" else DRIVERS[name].module
        if importlib.util.find_spec(spec_name.split(".")[0]) is not None:
            found.append(name)
    return found

