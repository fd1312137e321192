"""Version numbers.

``version_info`` and ``__version__`` report the mysqlclient release whose
behaviour this package reproduces: Django, SQLAlchemy and others gate
features on ``MySQLdb.version_info`` / ``__version__``, so they must see a
mysqlclient-shaped version. unshaken's own version is ``unshaken_version``.
"""

version_info = (2, 3, 2, "final", 0)
__version__ = "2.3.2"

unshaken_version = "0.1.0"
