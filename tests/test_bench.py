"""The benchmark works: ``bench/run.py --quick`` runs every workload through each
driver installed here and the C client, each in its own process, and reports every
one. Its times are never asserted on; this only proves the benchmark runs."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unshaken_only

ROOT = Path(__file__).resolve().parent.parent
DRIVERS = ["unshaken", "mysqlclient", "pymysql"]


def test_quick_benchmark_reports_every_workload(unshaken_server, tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import workloads
        from run import C_WORKLOADS
    finally:
        sys.path.pop(0)
    kw = unshaken_server.connect_kwargs()
    env = {**os.environ, **{f"UNSHAKEN_TEST_{k.upper()}": str(v) for k, v in kw.items()
                            if k in ("host", "port", "user", "password", "database")}}
    if kw.get("unix_socket"):
        env["UNSHAKEN_TEST_SOCKET"] = kw["unix_socket"]
    out = tmp_path / "bench.json"
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick",
                          "--drivers", ",".join(DRIVERS), "--json", str(out)],
                         env=env, capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads(out.read_text())["results"]
    seen = {(r["workload"], r["driver"]) for r in results}
    expected = {(w, d) for w in workloads.ORDER for d in DRIVERS}
    expected |= {(w, "C client") for w in C_WORKLOADS}
    assert seen == expected
    assert all(r["runs"][0]["seconds"] > 0 and r["runs"][0]["peak_rss_mb"] > 0 for r in results)
    # The printed table names every workload.
    for w in workloads.ORDER:
        title = workloads.SIZES[w][0].replace("{n}", f"{workloads.SIZES[w][2]:,}")
        assert title in run.stdout, title
