"""Ctrl-C in tests: a SIGALRM handler that raises KeyboardInterrupt, as a terminal's
SIGINT handler would, a set time into a block."""

import contextlib
import signal


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
