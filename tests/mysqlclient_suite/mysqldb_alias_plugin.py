"""pytest plugin loaded (``-p``) into the run of mysqlclient's tests by ``run.py``.

- ``import MySQLdb`` resolves to unshaken (``install_as_MySQLdb()``), before any test
  module is imported; with ``MYSQLCLIENT_SUITE_DRIVER=mysqlclient`` the real one stays.
- In ``kwargs`` mode, upstream's ``configdb.connect_kwargs`` gets the server settings
  from ``MYSQLCLIENT_SUITE_KWARGS`` instead of naming the option file.
- Each test is bounded: a test still running after ``MYSQLCLIENT_SUITE_TEST_TIMEOUT``
  seconds dumps every thread's stack and ends the process (faulthandler), so a hang
  (a DROP TABLE waiting on a metadata lock) fails the run instead of blocking it.
- Every phase's outcome is appended to ``MYSQLCLIENT_SUITE_RESULTS`` (JSON lines) as
  it happens, so the results up to a hang survive it.
"""

from __future__ import annotations

import faulthandler
import json
import os
import sys

_RESULTS = os.environ["MYSQLCLIENT_SUITE_RESULTS"]
_TEST_TIMEOUT = float(os.environ.get("MYSQLCLIENT_SUITE_TEST_TIMEOUT", "60"))
# The stacks of a hung test go to the real stderr: pytest captures fd 2 during a test.
_HANG_REPORT = os.fdopen(os.dup(2), "w")


def _record(**rec):
    with open(_RESULTS, "a", encoding="utf-8") as f:
        f.write(json.dumps(rec) + "\n")


def pytest_configure(config):
    if os.environ.get("MYSQLCLIENT_SUITE_DRIVER", "unshaken") == "unshaken":
        import unshaken

        unshaken.install_as_MySQLdb()
    import MySQLdb

    kwargs = os.environ.get("MYSQLCLIENT_SUITE_KWARGS")
    if kwargs:
        sys.path.insert(0, os.environ["MYSQLCLIENT_SUITE_TESTS"])
        import configdb

        configdb.connect_kwargs.clear()
        configdb.connect_kwargs.update(json.loads(kwargs))
    _record(event="session", mysqldb=MySQLdb.__name__ + " from " + MySQLdb.__file__)


def pytest_runtest_logstart(nodeid, location):
    _record(event="start", nodeid=nodeid)
    faulthandler.dump_traceback_later(_TEST_TIMEOUT, exit=True, file=_HANG_REPORT)


def pytest_runtest_logfinish(nodeid, location):
    faulthandler.cancel_dump_traceback_later()
    _record(event="finish", nodeid=nodeid)


def pytest_runtest_logreport(report):
    message = ""
    if report.outcome != "passed":
        crash = getattr(report.longrepr, "reprcrash", None)
        if crash is not None:
            message = crash.message
        elif isinstance(report.longrepr, tuple):  # a skip: (file, line, reason)
            message = str(report.longrepr[-1])
        else:
            message = str(report.longrepr)
        message = message.strip().splitlines()[0][:300] if message.strip() else ""
    _record(event="report", nodeid=report.nodeid, when=report.when,
            outcome=report.outcome, message=message)
