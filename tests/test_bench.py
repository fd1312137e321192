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


def _report():
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import report
    finally:
        sys.path.pop(0)
    return report


def test_unshaken_is_paired_with_the_best_other_driver_and_the_c_client():
    report = _report()
    secs = {"unshaken": [1.0, 2.0], "mysqlclient": [2.0, 4.0], "pymysql": [1.5, 1.0],
            "C client": [0.5, 1.0]}
    results = {("select1", d): [{"seconds": s, "peak_rss_mb": 1.0} for s in runs]
               for d, runs in secs.items()}
    contenders = list(secs)
    summary = report.summarize(results, contenders, ["select1"])
    versus = report.comparisons(results, summary, contenders, ["select1"])
    # pymysql's ratios to mysqlclient are 0.75 and 0.25: the best other driver. Paired
    # round by round, unshaken took 1/1.5 and 2/1 of its time, and twice the C client's.
    assert versus["select1"]["best"] == "pymysql"
    assert versus["select1"]["vs_best"] == pytest.approx((1 / 1.5 + 2) / 2)
    assert versus["select1"]["vs_c"] == pytest.approx(2.0)
    sizes = {"select1": 10, "fetchall": 10}
    versions = {d: "1" for d in contenders if d != "C client"}
    table = report.markdown_table(summary, contenders, ["select1"], sizes, versions, 2, versus)
    row = next(line for line in table.splitlines() if "SELECT 1" in line)
    assert row.rstrip(" |").endswith("| 1.33 | 2.00")
    assert report._ratio(0.0423) == "0.042" and report._ratio(0.5) == "0.50"
