"""gunicorn settings for the end-to-end scenarios (passed with -c)."""


def post_worker_init(worker):
    """Work around a gunicorn bug in its gevent worker, whatever the database driver.

    gunicorn runs the worker's SIGWINCH handler (one debug log line) wherever the signal
    lands, the gevent hub included. When a greenlet holds logging's lock at that moment,
    gevent refuses to block in the hub (BlockingSwitchOutError), the exception escapes the
    worker's main loop and the worker dies with its in-flight requests. gunicorn already
    moves its SIGUSR1 and SIGQUIT handlers into a greenlet for this reason (its issues
    #1126 and #1645); this does the same for SIGWINCH. The signal still arrives and still
    interrupts the worker's system calls, which is what the scenarios test.
    """
    from gunicorn.workers.ggevent import GeventWorker

    if not isinstance(worker, GeventWorker):
        return
    import signal

    import gevent

    def handle_winch(sig, frame):
        gevent.spawn(worker.handle_winch, sig, frame)

    signal.signal(signal.SIGWINCH, handle_winch)
