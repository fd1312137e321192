"""``python -m unshaken storm``: queries of several shapes under a signal storm
(SIGALRM every 100 µs, SIGWINCH/SIGHUP/SIGUSR1 from another process), for unshaken
and each other installed driver named in ``--drivers``; then a deadline check
(read_timeout=1 on SELECT SLEEP(5) under the storm) and a Ctrl-C check (a SIGALRM
handler raising KeyboardInterrupt 0.5 s into SELECT SLEEP(10)).

Each driver runs in its own subprocess (``_storm_worker``), bounded by a timeout, so one
driver's crash or hang cannot take the tool down. Exit 0 when unshaken had no failure.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
from typing import Any

from unshaken.cli.drivers import ALIASES, DRIVERS
from unshaken.cli.options import CLIError, add_connection_options, server
from unshaken.cli.output import StatusLine, fmt_ms, percentile, table

ALL_DRIVERS = tuple(DRIVERS)
DEADLINE_WINDOW = (1.0, 1.2)
RAN_TO_COMPLETION = 9.0  # s after the Ctrl-C: SELECT SLEEP(10) simply finished
CTRL_C_PROMPT = 1.0  # seconds: slower than this is not "prompt"


def build_parser(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    add_connection_options(p)
    g = p.add_argument_group("storm")
    g.add_argument("--seconds", type=float, default=10.0,
                   help="how long the query storm runs per driver (default 10)")
    g.add_argument("--drivers", default=",".join(ALL_DRIVERS),
                   help="comma-separated drivers to compare with unshaken (default: "
                        + ",".join(ALL_DRIVERS) + "; uninstalled ones are listed as such)")
    g.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                   help="limit per driver subprocess (default: --seconds + 120)")
    return p


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def parse_drivers(text: str) -> list[str]:
    names = ["unshaken"]
    for raw in text.split(","):
        raw = raw.strip()
        if not raw:
            continue
        name = ALIASES.get(raw.lower())
        if name is None:
            raise CLIError(f"unshaken storm: unknown driver {raw!r}; known: "
                           + ", ".join(ALL_DRIVERS))
        if name not in names:
            names.append(name)
    return names


def run(args: argparse.Namespace) -> int:
    try:
        drivers = parse_drivers(args.drivers)
        if args.seconds <= 0:
            raise CLIError("unshaken storm: --seconds must be positive")
        with server(args, "storm") as kw:
            return Storm(args, kw, drivers).run()
    except CLIError as e:
        print(e, file=sys.stderr)
        return e.code
    except KeyboardInterrupt:
        print("\n# interrupted", flush=True)
        return 130


class Storm:
    def __init__(self, args: argparse.Namespace, kwargs: dict[str, Any],
                 drivers: list[str]) -> None:
        self.args = args
        self.kwargs = kwargs
        self.drivers = drivers
        self.status = StatusLine()
        self.results: dict[str, dict[str, Any]] = {}

    # -- one driver in a subprocess -----------------------------------------------------

    def _run_driver(self, name: str, res: dict[str, Any]) -> dict[str, Any]:
        timeout = self.args.timeout or self.args.seconds + 120
        cfg = {"driver": name, "kwargs": self.kwargs, "seconds": self.args.seconds}
        # The configuration (password included) goes through a pipe on stdin: argv is
        # readable by every local user (ps), and MYSQL_PWD is not passed down either.
        env = {k: v for k, v in os.environ.items() if k != "MYSQL_PWD"}
        with tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(
                [sys.executable, "-m", "unshaken.cli._storm_worker"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, env=env,
                start_new_session=True,  # its storm and our Ctrl-C stay apart
            )
            try:
                # A worker that died at once shows up as a crash below.
                with contextlib.suppress(BrokenPipeError), proc.stdin:
                    proc.stdin.write(json.dumps(cfg).encode())
                self._read_events(proc, res, name, time.monotonic() + timeout)
            finally:
                if proc.poll() is None:
                    self._kill(proc)
                proc.stdout.close()
            rc = proc.wait()
            err.seek(0)
            stderr = err.read().decode("utf-8", "replace")
        if res["state"] == "running":
            if res.get("timed_out"):
                res["state"] = f"timed out after {timeout:.0f} s"
            else:
                res["state"] = f"crashed (exit {rc})"
            tail = stderr.strip().splitlines()[-3:]
            if tail:
                res["stderr"] = " | ".join(tail)[-400:]
        return res

    @staticmethod
    def _kill(proc: subprocess.Popen) -> None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the worker and its signal sender
        except (ProcessLookupError, PermissionError):
            proc.kill()

    def _read_events(self, proc: subprocess.Popen, res: dict[str, Any], name: str,
                     deadline: float) -> None:
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        buf = b""
        phase = "starting"
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    res["timed_out"] = True
                    return
                if not sel.select(timeout=min(left, 0.2)):
                    self.status.update(f"  {name}: {phase} ...")
                    continue
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    return
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    try:
                        ev = json.loads(line)
                    except ValueError:
                        continue
                    phase = self._on_event(ev, res, name) or phase
        finally:
            sel.close()

    def _on_event(self, ev: dict[str, Any], res: dict[str, Any], name: str) -> str | None:
        kind = ev.pop("event", None)
        if kind == "start":
            res["version"] = ev.get("version")
            return "connecting"
        if kind == "progress":
            if ev.get("phase") == "queries":
                text = (f"queries under the storm: {ev['queries']} queries, "
                        f"{ev['errors']} errors, {ev['wrong']} wrong, "
                        f"{ev['elapsed']:.1f}/{ev['seconds']:g} s")
            else:
                text = {"deadline": "deadline check (read_timeout=1, SELECT SLEEP(5))",
                        "ctrl-c": "Ctrl-C check (0.5 s into SELECT SLEEP(10))"}.get(
                            ev.get("phase"), str(ev.get("phase")))
            self.status.update(f"  {name}: {text}", force=True)
            return text
        if kind in ("queries", "deadline", "ctrl_c"):
            if kind == "queries":
                lat = ev.pop("latencies_ms", [])
                ev["p50"], ev["p99"] = percentile(lat, 50), percentile(lat, 99)
            res[kind] = ev
        elif kind == "done":
            res["signals"] = ev.get("signals")
            res["state"] = "done"
        return None

    # -- verdicts -------------------------------------------------------------------

    @staticmethod
    def cancelled(c: dict[str, Any]) -> tuple[bool | None, str]:
        """Was the statement cancelled on the server (not left running, not waited out)?"""
        if not c or c.get("still_running") is None:
            return None, "unknown"
        if c["still_running"]:
            return False, "no, still running"
        lat = c.get("latency")
        if lat is not None and lat >= RAN_TO_COMPLETION:
            return False, "no, it ran to completion first"
        return True, "yes"

    @staticmethod
    def verdicts(res: dict[str, Any]) -> dict[str, bool | None]:
        """ok/failed per check (None: not applicable)."""
        q, d, c = res.get("queries"), res.get("deadline"), res.get("ctrl_c")
        out: dict[str, bool | None] = {}
        out["queries"] = bool(q) and q["errors"] == 0 and q["wrong"] == 0 and q["queries"] > 0
        if d is None:
            out["deadline"] = False
        elif not d.get("supported"):
            out["deadline"] = None
        else:
            e = d.get("elapsed")
            out["deadline"] = (e is not None and d.get("raised") is not None
                               and DEADLINE_WINDOW[0] <= e <= DEADLINE_WINDOW[1]
                               and bool(d.get("usable")))
        out["ctrl_c"] = bool(c) and bool(c.get("keyboard_interrupt")) and (
            c.get("latency") is not None and c["latency"] <= CTRL_C_PROMPT
        ) and Storm.cancelled(c)[0] is True and bool(c.get("usable"))
        out["all"] = res.get("state") == "done" and all(
            v is not False for k, v in out.items() if k != "all")
        return out

    @staticmethod
    def _yn(v: Any) -> str:
        return "-" if v is None else ("yes" if v else "no")

    def print_driver(self, res: dict[str, Any]) -> None:
        name = res["driver"]
        v = self.verdicts(res)
        q, d, c = res.get("queries"), res.get("deadline"), res.get("ctrl_c")
        title = f"== {name} {res.get('version', '')}".rstrip()
        if res.get("signals") is not None:
            title += f" ({res['signals']} signals received)"
        print(f"\n{title} ==")
        rows: list[list[str]] = []
        if q:
            rows.append(["queries", f"{q['queries']} in {q['elapsed']:.1f} s", ""])
            rows.append(["errors", str(q["errors"]), self._yn(q["errors"] == 0)])
            rows.append(["wrong results", str(q["wrong"]), self._yn(q["wrong"] == 0)])
            rows.append(["latency p50 / p99",
                         f"{fmt_ms(q['p50'])} / {fmt_ms(q['p99'])} ms", ""])
            if q.get("interrupted_retries") is not None:
                rows.append(["interrupted syscalls retried", str(q["interrupted_retries"]), ""])
        if d is not None:
            if not d.get("supported"):
                rows.append(["deadline (read_timeout=1)", "n/a: no read_timeout", "-"])
            elif d.get("error"):
                rows.append(["deadline (read_timeout=1)", f"error: {d['error']}"[:90], "no"])
            else:
                e = d.get("elapsed")
                within = e is not None and DEADLINE_WINDOW[0] <= e <= DEADLINE_WINDOW[1]
                rows.append(["deadline (read_timeout=1)",
                             f"{fmt_ms(e, 3)} s, within 1.0-1.2 s: {self._yn(within)}",
                             self._yn(within)])
                rows.append(["  usable afterwards", self._yn(d.get("usable")),
                             self._yn(d.get("usable"))])
        if c is not None:
            if c.get("error"):
                rows.append(["Ctrl-C", f"error: {c['error']}"[:90], "no"])
            else:
                how = "KeyboardInterrupt" if c.get("keyboard_interrupt") else (
                    c.get("raised") or "?")
                lat = c.get("latency")
                rows.append(["Ctrl-C latency", f"{fmt_ms(lat, 3)} s ({how})"[:90],
                             self._yn(bool(c.get("keyboard_interrupt")) and lat is not None
                                      and lat <= CTRL_C_PROMPT)])
                cancelled, text = self.cancelled(c)
                rows.append(["  cancelled on the server", text, self._yn(cancelled)])
                rows.append(["  connection usable after", self._yn(c.get("usable")),
                             self._yn(c.get("usable"))])
        if res.get("state") != "done":
            rows.append(["worker", res.get("state", "?"), "no"])
        print(table(["check", "result", "ok"], rows, align="llr"))
        details = []
        if q and q.get("samples"):
            details += [f"   error sample: {s}" for s in q["samples"][:3]]
        if d and d.get("supported") and d.get("raised"):
            details.append(f"   deadline raised: {d['raised']}"[:160])
        for key, label in ((d, "deadline"), (c, "Ctrl-C")):
            if key and key.get("usable") is False:
                details.append(f"   after {label}: {key.get('usable_detail')}"[:160])
        if res.get("stderr"):
            details.append(f"   stderr: {res['stderr']}")
        for line in details:
            print(line)
        print(f"   verdict: {'PASS' if v['all'] else 'FAIL'}", flush=True)

    def print_summary(self) -> None:
        rows = []
        for name in self.drivers:
            res = self.results[name]
            if res.get("state") == "not installed":
                rows.append([name] + ["-"] * 8 + ["not installed"])
                continue
            q, d, c = res.get("queries") or {}, res.get("deadline") or {}, res.get("ctrl_c") or {}
            v = self.verdicts(res)
            if d and not d.get("supported"):
                dl = "n/a"
            else:
                dl = fmt_ms(d.get("elapsed"), 3)
            rows.append([
                name, str(q.get("queries", "-")), str(q.get("errors", "-")),
                str(q.get("wrong", "-")), fmt_ms(q.get("p50")), fmt_ms(q.get("p99")), dl,
                fmt_ms(c.get("latency"), 3),
                self._yn(self.cancelled(c)[0]),
                ("PASS" if v["all"] else "FAIL") if res.get("state") == "done"
                else res.get("state", "?"),
            ])
        print("\n== summary ==")
        print(table(["driver", "queries", "errors", "wrong", "p50 ms", "p99 ms",
                     "deadline s", "Ctrl-C s", "cancelled", "verdict"], rows,
                    align="lrrrrrrrrl"))
        print(f"(deadline: read_timeout=1 on SELECT SLEEP(5), ok within "
              f"{DEADLINE_WINDOW[0]}-{DEADLINE_WINDOW[1]} s; Ctrl-C: KeyboardInterrupt 0.5 s "
              f"into SELECT SLEEP(10), 'cancelled' = stopped on the server before it ended)",
              flush=True)

    # -- main -------------------------------------------------------------------------

    def run(self) -> int:
        print(f"# storm: {self.args.seconds:g} s of queries per driver under SIGALRM every "
              f"100 us plus SIGWINCH/SIGHUP/SIGUSR1 from another process", flush=True)
        interrupted = False
        try:
            for name in self.drivers:
                if not _installed(DRIVERS[name].module):
                    self.results[name] = {"driver": name, "state": "not installed"}
                    print(f"\n== {name}: not installed ==", flush=True)
                    continue
                self.status.update(f"  {name}: starting ...", force=True)
                res = self.results[name] = {"driver": name, "state": "running"}
                self._run_driver(name, res)
                self.status.clear()
                self.print_driver(res)
        except KeyboardInterrupt:
            self.status.clear()
            interrupted = True
            print("\n# interrupted: results so far", flush=True)
        for name in self.drivers:
            res = self.results.setdefault(name, {"driver": name, "state": "not run"})
            if res["state"] == "running":
                res["state"] = "interrupted"
        self.print_summary()
        if interrupted:
            return 130
        ok = self.verdicts(self.results["unshaken"])["all"]
        print(f"# unshaken: {'no failure' if ok else 'FAILED'}", flush=True)
        return 0 if ok else 1
