"""connect + close, `count` times, under a timer storm; every connect must succeed.

config: driver, kwargs, count, connect_timeout, storm.
"""

import time

from _common import Storm, conn_stats, describe_error, emit, import_driver, load_config


def main():
    cfg = load_config()
    driver = import_driver(cfg["driver"])
    out = {"ok": 0, "errors": 0, "samples": [], "interrupted_retries": 0}
    storm = Storm(cfg["storm"])
    with storm:
        t0 = time.monotonic()
        for _ in range(int(cfg["count"])):
            try:
                c = driver.connect(connect_timeout=cfg["connect_timeout"], **cfg["kwargs"])
                st = conn_stats(c, cfg["driver"])
                if st is not None:
                    out["interrupted_retries"] += st["interrupted_retries"]
                c.close()
                out["ok"] += 1
            except Exception as e:  # noqa: BLE001 -- any error is counted
                out["errors"] += 1
                if len(out["samples"]) < 5:
                    out["samples"].append(describe_error(e))
        out["elapsed"] = time.monotonic() - t0
    out["signals"] = storm.counter.total
    emit(out)


if __name__ == "__main__":
    main()
