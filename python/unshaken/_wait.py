"""Cooperative waits: an event loop (gevent, eventlet, your own) waits for the
socket instead of the driver's poll(), so other greenlets run meanwhile.

A wait callback is ``fn(fd, writable, timeout)``: return once ``fd`` may be
readable (or writable) or ``timeout`` seconds have passed, whichever comes
first. An exception it raises stops the statement like Ctrl-C does: it is
cancelled on the server (KILL QUERY), the connection stays usable, and that same
exception reaches the caller. Deadlines and signal handlers work as without it.
"""

import socket
import sys

from . import _native

# The user chose (set_wait_callback was called): automatic detection keeps out.
_chosen = False


def set_wait_callback(callback):
    """Install ``callback`` for every connection of this process, or ``None``
    to wait with poll() again (and turn off gevent's automatic use)."""
    global _chosen
    if callback is not None and not callable(callback):
        raise TypeError("the wait callback must be callable or None")
    _chosen = True
    _native.set_wait_callback(callback)


def get_wait_callback():
    """The installed wait callback, or ``None``."""
    return _native.get_wait_callback()


def gevent_wait(fd, writable, timeout):
    """A wait callback on gevent's hub."""
    from gevent.socket import wait_read, wait_write

    try:
        (wait_write if writable else wait_read)(fd, timeout)
    except socket.timeout:
        pass  # the slice ran out: the driver checks its deadline and signals


def eventlet_wait(fd, writable, timeout):
    """A wait callback on eventlet's hub."""
    from eventlet.hubs import trampoline

    try:
        trampoline(fd, read=not writable, write=writable, timeout=timeout,
                   timeout_exc=socket.timeout)
    except socket.timeout:
        pass


def use_gevent_if_patched():
    """Called before each connect: when gevent has monkey-patched the socket
    module (``gunicorn -k gevent``, ``gevent.monkey.patch_all()``), wait on its hub."""
    if _chosen:
        return
    monkey = sys.modules.get("gevent.monkey")
    patched = monkey is not None and monkey.is_module_patched("socket")
    if patched and _native.get_wait_callback() is None:
        _native.set_wait_callback(gevent_wait)
