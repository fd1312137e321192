"""What unshaken is expected to do with mysqlclient 2.3.2's own tests (run by run.py,
checked by tests/test_mysqlclient_suite.py). Every test not named here must pass.

An entry is ``"file::test"`` (every parametrization of it) or a full node id, mapped to
the reason. A listed test must fail: one that starts passing fails the check, so the
lists can only shrink.
"""

from __future__ import annotations

# The number of tests the pinned suite collects: a test that silently vanished (an
# import error, a collection change) is a failure, not a smaller denominator.
TOTAL = 186

# Deliberate differences from mysqlclient, each with its reason (also in the README's
# compatibility table). None today: every upstream test passes or is pending below.
KNOWN_DIFFERENCES: dict[str, str] = {}

# Tests expected to fail until a feature lands, with the reason. Empty: mysqlclient 2.3's
# executemany_fallback and its "multi" batching are in, so every upstream test passes.
PENDING_EXECUTEMANY: dict[str, str] = {}


def entry_for(nodeid: str, listing: dict[str, str]) -> str | None:
    """The key of ``listing`` that names ``nodeid`` (itself, or its test function)."""
    if nodeid in listing:
        return nodeid
    base = nodeid.split("[", 1)[0]
    return base if base in listing else None
