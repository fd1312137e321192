"""pytest plugin: a database server and connections for your own test suite.

Registered through the ``pytest11`` entry point, so installing unshaken is enough.
Fixtures:

``unshaken_server`` (session)
    The server the ``UNSHAKEN_TEST_HOST/_PORT/_USER/_PASSWORD/_DATABASE/_SOCKET``
    variables name (an :class:`unshaken.testing.ExistingServer`), or else a
    :class:`unshaken.testing.TemporaryServer` started once for the session and removed
    afterwards. Both have ``connect_kwargs()``, ``host``, ``port`` and ``socket``. With
    no server binary the tests that use it are skipped (failed, when
    ``unshaken_require_server`` is true).
``unshaken_conn`` (function)
    An ``unshaken`` connection to that server, closed after the test.

Override these session fixtures in your ``conftest.py`` to adjust them:

``unshaken_server_args``
    Extra server options for the TemporaryServer (default ``[]``).
``unshaken_require_server``
    True makes a missing server binary a failure instead of a skip (default: true when
    the ``CI`` variable is ``true``/``1``/``yes``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
from pathlib import Path
from typing import Any

import pytest

__all__ = ["unshaken_conn", "unshaken_require_server", "unshaken_server",
           "unshaken_server_args"]


def _testing() -> Any:
    """``unshaken.testing``; loaded from its file when the compiled driver is missing,
    so a server can still be started (the suite will then report the import error)."""
    try:
        from unshaken import testing

        return testing
    except ImportError:
        path = Path(__file__).resolve().parent / "testing.py"
        spec = importlib.util.spec_from_file_location("_unshaken_testing", path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod


def start_temporary_server(extra_args: list[str] | None = None,
                           require: bool = False, tls: bool = False) -> Any:
    """A started TemporaryServer; skips (or fails, with ``require``) without a binary."""
    testing = _testing()
    if testing.find_server_binary() is None:
        msg = ("no mariadbd/mysqld binary to start a test server "
               "(set UNSHAKEN_TEST_HOST etc. to use an existing one)")
        if require:
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    return testing.TemporaryServer(extra_args=extra_args, tls=tls).start()


@pytest.fixture(scope="session")
def unshaken_server_args() -> list[str]:
    return []


@pytest.fixture(scope="session")
def unshaken_require_server() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def unshaken_server(unshaken_server_args, unshaken_require_server):
    existing = _testing().ExistingServer.from_env()
    if existing is not None:
        yield existing
        return
    srv = start_temporary_server(list(unshaken_server_args), unshaken_require_server)
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def unshaken_conn(unshaken_server):
    import unshaken

    conn = unshaken.connect(**unshaken_server.connect_kwargs())
    yield conn
    with contextlib.suppress(unshaken.Error):  # closed or broken by the test already
        conn.close()
