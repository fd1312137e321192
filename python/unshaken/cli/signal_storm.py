"""Signal storms, for ``storm`` and for the test suite's signal scripts (tests/signals
imports this module): handlers that only count, an interval timer (SIGALRM), and a
helper process (``_killer.py``) that os.kill()s us. Stdlib only."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: no runtime dependency
    from typing_extensions import Self

KILLER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_killer.py")


def read_config() -> Any:
    """The JSON config a storm process reads from stdin (never argv: it holds the
    password)."""
    return json.loads(sys.stdin.read())


def write_json(obj: Any) -> None:
    """One JSON line on stdout, flushed at once (the parent reads it as it comes)."""
    sys.stdout.write(json.dumps(obj, default=repr) + "\n")
    sys.stdout.flush()


def describe_error(e: BaseException) -> str:
    return f"{type(e).__module__}.{type(e).__name__}{e.args!r}"[:300]


class SignalCounter:
    """No-op Python handlers that only count; handlers run in the main thread."""

    def __init__(self, signums: Any) -> None:
        self.counts = {int(s): 0 for s in signums}

    def handler(self, signum: int, frame: Any) -> None:
        self.counts[signum] += 1

    def install(self) -> SignalCounter:
        for s in self.counts:
            signal.signal(s, self.handler)
        return self

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def timer_on(interval: float) -> None:
    """SIGALRM every ``interval`` seconds."""
    signal.setitimer(signal.ITIMER_REAL, interval, interval)


def timer_off() -> None:
    signal.setitimer(signal.ITIMER_REAL, 0, 0)


class Killer:
    """A helper process that sends ``signums`` in turn to this process, ``pause``
    seconds apart (0: as fast as it can), until stopped or orphaned."""

    def __init__(self, signums: Any, pause: float = 0.0) -> None:
        self.signums = [int(s) for s in signums]
        self.pause = pause
        self._proc: subprocess.Popen | None = None

    def start(self, counter: SignalCounter) -> Killer:
        """Start sending, and wait (10 s at most) until ``counter``, whose handlers
        must be installed already (SIGHUP's default action would kill us), has seen the
        first signal: the workload then really starts inside the storm."""
        self._proc = subprocess.Popen(
            [sys.executable, KILLER, str(os.getpid()), ",".join(map(str, self.signums)),
             str(self.pause)],
            stdin=subprocess.DEVNULL,
        )
        first = self.signums[0]
        deadline = time.monotonic() + 10
        while counter.counts[first] == 0 and time.monotonic() < deadline:
            time.sleep(0.001)
        return self

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait()
            self._proc = None


class Storm:
    """One signal source: an interval timer (SIGALRM every ``interval`` s) or a killer
    process sending ``signal`` as fast as it can.

    spec: {"kind": "timer", "interval": 0.0001} or {"kind": "kill", "signal": "SIGHUP"}
    """

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        if spec["kind"] == "timer":
            self.signum = signal.SIGALRM
        elif spec["kind"] == "kill":
            self.signum = getattr(signal, spec["signal"])
        else:
            raise ValueError(spec)
        # Handlers first: SIGHUP's default action would kill us.
        self.counter = SignalCounter([self.signum]).install()
        self._killer: Killer | None = None

    def start(self) -> Storm:
        if self.spec["kind"] == "timer":
            timer_on(float(self.spec["interval"]))
        else:
            self._killer = Killer([self.signum]).start(self.counter)
        return self

    def stop(self) -> None:
        if self.spec["kind"] == "timer":
            timer_off()
        elif self._killer is not None:
            self._killer.stop()
            self._killer = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
