"""Ctrl-C during a long query: KeyboardInterrupt itself (never wrapped in a DB-API
error) arrives promptly, and the connection is then usable (the statement was
cancelled) or, with cancel_on_interrupt=False, closed (2006 on next use).

config: driver, kwargs, sql, afters (seconds into each statement at which SIGINT is
sent; one statement per entry, on the same connection while it stays usable),
expect (usable | closed), aim: "process" (os.kill: the kernel picks the main thread,
blocked in the query, and interrupts its poll) or "other_thread" (pthread_kill to a
helper thread: the main thread's poll is not interrupted; it must notice the
handler's flag by itself, at the latest when its 50 ms poll slice ends).
"""

import os
import signal
import threading
import time

from _common import check_after, describe_error, emit, import_driver, load_config


def interrupt_after(seconds, aim, sent):
    def fire():
        sent["at"] = time.monotonic()
        if aim == "other_thread":
            signal.pthread_kill(threading.get_ident(), signal.SIGINT)  # this timer thread
        else:
            os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(seconds, fire)
    timer.start()
    return timer


def main():
    cfg = load_config()
    driver = import_driver(cfg["driver"])
    conn = driver.connect(**cfg["kwargs"])
    out = {"runs": []}
    for after in cfg["afters"]:
        run = {"after": after, "raised": None, "keyboard_interrupt": False}
        sent = {}
        cur = conn.cursor()
        timer = interrupt_after(float(after), cfg.get("aim", "process"), sent)
        try:
            cur.execute(cfg["sql"])
            run["result"] = repr(cur.fetchall())
        except KeyboardInterrupt:
            run["keyboard_interrupt"] = True
        except BaseException as e:  # noqa: BLE001 -- anything else is the failure we report
            run["raised"] = describe_error(e)
        caught = time.monotonic()
        timer.join()
        run["latency"] = caught - sent["at"] if "at" in sent else None
        run.update(check_after(conn, driver, cfg.get("expect", "usable")))
        out["runs"].append(run)
        if not run["after_ok"] or run["after"] != "((42,),)":
            break  # closed (as expected or not): nothing more to interrupt
    emit(out)


if __name__ == "__main__":
    main()
