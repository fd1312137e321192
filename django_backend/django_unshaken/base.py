"""The backend: Django's own MySQL backend, with unshaken as its driver.

``django.db.backends.mysql`` does all the SQL work. Two of its modules import
mysqlclient by name (``base``: ``import MySQLdb as Database``, ``MySQLdb.constants``,
``MySQLdb.converters``; ``introspection``: ``MySQLdb.constants``). Those two are
executed here a second time, from Django's own compiled code, as private modules of
this package whose ``import MySQLdb...`` statements are answered by the matching
``unshaken...`` module. Nothing global changes: ``sys.modules["MySQLdb"]`` and
``django.db.backends.mysql`` stay untouched, so mysqlclient need not be installed,
and a project that also uses mysqlclient for another database keeps it. The other
modules (features, operations, schema, creation, client, validation) never name the
driver and are shared with Django's backend as they are.
"""

import builtins
import importlib.util
import sys
import threading
import types
import typing

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.base.base import NO_DB_ALIAS
from unshaken.pool import ConnectionPool

_DJANGO_MYSQL = "django.db.backends.mysql"


def _load_with_unshaken(name, relative=None):
    """Run ``django.db.backends.mysql.<name>`` as ``django_unshaken._mysql_<name>``
    with ``MySQLdb[.x]`` imports mapped to ``unshaken[.x]``; ``relative`` maps a
    relative import (``from .x import ...``) to a module given here instead."""
    spec = importlib.util.find_spec(f"{_DJANGO_MYSQL}.{name}")
    code = spec.loader.get_code(spec.name)
    relative = relative or {}

    def _import(modname, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and (modname == "MySQLdb" or modname.startswith("MySQLdb.")):
            modname = "unshaken" + modname[len("MySQLdb"):]
        elif level == 1 and modname in relative:
            return relative[modname]
        return builtins.__import__(modname, globals, locals, fromlist, level)

    module = types.ModuleType(f"{__package__}._mysql_{name}", f"Django's {spec.name}")
    module.__file__ = spec.origin
    module.__package__ = _DJANGO_MYSQL  # its other relative imports: Django's modules
    module.__builtins__ = {**builtins.__dict__, "__import__": _import}
    sys.modules[module.__name__] = module
    try:
        exec(code, module.__dict__)  # noqa: S102 - Django's own compiled module
    except BaseException:
        del sys.modules[module.__name__]
        raise
    return module


_introspection = _load_with_unshaken("introspection")
_base = _load_with_unshaken("base", {"introspection": _introspection})

Database = _base.Database
CursorWrapper = _base.CursorWrapper
DatabaseIntrospection = _introspection.DatabaseIntrospection


class DatabaseWrapper(_base.DatabaseWrapper):
    """Django's MySQL ``DatabaseWrapper`` (vendor "mysql"), connecting with unshaken."""

    # OPTIONS["pool"] (True or a dict of unshaken.pool.ConnectionPool arguments),
    # as Django's PostgreSQL backend: one pool per alias, shared by the threads.
    _connection_pools: typing.ClassVar[dict] = {}
    _connection_pools_lock = threading.Lock()
    _checked_out_from = None  # the pool self.connection came from

    @property
    def pool(self):
        pool_options = self.settings_dict["OPTIONS"].get("pool")
        if self.alias == NO_DB_ALIAS or not pool_options:
            return None
        with self._connection_pools_lock:  # a pool opens min_size connections at once
            if self.alias not in self._connection_pools:
                if self.settings_dict.get("CONN_MAX_AGE", 0) != 0:
                    raise ImproperlyConfigured("Pooling doesn't support persistent connections.")
                pool_options = {} if pool_options is True else dict(pool_options)
                self._connection_pools[self.alias] = ConnectionPool(
                    **{**self.get_connection_params(), **pool_options}
                )
            return self._connection_pools[self.alias]

    def close_pool(self):
        with self._connection_pools_lock:
            pool = self._connection_pools.pop(self.alias, None)
        if pool is not None:
            pool.close()

    def get_connection_params(self):
        params = super().get_connection_params()
        params.pop("pool", None)  # ours, not connect()'s
        return params

    def get_new_connection(self, conn_params):
        pool = self.pool
        if pool is None:
            return super().get_new_connection(conn_params)
        connection = pool.getconn()
        self._checked_out_from = pool
        if connection.encoders.get(bytes) is bytes:  # as Django's get_new_connection
            connection.encoders.pop(bytes)
        return connection

    def _close(self):
        pool, self._checked_out_from = self._checked_out_from, None
        if pool is None or self.connection is None:
            return super()._close()
        with self.wrap_database_errors:
            # Back to the pool it came from, even if settings changed the alias's pool.
            connection, self.connection = self.connection, None
            pool.putconn(connection)
        return None

    def close_if_health_check_failed(self):
        if self.pool:
            return  # the pool hands out only connections that are alive
        super().close_if_health_check_failed()
