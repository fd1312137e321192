"""Ctrl-C during a long query: KeyboardInterrupt itself (never wrapped in a DB-API
error) arrives promptly, and the connection is then usable or fails cleanly.

config: driver, kwargs, sql, after (seconds before SIGINT), thread (main | worker).
"""

import os
import signal
import threading
import time

from _common import describe_error, emit, import_driver, load_config


def main():
    cfg = load_config()
    driver = import_driver(cfg["driver"])
    conn = driver.connect(**cfg["kwargs"])
    cur = conn.cursor()
    out = {"raised": None, "keyboard_interrupt": False}
    sent = {}

    def interrupt():
        sent["at"] = time.monotonic()
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(float(cfg["after"]), interrupt)
    timer.start()
    try:
        cur.execute(cfg["sql"])
        out["result"] = repr(cur.fetchall())
    except KeyboardInterrupt:
        out["keyboard_interrupt"] = True
    except BaseException as e:  # noqa: BLE001 -- anything else is the failure we report
        out["raised"] = describe_error(e)
    caught = time.monotonic()
    timer.join()
    out["latency"] = caught - sent["at"] if "at" in sent else None
    try:
        c2 = conn.cursor()
        c2.execute("SELECT 42")
        out["after"] = repr(tuple(map(tuple, c2.fetchall())))
        out["after_ok"] = out["after"] == "((42,),)"
    except driver.Error as e:
        out["after"] = describe_error(e)
        out["after_ok"] = True
    emit(out)


if __name__ == "__main__":
    main()
