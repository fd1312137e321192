"""The signal sender of signal_storm.Killer: ``_killer.py PID SIGNUMS PAUSE`` sends the
comma-separated SIGNUMS in turn to PID, PAUSE seconds apart (0: as fast as it can),
until the target or our parent is gone. Run by path, stdlib only."""

import os
import sys
import time


def main() -> None:
    pid = int(sys.argv[1])
    sigs = [int(s) for s in sys.argv[2].split(",")]
    pause = float(sys.argv[3])
    parent = os.getppid()
    n = 0
    while True:
        try:
            os.kill(pid, sigs[n % len(sigs)])
        except ProcessLookupError:
            return
        n += 1
        if n % 200 == 0 and os.getppid() != parent:  # the target's parent died: stop
            return
        if pause:
            time.sleep(pause)


if __name__ == "__main__":
    main()
