"""``python -m unshaken watch``: one long-held connection, sampled at an interval.

Each sample runs a legitimate query (timed) and reads Threads_connected,
Threads_running, Questions and Uptime. SIGWINCH and SIGHUP only add a note line;
Ctrl-C (or ``--count``) ends it with a summary.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime
import signal
import sys
import time
from typing import Any

from unshaken.cli.options import CLIError, add_connection_options, server
from unshaken.cli.output import fmt_ms, percentile
from unshaken.constants import CR

PLOT_HINT = ("--plot needs matplotlib, which is not installed. Install the optional extra:\n"
             "    pip install 'unshaken[plot]'")
STATUS_VARS = ("Threads_connected", "Threads_running", "Questions", "Uptime")
CSV_FIELDS = ("time", "latency_ms", "threads_connected", "threads_running", "questions",
              "uptime", "interrupted_retries", "errors", "error")
# Errors after which the connection itself is gone: reconnect at the next sample.
_CONNECTION_LOST = {CR.SERVER_GONE_ERROR, CR.SERVER_LOST, CR.SSL_CONNECTION_ERROR,
                    CR.SERVER_LOST_EXTENDED}
HEADER = (f"{'time':<12}  {'latency_ms':>10}  {'connected':>9}  {'running':>7}  "
          f"{'retried':>7}  {'errors':>6}")


def build_parser(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    add_connection_options(p)
    g = p.add_argument_group("watch")
    g.add_argument("--interval", type=float, default=1.0, metavar="SECONDS",
                   help="seconds between samples (default 1)")
    g.add_argument("--count", type=int, default=None, metavar="N",
                   help="stop after N samples; exit 0 if there were no errors")
    g.add_argument("--csv", metavar="FILE", help="write one row per sample, with a header")
    g.add_argument("--plot", metavar="FILE.png",
                   help="draw latency, threads and events over time (needs unshaken[plot])")
    g.add_argument("--plot-every", type=int, default=None, metavar="N",
                   help="also redraw the plot every N samples while running")
    g.add_argument("--read-timeout", type=float, default=30.0, metavar="SECONDS",
                   help="per-query read timeout (default 30)")
    return p


def _have_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def run(args: argparse.Namespace) -> int:
    if args.interval <= 0:
        print("unshaken watch: --interval must be positive", file=sys.stderr)
        return 2
    if args.count is not None and args.count < 1:
        print("unshaken watch: --count must be at least 1", file=sys.stderr)
        return 2
    if args.plot and not _have_matplotlib():
        print(f"unshaken watch: {PLOT_HINT}", file=sys.stderr)
        return 2
    if args.plot_every is not None and (args.plot_every < 1 or not args.plot):
        print("unshaken watch: --plot-every needs --plot and a count of at least 1",
              file=sys.stderr)
        return 2
    try:
        with server(args, "watch") as kw:
            return Watch(args, kw).run()
    except CLIError as e:
        print(e, file=sys.stderr)
        return e.code
    except KeyboardInterrupt:  # while a throwaway server was starting
        print("\n# interrupted", flush=True)
        return 130


class Watch:
    def __init__(self, args: argparse.Namespace, kwargs: dict[str, Any]) -> None:
        self.args = args
        self.kwargs = dict(kwargs, read_timeout=args.read_timeout)
        self.conn: Any = None
        self.conn_id: int | None = None
        self.samples: list[dict[str, Any]] = []
        self.latencies: list[float] = []
        self.errors = 0
        self.retried_base = 0  # retries counted by connections that are gone
        self.pending_notes: list[str] = []
        # (time, kind, detail) for the plot: reconnects and signals (errors and retries
        # are read off the samples).
        self.events: list[tuple[datetime.datetime, str, str]] = []
        self.csv_file: Any = None
        self.csv: Any = None

    # -- signals --------------------------------------------------------------

    def _on_signal(self, signum: int, frame: Any) -> None:
        # Only record: printing from a handler could re-enter a half-done write.
        name = signal.Signals(signum).name
        self.pending_notes.append(name)
        self.events.append((datetime.datetime.now(), "signal", name))

    def _flush_notes(self) -> None:
        while self.pending_notes:
            name = self.pending_notes.pop(0)
            print(f"# note: {name} arrived; ignored, still watching", flush=True)

    # -- connection -----------------------------------------------------------

    def _connect(self) -> None:
        import unshaken

        self.conn = unshaken.connect(**self.kwargs)
        cur = self.conn.cursor()
        cur.execute("SELECT CONNECTION_ID()")
        self.conn_id = cur.fetchall()[0][0]
        cur.close()

    def _retried(self) -> int:
        if self.conn is None:
            return self.retried_base
        try:
            return self.retried_base + int(self.conn.stats()["interrupted_retries"])
        except Exception:  # noqa: BLE001 -- a closed connection has no stats
            return self.retried_base

    def _drop_connection(self) -> None:
        if self.conn is not None:
            self.retried_base = self._retried()
            with contextlib.suppress(Exception):  # it is broken already
                self.conn.close()
        self.conn = None

    # -- one sample -----------------------------------------------------------

    def _sample(self) -> dict[str, Any]:
        import unshaken

        now = datetime.datetime.now()
        row: dict[str, Any] = {
            "time": now.isoformat(timespec="milliseconds"), "latency_ms": None,
            "threads_connected": None, "threads_running": None, "questions": None,
            "uptime": None, "error": "",
        }
        try:
            if self.conn is None:
                self._connect()
                if self.samples:
                    self.pending_notes.append("reconnected")
                    self.events.append((now, "reconnect", f"connection {self.conn_id}"))
            cur = self.conn.cursor()
            t0 = time.perf_counter()
            cur.execute("SELECT CONNECTION_ID(), NOW(6)")
            got = cur.fetchall()
            latency = (time.perf_counter() - t0) * 1000.0
            if not got or got[0][0] != self.conn_id:
                raise RuntimeError(f"wrong result {got!r} (connection id {self.conn_id})")
            cur.execute("SHOW GLOBAL STATUS WHERE Variable_name IN (%s, %s, %s, %s)",
                        STATUS_VARS)
            status = {name: value for name, value in cur.fetchall()}
            cur.close()
            row["latency_ms"] = latency
            for name in STATUS_VARS:
                v = status.get(name)
                row[name.lower()] = int(v) if v is not None else None
            self.latencies.append(latency)
        except (unshaken.Error, RuntimeError) as e:
            self.errors += 1
            row["error"] = f"{type(e).__name__}{e.args!r}"[:200]
            errno = e.args[0] if e.args and isinstance(e.args[0], int) else None
            if errno in _CONNECTION_LOST or isinstance(e, unshaken.InterfaceError):
                self._drop_connection()
        row["interrupted_retries"] = self._retried()
        row["errors"] = self.errors
        return row

    def _print_row(self, row: dict[str, Any]) -> None:
        t = row["time"][11:23]

        def n(v: Any) -> str:
            return "-" if v is None else str(v)

        line = (f"{t:<12}  {fmt_ms(row['latency_ms'], 3):>10}  "
                f"{n(row['threads_connected']):>9}  {n(row['threads_running']):>7}  "
                f"{row['interrupted_retries']:>7}  {row['errors']:>6}")
        if row["error"]:
            line += f"  ERROR {row['error']}"
        print(line, flush=True)

    # -- main loop ------------------------------------------------------------

    def run(self) -> int:
        old = {s: signal.signal(s, self._on_signal) for s in (signal.SIGWINCH, signal.SIGHUP)}
        interrupted = False
        try:
            if self.args.csv:
                self.csv_file = open(self.args.csv, "w", newline="")  # noqa: SIM115
                self.csv = csv.DictWriter(self.csv_file, fieldnames=CSV_FIELDS)
                self.csv.writeheader()
                self.csv_file.flush()
            print(f"# watching every {self.args.interval:g} s"
                  + (f", {self.args.count} samples" if self.args.count else ", Ctrl-C to stop"),
                  flush=True)
            print(HEADER, flush=True)
            start = time.monotonic()
            k = 0
            while self.args.count is None or k < self.args.count:
                # A fixed grid: a signal (or a slow sample) never shifts or skips one.
                due = start + k * self.args.interval
                while True:
                    self._flush_notes()
                    left = due - time.monotonic()
                    if left <= 0:
                        break
                    time.sleep(min(left, 0.1))
                row = self._sample()
                self.samples.append(row)
                self._flush_notes()
                self._print_row(row)
                if self.csv is not None:
                    self.csv.writerow({
                        k2: "" if v is None else round(v, 3) if isinstance(v, float) else v
                        for k2, v in row.items()})
                    self.csv_file.flush()
                k += 1
                if self.args.plot_every and k % self.args.plot_every == 0:
                    self._plot()
                if time.monotonic() > start + k * self.args.interval:
                    # Fell behind (a slow sample): restart the grid from now.
                    start = time.monotonic() - k * self.args.interval
        except KeyboardInterrupt:
            interrupted = True
        finally:
            for s, h in old.items():
                signal.signal(s, h)
            if self.csv_file is not None:
                self.csv_file.close()
        self._flush_notes()
        self._summary(interrupted)
        if self.args.plot and self.samples:
            self._plot()
        self._drop_connection()
        return 0 if self.errors == 0 else 1

    def _summary(self, interrupted: bool) -> None:
        lat = self.latencies
        if interrupted:
            print("\n# interrupted", flush=True)
        print(f"# summary: samples={len(self.samples)} errors={self.errors} "
              f"p50={fmt_ms(percentile(lat, 50), 3)} ms p95={fmt_ms(percentile(lat, 95), 3)} ms "
              f"p99={fmt_ms(percentile(lat, 99), 3)} ms max={fmt_ms(max(lat) if lat else None, 3)}"
              f" ms interrupted_retries={self._retried()}", flush=True)
        if self.args.csv:
            print(f"# csv written to {self.args.csv}", flush=True)

    def _plot(self) -> None:
        from unshaken.cli.watch_plot import save

        save(self.samples, list(self.events), self.args.plot,
             title=f"unshaken watch, every {self.args.interval:g} s")
        print(f"# plot written to {self.args.plot}", flush=True)
