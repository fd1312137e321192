"""Ctrl-C in tests: a SIGALRM handler that raises KeyboardInterrupt, as a terminal's
SIGINT handler would, a set time into a block."""

import contextlib
import signal

# README: a Ctrl-C is answered within this many seconds (at most one 50 ms poll slice
# when the signal does not interrupt the wait itself, plus the cancel).
CTRL_C_WITHIN = 0.1


def _raise_keyboard_interrupt(*_):
    raise KeyboardInterrupt


@contextlib.contextmanager
def keyboard_interrupt_after(seconds):
    old = signal.signal(signal.SIGALRM, _raise_keyboard_interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
