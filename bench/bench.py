#!/usr/bin/env python3
"""Driver benchmark: the same workloads with unshaken, mysqlclient and PyMySQL in one
run, against one server; prints best-of-N times and each driver's ratio to mysqlclient.

Server: UNSHAKEN_TEST_HOST/_PORT/_USER/_PASSWORD/_DATABASE/_SOCKET, default the local
server at 127.0.0.1:3306 (root, database test); --throwaway starts a private one.

    python bench/bench.py [--quick] [--repeat N] [--drivers unshaken,mysqlclient,pymysql]
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import importlib.metadata
import importlib.util
import json
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = {"unshaken": "unshaken", "mysqlclient": "MySQLdb", "pymysql": "pymysql"}
DISTS = {"unshaken": "unshaken", "mysqlclient": "mysqlclient", "pymysql": "PyMySQL"}
BASELINE = "mysqlclient"
TABLE = f"bench_unshaken_{os.getpid()}"  # unique to this run; dropped at the end
EM_TABLE = TABLE + "_em"

SIZES = {
    "full": {"select1": 20000, "rows": 100000, "executemany": 20000, "connect": 500},
    "quick": {"select1": 2000, "rows": 10000, "executemany": 2000, "connect": 50},
}


def server_kwargs():
    env = {k: os.environ.get(f"UNSHAKEN_TEST_{k}") for k in
           ("HOST", "PORT", "USER", "PASSWORD", "DATABASE", "SOCKET")}
    kw = {
        "host": env["HOST"] or "127.0.0.1",
        "port": int(env["PORT"] or 3306),
        "user": env["USER"] or "root",
        "password": env["PASSWORD"] or "",
        "database": env["DATABASE"] or "test",
    }
    if env["SOCKET"]:
        kw["unix_socket"] = env["SOCKET"]
    return kw


def load_testing():
    try:
        from unshaken import testing
    except ImportError:  # driver not built: the module is stdlib-only, load the file
        spec = importlib.util.spec_from_file_location(
            "_unshaken_testing", ROOT / "python" / "unshaken" / "testing.py")
        testing = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(testing)
    return testing


def _dist_version(name):
    try:
        return importlib.metadata.version(DISTS[name])
    except importlib.metadata.PackageNotFoundError:
        return "?"


def import_drivers(names):
    found = {}
    for name in names:
        try:
            found[name] = importlib.import_module(MODULES[name])
        except ImportError as e:
            print(f"# {name}: not importable ({e}); skipped", file=sys.stderr)
    return found


# -- data ---------------------------------------------------------------------------


def prepare(driver, kw, n_rows):
    conn = driver.connect(autocommit=True, **kw)
    cur = conn.cursor()
    cur.execute(f"DROP TABLE IF EXISTS {TABLE}")
    cur.execute(
        f"""CREATE TABLE {TABLE} (
            id INT PRIMARY KEY, big BIGINT, name VARCHAR(50), score DOUBLE,
            price DECIMAL(12,2), created DATETIME(6), day DATE, blobby BLOB,
            maybe INT NULL, flag TINYINT) DEFAULT CHARSET=utf8mb4"""
    )
    cur.execute("SET SESSION max_recursive_iterations = %s", (n_rows + 10,))
    cur.execute(
        f"""INSERT INTO {TABLE}
        WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < %s)
        SELECT n, n * 1000003, CONCAT('name-', n, '-', REPEAT('x', n %% 30)), n / 7,
               n / 100, TIMESTAMP('2024-01-01') + INTERVAL n SECOND + INTERVAL n MICROSECOND,
               DATE('2000-01-01') + INTERVAL (n %% 9000) DAY, UNHEX(MD5(n)),
               IF(n %% 2, n, NULL), n %% 128
        FROM s""",
        (n_rows,),
    )
    cur.execute(f"DROP TABLE IF EXISTS {EM_TABLE}")
    cur.execute(
        f"CREATE TABLE {EM_TABLE} (id INT, name VARCHAR(50), price DECIMAL(12,2), "
        "created DATETIME(6)) DEFAULT CHARSET=utf8mb4"
    )
    conn.close()


def cleanup(driver, kw):
    conn = driver.connect(autocommit=True, **kw)
    cur = conn.cursor()
    cur.execute(f"DROP TABLE IF EXISTS {TABLE}")
    cur.execute(f"DROP TABLE IF EXISTS {EM_TABLE}")
    conn.close()


# -- workloads: setup(driver, kw, n) -> state; run(state) is timed; check after ------


def wl_select1(driver, kw, n):
    conn = driver.connect(**kw)
    cur = conn.cursor()

    def run():
        for _ in range(n):
            cur.execute("SELECT 1")
            if cur.fetchall()[0][0] != 1:
                raise AssertionError("SELECT 1")

    return run, conn.close


def wl_fetchall(driver, kw, n):
    conn = driver.connect(**kw)
    cur = conn.cursor()

    def run():
        cur.execute(f"SELECT * FROM {TABLE}")
        rows = cur.fetchall()
        if len(rows) != n or len(rows[0]) != 10:
            raise AssertionError(f"fetchall: {len(rows)} rows")

    return run, conn.close


def wl_executemany(driver, kw, n):
    conn = driver.connect(autocommit=True, **kw)
    cur = conn.cursor()
    cur.execute(f"TRUNCATE TABLE {EM_TABLE}")
    base = dt.datetime(2024, 1, 1)
    data = [(i, f"row-{i}", Decimal(i) / 100, base + dt.timedelta(microseconds=i))
            for i in range(n)]

    def run():
        cur.execute(f"TRUNCATE TABLE {EM_TABLE}")
        cur.executemany(
            f"INSERT INTO {EM_TABLE} (id, name, price, created) VALUES (%s, %s, %s, %s)", data
        )

    def done():
        cur.execute(f"SELECT COUNT(*) FROM {EM_TABLE}")
        count = cur.fetchall()[0][0]
        conn.close()
        if count != n:
            raise AssertionError(f"executemany inserted {count} of {n}")

    return run, done


def wl_connect(driver, kw, n):
    def run():
        for _ in range(n):
            driver.connect(**kw).close()

    return run, lambda: None


WORKLOADS = [
    ("select1", "N x SELECT 1", wl_select1),
    ("rows", "fetchall N rows x 10 cols", wl_fetchall),
    ("executemany", "executemany N rows", wl_executemany),
    ("connect", "N x connect + close", wl_connect),
]


def measure(drivers, kw, sizes, repeat, only):
    results = {}  # (workload, driver) -> best seconds
    for key, _title, fn in WORKLOADS:
        if only and key not in only:
            continue
        n = sizes[key]
        for _ in range(repeat):
            for name, driver in drivers.items():  # interleaved: drift hits all alike
                run, done = fn(driver, kw, n)
                t0 = time.perf_counter()
                try:
                    run()
                    elapsed = time.perf_counter() - t0
                finally:
                    done()
                best = results.get((key, name))
                results[(key, name)] = elapsed if best is None else min(best, elapsed)
    return results


def print_table(results, drivers, sizes):
    names = list(drivers)
    head = f"{'workload':<34}" + "".join(f"{n:>24}" for n in names)
    print(head)
    print("-" * len(head))
    for key, title, _fn in WORKLOADS:
        if not any((key, n) in results for n in names):
            continue
        base = results.get((key, BASELINE))
        cells = []
        for n in names:
            t = results.get((key, n))
            if t is None:
                cells.append(f"{'-':>24}")
                continue
            ratio = f" ({t / base:.2f}x)" if base else ""
            cells.append(f"{t * 1000:>12.1f} ms{ratio:>9}")
        label = f"{title.replace('N', str(sizes[key]))}"
        print(f"{label:<34}" + "".join(cells))
    if BASELINE in drivers:
        print(f"\nratio = time / {BASELINE} time (lower is faster); best of the repeats")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--drivers", default="unshaken,mysqlclient,pymysql",
                    help="comma-separated subset of: " + ",".join(MODULES))
    ap.add_argument("--repeat", type=int, default=3, help="best of N (default 3)")
    ap.add_argument("--quick", action="store_true", help="scaled-down sizes")
    ap.add_argument("--throwaway", action="store_true",
                    help="start a private TemporaryServer instead of using the env/default")
    ap.add_argument("--only", default="", help="comma-separated workloads: "
                    + ",".join(w[0] for w in WORKLOADS))
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = ap.parse_args(argv)

    names = [d.strip() for d in args.drivers.split(",") if d.strip()]
    bad = [d for d in names if d not in MODULES]
    if bad:
        ap.error(f"unknown driver(s) {bad}; choose from {list(MODULES)}")
    drivers = import_drivers(names)
    if not drivers:
        print("no driver importable", file=sys.stderr)
        return 2
    sizes = SIZES["quick" if args.quick else "full"]
    only = {w for w in args.only.split(",") if w}

    server = None
    if args.throwaway:
        server = load_testing().TemporaryServer().start()
        kw = server.connect_kwargs()
    else:
        kw = server_kwargs()
    setup_driver = next(iter(drivers.values()))
    try:
        prepare(setup_driver, kw, sizes["rows"])
        where = kw.get("unix_socket") or f"{kw['host']}:{kw['port']}"
        versions = ", ".join(
            f"{n} {_dist_version(n)}" for n in drivers
        )
        print(f"# server {where}; drivers: {versions}")
        print(f"# repeat {args.repeat}, sizes {sizes}\n")
        results = measure(drivers, kw, sizes, args.repeat, only)
    finally:
        try:
            cleanup(setup_driver, kw)
        finally:
            if server is not None:
                server.stop()
    print_table(results, drivers, sizes)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(
            {"sizes": sizes, "repeat": args.repeat,
             "results": [{"workload": k, "driver": d, "seconds": t}
                         for (k, d), t in results.items()]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
