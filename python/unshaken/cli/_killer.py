"""Child process of the storm worker: sends SIGWINCH, SIGHUP and SIGUSR1 in turn to
pid argv[1] (about 2000 a second) until the target or our parent is gone.
Run by path, stdlib only."""

import os
import signal
import sys
import time


def main() -> None:
    pid = int(sys.argv[1])
    parent = os.getppid()
    sigs = (signal.SIGWINCH, signal.SIGHUP, signal.SIGUSR1)
    n = 0
    while True:
        try:
            os.kill(pid, sigs[n % 3])
        except ProcessLookupError:
            return
        n += 1
        if n % 200 == 0 and os.getppid() != parent:
            return
        time.sleep(0.0005)


if __name__ == "__main__":
    main()
