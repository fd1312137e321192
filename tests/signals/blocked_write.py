"""A 16 MiB statement written while the server is SIGSTOPped, under a 1 ms timer.

The write blocks (socket buffers are far smaller than 16 MiB) until the server is
thawed; the statement must then complete and read back intact.
config: driver, kwargs, server_pid, size, freeze_seconds, storm, timeouts.
"""

import hashlib
import os
import signal
import threading
import time

from _common import Storm, conn_stats, describe_error, emit, import_driver, load_config


def main():
    cfg = load_config()
    driver = import_driver(cfg["driver"])
    kwargs = dict(cfg["kwargs"])
    if cfg.get("timeouts"):
        kwargs.update(read_timeout=30, write_timeout=30)
    size = int(cfg["size"])
    pid = int(cfg["server_pid"])
    conn = driver.connect(**kwargs)
    cur = conn.cursor()
    cur.execute("CREATE TEMPORARY TABLE sig_big (v LONGTEXT)")
    unit = "0123456789abcdef'\\"
    blob = (unit * (size // len(unit) + 1))[:size]
    want = (size, hashlib.md5(blob.encode()).hexdigest())
    out = {"error": None, "result": None}
    thawed = {}

    def thaw():
        os.kill(pid, signal.SIGCONT)
        thawed["at"] = time.monotonic()

    storm = Storm(cfg["storm"])
    timer = threading.Timer(float(cfg["freeze_seconds"]), thaw)
    try:
        with storm:
            os.kill(pid, signal.SIGSTOP)
            timer.start()
            t0 = time.monotonic()
            try:
                cur.execute("INSERT INTO sig_big (v) VALUES (%s)", (blob,))
            except Exception as e:  # noqa: BLE001 -- reported in the summary
                out["error"] = describe_error(e)
            done = time.monotonic()
    finally:
        timer.join()  # never leave the server stopped
        if "at" not in thawed:
            os.kill(pid, signal.SIGCONT)
    out["elapsed"] = done - t0
    # Proof the write really waited for the frozen server.
    out["finished_after_thaw"] = "at" in thawed and done >= thawed["at"]
    out["signals"] = storm.counter.total
    if out["error"] is None:
        cur.execute("SELECT LENGTH(v), MD5(v) FROM sig_big")
        rows = tuple(map(tuple, cur.fetchall()))
        out["result_ok"] = rows == (want,)
        out["result"] = repr(rows)[:200]
    out["stats"] = conn_stats(conn, cfg["driver"])
    conn.close()
    emit(out)


if __name__ == "__main__":
    main()
