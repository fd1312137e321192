"""Interrupted-and-retried syscalls are logged at DEBUG to the `unshaken` logger.

Logging is configured before the driver is imported (pyo3-log caches levels).
config: driver, kwargs, storm, queries.
"""

import logging

from _common import Storm, conn_stats, emit, import_driver, load_config


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(record)


def main():
    cfg = load_config()
    handler = Collect()
    log = logging.getLogger("unshaken")
    log.setLevel(logging.DEBUG)
    log.addHandler(handler)
    driver = import_driver(cfg["driver"])
    conn = driver.connect(**cfg["kwargs"])
    with Storm(cfg["storm"]) as storm:
        cur = conn.cursor()
        for _ in range(int(cfg["queries"])):
            cur.execute("SELECT SLEEP(0.02)")
            cur.fetchall()
    stats = conn_stats(conn, cfg["driver"])
    conn.close()
    debug = [r for r in handler.records if r.levelno == logging.DEBUG]
    emit({
        "signals": storm.counter.total,
        "stats": stats,
        "debug_records": len(debug),
        "loggers": sorted({r.name for r in debug}),
        "samples": [r.getMessage()[:200] for r in debug[:5]],
    })


if __name__ == "__main__":
    main()
