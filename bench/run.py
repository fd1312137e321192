#!/usr/bin/env python3
"""The project's benchmark: every workload through every installed driver (and the C
client where it applies), each measurement in a fresh process, drivers in a rotated
order every round. Prints medians, spread, the paired per-round ratio to mysqlclient
and peak RSS; ``--write-readme`` puts the ratio table into README.md. Never asserts on
time: ``--quick`` (tiny sizes, one round) only proves the benchmark works.

Server: UNSHAKEN_TEST_HOST/_PORT/_USER/_PASSWORD/_DATABASE/_SOCKET, default the local
server at 127.0.0.1:3306 (root, database test); ``--throwaway`` starts a private one.

    python bench/run.py [--quick] [--rounds 5] [--drivers a,b] [--workloads a,b]
                        [--write-readme] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import drivers  # bench/ is not a package: found through sys.path
import report
import workloads

C_CLIENT = report.C_CLIENT
C_WORKLOADS = {"select1", "point", "fetchall", "stream", "connect"}
WORKER_TIMEOUT = 600


def server_kwargs():
    env = {k: os.environ.get(f"UNSHAKEN_TEST_{k}") for k in
           ("HOST", "PORT", "USER", "PASSWORD", "DATABASE", "SOCKET")}
    kw = {"host": env["HOST"] or "127.0.0.1", "port": int(env["PORT"] or 3306),
          "user": env["USER"] or "root", "password": env["PASSWORD"] or "",
          "database": env["DATABASE"] or "test"}
    if env["SOCKET"]:
        kw["unix_socket"] = env["SOCKET"]
    return kw


def build_c_client(outdir):
    """Compile bench/c_client.c against libmariadb; None when that is not possible."""
    if not shutil.which("gcc") or not shutil.which("pkg-config"):
        return None
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libmariadb"],
                           capture_output=True, text=True, check=False)
    if flags.returncode != 0:
        return None
    exe = Path(outdir) / "c_client"
    cc = subprocess.run(["gcc", "-O2", "-o", str(exe), str(HERE / "c_client.c"),
                         *flags.stdout.split()], capture_output=True, text=True, check=False)
    if cc.returncode != 0:
        print(f"# C client not built: {cc.stderr.strip()}", file=sys.stderr)
        return None
    return exe


def measure_once(driver, workload, size, kw, tag, c_exe):
    """One fresh process; returns {"seconds", "peak_rss_mb"}."""
    if driver == C_CLIENT:
        env = {**os.environ, **{f"UNSHAKEN_BENCH_{k.upper()}": str(v) for k, v in kw.items()
                                if k != "unix_socket"}}
        if "unix_socket" in kw:
            env["UNSHAKEN_BENCH_SOCKET"] = kw["unix_socket"]
        out = subprocess.run([str(c_exe), workload, str(size), tag], env=env,
                             capture_output=True, text=True, timeout=WORKER_TIMEOUT, check=False)
    else:
        spec = {"driver": driver, "workload": workload, "size": size, "kw": kw, "tag": tag}
        out = subprocess.run([sys.executable, str(HERE / "worker.py")], input=json.dumps(spec),
                             capture_output=True, text=True, timeout=WORKER_TIMEOUT, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{driver} / {workload} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def applies(driver, workload, django_engines):
    if driver == C_CLIENT:
        return workload in C_WORKLOADS
    if workload in workloads.DJANGO:
        return django_engines.get(driver) is not None
    return True


def run_all(names, chosen, sizes, rounds, kw, tag, c_exe, progress):
    """{(workload, driver): [measurement per round]}; drivers rotate every round so
    drift and warm caches hit each alike."""
    engines = {n: drivers.django_engine(n) for n in names}
    contenders = names + ([C_CLIENT] if c_exe else [])
    results = {}
    for r in range(rounds):
        order = contenders[r % len(contenders):] + contenders[:r % len(contenders)]
        for w in chosen:
            for d in order:
                if not applies(d, w, engines):
                    continue
                m = measure_once(d, w, sizes[w], kw, tag, c_exe)
                results.setdefault((w, d), []).append(m)
                progress(f"round {r + 1}/{rounds} {w:<12} {d:<16} {m['seconds']:.3f} s")
    return results, contenders


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--drivers", default=",".join(drivers.ALL),
                    help="comma-separated subset of: " + ",".join(drivers.ALL))
    ap.add_argument("--workloads", default=",".join(workloads.ORDER),
                    help="comma-separated subset of: " + ",".join(workloads.ORDER))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="tiny sizes, one round (CI)")
    ap.add_argument("--no-c", action="store_true", help="leave the C client out")
    ap.add_argument("--throwaway", action="store_true", help="start a private server")
    ap.add_argument("--write-readme", action="store_true",
                    help="replace the results table in README.md")
    ap.add_argument("--json", metavar="FILE", help="also write every measurement as JSON")
    ap.add_argument("-v", "--verbose", action="store_true", help="print each measurement")
    args = ap.parse_args(argv)

    wanted = [d for d in args.drivers.split(",") if d]
    unknown = set(wanted) - set(drivers.ALL)
    if unknown:
        ap.error(f"unknown driver(s): {sorted(unknown)}")
    names = drivers.installed(wanted)
    for missing in sorted(set(wanted) - set(names)):
        print(f"# {missing}: not installed, left out", file=sys.stderr)
    if drivers.BASELINE not in names:
        ap.error(f"{drivers.BASELINE} (the baseline of every ratio) is not installed")
    chosen = [w for w in args.workloads.split(",") if w]
    bad = set(chosen) - set(workloads.ORDER)
    if bad:
        ap.error(f"unknown workload(s): {sorted(bad)}")
    rounds = 1 if args.quick else args.rounds
    sizes = {w: spec[2 if args.quick else 1] for w, spec in workloads.SIZES.items()}

    server = None
    if args.throwaway:
        sys.path.insert(0, str(HERE.parent / "python"))
        from unshaken.testing import TemporaryServer

        server = TemporaryServer().start()
        kw = server.connect_kwargs()
    else:
        kw = server_kwargs()
    tag = f"bench_{os.getpid()}"
    tables = workloads.Tables(tag)
    drivers.compile_sources(names, [drivers.django_engine(n) for n in names])
    setup = drivers.load(drivers.BASELINE)
    conn = setup.connect(**kw)
    try:
        workloads.prepare(conn, tables, sizes)
        conn.commit()
        with tempfile.TemporaryDirectory() as tmp:
            c_exe = None if args.no_c else build_c_client(tmp)
            progress = (lambda line: print(line, file=sys.stderr)) if args.verbose else (
                lambda line: None)
            results, contenders = run_all(names, chosen, sizes, rounds, kw, tag, c_exe,
                                          progress)
    finally:
        cur = conn.cursor()
        for t in tables.all():
            cur.execute(f"DROP TABLE IF EXISTS {t}")
        conn.close()
        if server is not None:
            server.stop()

    versions = {n: drivers.version(n) for n in names}
    summary = report.summarize(results, contenders, chosen)
    versus = report.comparisons(results, summary, contenders, chosen)
    print(report.text_table(summary, contenders, chosen, sizes, versions, rounds, versus))
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"sizes": sizes, "rounds": rounds, "versions": versions,
             "results": [{"workload": w, "driver": d, "runs": ms}
                         for (w, d), ms in results.items()]}, indent=2))
    if args.write_readme:
        readme = HERE.parent / "README.md"
        table = report.markdown_table(summary, contenders, chosen, sizes, versions, rounds,
                                      versus)
        readme.write_text(report.replace_between_markers(readme.read_text(), table))
        print(f"# README.md table rewritten ({len(chosen)} workloads)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
