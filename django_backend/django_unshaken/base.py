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
import types

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
