"""The MySQL drivers for Python that ``storm`` compares, in one table: the name a user
types, the module to import, the distribution that installs it. The test suite's signal
scripts and the benchmark take their driver modules from here too. Stdlib only."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import NamedTuple


class Driver(NamedTuple):
    name: str
    module: str
    distribution: str
    # A read timeout that covers waiting for a result (storm's deadline phase).
    read_timeout: bool = True


# In the order storm reports them: ours first.
DRIVERS = {d.name: d for d in (
    Driver("unshaken", "unshaken", "unshaken"),
    Driver("mysqlclient", "MySQLdb", "mysqlclient"),
    Driver("pymysql", "pymysql", "PyMySQL"),
    Driver("mysql-connector", "mysql.connector", "mysql-connector-python", read_timeout=False),
    Driver("mariadb", "mariadb", "mariadb"),
)}

# Other spellings users type for the same drivers.
ALIASES = {
    **{name: name for name in DRIVERS},
    "mysqldb": "mysqlclient",
    **{alias: "mysql-connector"
       for alias in ("mysql.connector", "mysqlconnector", "mysql-connector-python")},
}


def import_driver(name: str) -> ModuleType:
    """The DB-API module of the driver called ``name`` (a key of DRIVERS)."""
    return importlib.import_module(DRIVERS[name].module)
