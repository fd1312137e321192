"""read_timeout under a dense storm: the deadline must be exact, not reset by EINTR.

config: driver, kwargs, read_timeout, sql, storm, expect (usable | closed). Reports the
exception, the elapsed time and what the same connection does next.
"""

import time

from _common import (
    Storm,
    check_after,
    conn_stats,
    describe_error,
    emit,
    import_driver,
    load_config,
)


def main():
    cfg = load_config()
    driver = import_driver(cfg["driver"])
    conn = driver.connect(read_timeout=cfg["read_timeout"], **cfg["kwargs"])
    cur = conn.cursor()
    # The session setup is done first: unshaken sends connect()'s autocommit setting
    # with the first statement, whose answer would otherwise fall inside the window.
    cur.execute("SELECT 1")
    cur.fetchall()
    out = {"raised": None, "errno": None, "operational": False, "result": None}
    storm = Storm(cfg["storm"])
    with storm:
        t0 = time.monotonic()
        try:
            cur.execute(cfg["sql"])
            out["result"] = repr(cur.fetchall())
        except Exception as e:  # noqa: BLE001 -- its class is asserted on
            out["raised"] = describe_error(e)
            out["operational"] = isinstance(e, driver.OperationalError)
            out["errno"] = e.args[0] if e.args else None
        out["elapsed"] = time.monotonic() - t0
    out["signals"] = storm.counter.total
    try:
        out["stats"] = conn_stats(conn, cfg["driver"])
    except Exception as e:  # noqa: BLE001 -- reported
        out["stats"] = describe_error(e)
    # Afterwards: usable (cancelled on the server) or, without cancel, closed; never
    # the old result.
    out.update(check_after(conn, driver, cfg.get("expect", "usable")))
    try:
        conn.close()
    except driver.Error:
        pass
    emit(out)


if __name__ == "__main__":
    main()
