"""Send signal argv[2] to pid argv[1] as fast as possible until killed or orphaned."""

import os
import sys

pid, signum = int(sys.argv[1]), int(sys.argv[2])
parent = os.getppid()
n = 0
while True:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        break
    n += 1
    if n % 1000 == 0 and os.getppid() != parent:  # the target's parent died: stop
        break
