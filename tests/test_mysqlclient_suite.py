"""mysqlclient 2.3.2's own test suite, run against unshaken with ``MySQLdb`` aliased
to it (tests/mysqlclient_suite/run.py fetches the pinned sdist; nothing of it is kept
here), both upstream's way (an option file, ``[MySQLdb-tests]``) and with the same
settings as keyword arguments.

Every upstream test must pass, except those tests/mysqlclient_suite/expected.py lists
(each with its reason); a listed test must still fail, so a fix shows up here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent / "mysqlclient_suite"
sys.path.insert(0, str(HERE))
import expected  # tests/mysqlclient_suite/expected.py

pytestmark = pytest.mark.unshaken_only

_ENV_NAMES = {"host": "HOST", "port": "PORT", "user": "USER", "password": "PASSWORD",
              "database": "DATABASE", "unix_socket": "SOCKET"}


def _run(server_kwargs, mode, tmp_path):
    """run.py in a subprocess, bounded; its JSON summary for ``mode``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNSHAKEN_TEST_")}
    for key, name in _ENV_NAMES.items():
        if server_kwargs.get(key) is not None:
            env[f"UNSHAKEN_TEST_{name}"] = str(server_kwargs[key])
    out = tmp_path / "summary.json"
    proc = subprocess.run(
        [sys.executable, str(HERE / "run.py"), "--mode", mode, "--json", str(out),
         "--timeout", "600", "--test-timeout", "60"],
        env=env, capture_output=True, timeout=900, check=False,
    )
    if not out.exists():
        pytest.fail(f"run.py wrote no summary (exit {proc.returncode}):\n"
                    f"{proc.stdout.decode(errors='replace')[-3000:]}\n"
                    f"{proc.stderr.decode(errors='replace')[-3000:]}", pytrace=False)
    [summary] = json.loads(out.read_text())
    return summary


@pytest.mark.parametrize("mode", ["optionfile", "kwargs"])
def test_mysqlclient_suite(server_kwargs, mode, tmp_path):
    summary = _run(server_kwargs, mode, tmp_path)
    outcomes = summary["outcomes"]
    passed = sum(1 for o in outcomes.values() if o == "passed")
    print(f"mysqlclient {summary['version']} suite ({mode}): {passed} of {len(outcomes)} passed")

    assert summary["mysqldb"].startswith("unshaken from "), summary["mysqldb"]
    assert not summary["timed_out"], summary["output"][-4000:]
    problems = []
    listed_seen = set()
    for nodeid, outcome in sorted(outcomes.items()):
        listed = (expected.entry_for(nodeid, expected.KNOWN_DIFFERENCES)
                  or expected.entry_for(nodeid, expected.PENDING_EXECUTEMANY))
        if listed:
            listed_seen.add(listed)
        if outcome == "hung":
            problems.append(f"{nodeid} hung (see the stacks below)")
        elif listed and outcome == "passed":
            which = ("KNOWN_DIFFERENCES" if listed in expected.KNOWN_DIFFERENCES
                     else "PENDING_EXECUTEMANY")
            problems.append(f"{nodeid} passes now: remove {listed!r} from {which}")
        elif listed and outcome in ("failed", "error"):
            pass  # expected failure, documented
        elif outcome != "passed":  # failed, error, or skipped (a skip is no pass)
            problems.append(f"{nodeid} {outcome}: {summary['details'].get(nodeid, '')}")
    stale = (set(expected.KNOWN_DIFFERENCES) | set(expected.PENDING_EXECUTEMANY)) - listed_seen
    problems += [f"{name} is listed in expected.py but no such test ran" for name in sorted(stale)]
    if len(outcomes) != expected.TOTAL:
        problems.append(f"{len(outcomes)} tests ran, the pinned suite has {expected.TOTAL}")
    if problems:
        tail = summary["output"][-4000:] if any("hung" in p for p in problems) else ""
        pytest.fail("\n".join(problems) + ("\n" + tail if tail else ""), pytrace=False)
