"""One measurement in a fresh process: ``python bench/worker.py`` reads a JSON spec on
stdin (driver, workload, size, server kwargs, table tag) and prints one JSON line with
the timed seconds and the process's peak RSS. The spec comes on stdin so a password
never shows in ``ps``."""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import drivers  # bench/ is not a package: found through sys.path
import workloads


def main():
    spec = json.loads(sys.stdin.read())
    # The driver first: mysql-connector's C extension must be imported before OpenSSL.
    drv = drivers.load(spec["driver"])
    tables = workloads.Tables(spec["tag"])
    run, check = workloads.SETUPS[spec["workload"]](drv, spec["kw"], spec["size"], tables)
    t0 = time.perf_counter()
    run()
    seconds = time.perf_counter() - t0
    check()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_kb / 1024}))


if __name__ == "__main__":
    main()
