"""Unit tests: pure Python, no server, no compiled core.

``unshaken.connections`` imports ``unshaken._native``. When the extension is
not built, the in-memory fake below is registered under that name so the
package imports; the ``conn`` fixtures always use the fake either way.
"""

import os
import sys

import pytest

HERE = os.path.dirname(__file__)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))

import fake_native

try:
    import unshaken._native  # noqa: F401
except ImportError:
    sys.modules["unshaken._native"] = fake_native

from unshaken import connections


@pytest.fixture
def make_conn(monkeypatch):
    """make_conn(responder=None, **connect_kwargs) -> Connection on the fake."""
    monkeypatch.setattr(connections, "_native", fake_native)

    def make(responder=None, **kwargs):
        if responder is not None:
            monkeypatch.setattr(fake_native.Connection, "responder", staticmethod(responder))
        return connections.Connection(**kwargs)

    return make


@pytest.fixture
def conn(make_conn):
    return make_conn()
