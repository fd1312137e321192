"""Queries under a signal storm: zero errors and zero wrong results expected.

config: driver, kwargs, workload (first_byte | rows10k | insert4m | executemany),
storm (see Storm), thread (main | worker | worker_aimed: the worker, with the main thread
blocking the storm's signal so every one lands on the worker doing the IO),
timeouts (bool: read/write_timeout=30), seconds, min_iterations.
"""

import contextlib
import hashlib
import time

from _common import (
    Storm,
    conn_stats,
    describe_error,
    emit,
    import_driver,
    load_config,
    run_in_thread,
)

ROWS_SQL = (
    "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM s WHERE n<10000) "
    "SELECT n, REPEAT('x', 50) FROM s"
)
BLOB_SIZE = 4 * 1024 * 1024


def first_byte(cur, i):
    cur.execute("SELECT SLEEP(0.01)")
    rows = cur.fetchall()
    return None if list(map(tuple, rows)) == [(0,)] else f"SLEEP returned {rows!r}"


def rows10k(cur, i):
    cur.execute(ROWS_SQL)
    rows = cur.fetchall()
    if len(rows) != 10000:
        return f"{len(rows)} rows"
    if sum(r[0] for r in rows) != 50005000:
        return "wrong sum"
    if any(r[1] != "x" * 50 for r in rows):
        return "wrong text column"
    return None


def make_blob(i):
    # Varies per iteration (so a stale result is caught) and includes characters the
    # driver must escape.
    unit = f"{i:08d}'\\\"\n\x00ab"
    return (unit * (BLOB_SIZE // len(unit) + 1))[:BLOB_SIZE]


def insert4m(cur, i):
    blob = make_blob(i)
    cur.execute("INSERT INTO sig_blob (id, v) VALUES (%s, %s)", (i, blob))
    cur.execute("SELECT LENGTH(v), MD5(v) FROM sig_blob WHERE id = %s", (i,))
    got = tuple(cur.fetchall())
    cur.execute("DELETE FROM sig_blob WHERE id = %s", (i,))
    want = ((BLOB_SIZE, hashlib.md5(blob.encode()).hexdigest()),)
    return None if tuple(map(tuple, got)) == want else f"read back {got!r}, want {want!r}"


def executemany(cur, i):
    """A batched INSERT (split into several statements) and a row-by-row UPDATE: many
    round trips, each one a wait the storm can interrupt."""
    rows = [(k, f"{i}:{k}'\\\"") for k in range(400)]
    cur.execute("DELETE FROM sig_many")
    cur.max_stmt_length = 2048
    cur.executemany("INSERT INTO sig_many (id, v) VALUES (%s, %s)", rows)
    if cur.rowcount != len(rows):
        return f"INSERT rowcount {cur.rowcount}"
    cur.executemany("UPDATE sig_many SET v = CONCAT(v, %s) WHERE id = %s",
                    [("+", k) for k in range(0, 400, 10)])
    if cur.rowcount != 40:
        return f"UPDATE rowcount {cur.rowcount}"
    cur.execute("SELECT id, v FROM sig_many ORDER BY id")
    got = list(map(tuple, cur.fetchall()))
    want = [(k, v + "+" if k % 10 == 0 else v) for k, v in rows]
    return None if got == want else f"read back {len(got)} rows, first {got[:1]!r}"


WORKLOADS = {
    "first_byte": first_byte,
    "rows10k": rows10k,
    "insert4m": insert4m,
    "executemany": executemany,
}


def main():
    cfg = load_config()
    driver = import_driver(cfg["driver"])
    kwargs = dict(cfg["kwargs"])
    if cfg.get("timeouts"):
        kwargs.update(read_timeout=30, write_timeout=30)
    work = WORKLOADS[cfg["workload"]]
    seconds = float(cfg.get("seconds", 1.0))
    min_iter = int(cfg.get("min_iterations", 3))
    storm = Storm(cfg["storm"])
    summary = {"iterations": 0, "errors": 0, "wrong": 0, "samples": [], "stats": None}

    def connect():
        c = driver.connect(**kwargs)
        if cfg["workload"] == "rows10k":
            # MariaDB's default (1000) silently truncates the recursive CTE.
            c.cursor().execute("SET SESSION max_recursive_iterations = 100000")
        if cfg["workload"] == "insert4m":
            c.cursor().execute(
                "CREATE TEMPORARY TABLE sig_blob (id INT PRIMARY KEY, v LONGTEXT)"
            )
        if cfg["workload"] == "executemany":
            c.cursor().execute(
                "CREATE TEMPORARY TABLE sig_many (id INT PRIMARY KEY, v VARCHAR(40))"
            )
        return c

    def loop():
        conn = None
        t0 = time.monotonic()
        i = 0
        while i < min_iter or time.monotonic() - t0 < seconds:
            if time.monotonic() - t0 > 20 * seconds + 30:  # hopelessly slow: stop, report
                # A storm must not make the driver crawl: counted as an error.
                summary["errors"] += 1
                summary["samples"].append(f"gave up: {i} iterations in {time.monotonic() - t0:.0f} s")
                break
            i += 1
            try:
                if conn is None:
                    conn = connect()
                cur = conn.cursor()
                bad = work(cur, i)
                cur.close()
                if bad is not None:
                    summary["wrong"] += 1
                    summary["samples"].append(bad[:300])
            except Exception as e:  # noqa: BLE001 -- any error under a storm is counted
                summary["errors"] += 1
                summary["samples"].append(describe_error(e))
                if conn is not None:
                    with contextlib.suppress(Exception):  # it may be broken already
                        conn.close()
                conn = None
                if summary["errors"] >= 20:
                    break
            summary["iterations"] = i
        if conn is not None:
            summary["stats"] = conn_stats(conn, cfg["driver"])
            conn.close()
        summary["elapsed"] = time.monotonic() - t0

    thread = cfg.get("thread", "main")
    with storm:
        if thread == "worker":
            run_in_thread(loop)
        elif thread == "worker_aimed":
            run_in_thread(loop, signals_to_worker=[storm.signum])
        else:
            loop()
    summary["signals"] = storm.counter.total
    summary["samples"] = summary["samples"][:5]
    emit(summary)


if __name__ == "__main__":
    main()
