"""Run a slice of Django's own test suite against MariaDB with unshaken and mysqlclient.

    python tests/django/run_django_suite.py                      # full slice, both drivers
    python tests/django/run_django_suite.py --drivers unshaken basic backends.mysql
    python tests/django/run_django_suite.py --host 127.0.0.1 --port 3306   # existing server

Downloads the sdist of the installed Django version once (``pip download``) into a
cache directory (``$UNSHAKEN_DJANGO_CACHE``, default ``$XDG_CACHE_HOME/unshaken-django``
or ``~/.cache/unshaken-django``), writes one settings module per driver
(``ENGINE = "django_unshaken"`` or ``"django.db.backends.mysql"``; database ``default``
over TCP, ``other`` over the Unix socket when there is one), runs ``tests/runtests.py``
with each, and prints pass/fail/error/skip counts side by side, then the tests that
fail with unshaken but pass with mysqlclient. Without ``--host``/``--socket`` it starts
a throwaway server (``unshaken.testing.TemporaryServer``). Exit status 1 when a test
fails with unshaken that does not fail with mysqlclient (or with unshaken alone, when
only unshaken runs).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

MODULES = [
    "backends", "basic", "queries", "lookup", "model_fields", "transactions",
    "select_for_update", "timezones", "bulk_create", "expressions", "aggregation",
    "db_functions", "introspection", "schema", "migrations", "inspectdb", "update", "delete",
    "get_or_create", "raw_query", "fixtures", "serializers", "datetimes", "dates", "ordering",
    "annotations",
]

ENGINES = {"unshaken": "django_unshaken", "mysqlclient": "django.db.backends.mysql"}

_SETTINGS = """\
DATABASES = {databases!r}
SECRET_KEY = "django_tests_secret_key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = False
"""


def cache_dir() -> Path:
    env = os.environ.get("UNSHAKEN_DJANGO_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "unshaken-django"


def django_tests_dir() -> Path:
    """``tests/`` of the installed Django's sdist, downloaded and unpacked once."""
    import django

    version = django.__version__
    root = cache_dir()
    tests = root / f"django-{version}" / "tests"
    if (tests / "runtests.py").exists():
        return tests
    root.mkdir(parents=True, exist_ok=True)
    sdist = root / f"django-{version}.tar.gz"
    if not sdist.exists():
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-binary", ":all:",
             "--no-deps", f"django=={version}", "-d", str(root)],
            check=True,
        )
    with tarfile.open(sdist) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith(f"django-{version}/tests/")]
        kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(root, members=members, **kwargs)
    return tests


def write_settings(directory: Path, driver: str, server: dict, options: dict | None = None) -> str:
    """Write ``settings_<driver>.py`` into ``directory``; return the module name."""

    def db(alias, host, port):
        return {
            "ENGINE": ENGINES[driver],
            "HOST": host,
            "PORT": port,
            "USER": server.get("user", "root"),
            "PASSWORD": server.get("password", ""),
            "NAME": server.get("database", "test"),
            "OPTIONS": dict(options or {}),
            "TEST": {"NAME": f"test_dj_{driver}_{alias}", "CHARSET": "utf8mb4",
                     "COLLATION": "utf8mb4_general_ci"},
        }

    tcp = (server.get("host", "127.0.0.1"), str(server.get("port", 3306)))
    sock = (server["unix_socket"], "") if server.get("unix_socket") else tcp
    databases = {"default": db("default", *tcp), "other": db("other", *sock)}
    name = f"settings_{driver}"
    (directory / f"{name}.py").write_text(_SETTINGS.format(databases=databases))
    return name


def load_time_zones(server: dict) -> bool:
    """Fill the server's time zone tables (Django's tests of time zone functions need
    them) with ``mariadb-tzinfo-to-sql`` piped into the ``mariadb`` client; only for the
    throwaway server. False when the tools or /usr/share/zoneinfo are missing."""
    import shutil

    tz = shutil.which("mariadb-tzinfo-to-sql") or shutil.which("mysql_tzinfo_to_sql")
    client = shutil.which("mariadb") or shutil.which("mysql")
    if not (tz and client and os.path.isdir("/usr/share/zoneinfo")):
        return False
    sql = subprocess.run([tz, "/usr/share/zoneinfo"], capture_output=True, check=True).stdout
    where = ([f"--socket={server['unix_socket']}"] if server.get("unix_socket") else
             [f"--host={server['host']}", f"--port={server['port']}"])
    # The password through MYSQL_PWD (readable by this user only), never in argv.
    env = {**os.environ, "MYSQL_PWD": server.get("password") or ""}
    subprocess.run([client, "--no-defaults", *where, f"--user={server.get('user', 'root')}",
                    "mysql"], input=sql, check=True, stdout=subprocess.DEVNULL, env=env)
    return True


_SUMMARY_RE = re.compile(r"^(OK|FAILED)(?: \((.*)\))?\s*$", re.MULTILINE)
_RAN_RE = re.compile(r"^Ran (\d+) tests? in ", re.MULTILINE)
_PROBLEM_RE = re.compile(r"^(FAIL|ERROR|UNEXPECTED SUCCESS): (\S+) \(([^)]*)\)", re.MULTILINE)


def parse_output(text: str) -> dict:
    """Counts and failing test ids from unittest's output."""
    ran = _RAN_RE.search(text)
    summary = list(_SUMMARY_RE.finditer(text))
    counts = {"ran": int(ran.group(1)) if ran else 0, "failures": 0, "errors": 0,
              "skipped": 0, "expected failures": 0, "unexpected successes": 0}
    if summary and summary[-1].group(2):
        for part in summary[-1].group(2).split(","):
            key, _, value = part.strip().partition("=")
            counts[key] = int(value)
    counts["passed"] = counts["ran"] - sum(
        counts[k] for k in ("failures", "errors", "skipped", "unexpected successes")
    ) - counts["expected failures"]
    problems = {}
    for kind, test, where in _PROBLEM_RE.findall(text):
        # "test_x (module.Class.test_x)" on 3.11+, "test_x (module.Class)" before.
        tid = where if where.endswith("." + test) else f"{where}.{test}"
        problems.setdefault(tid, kind)
    counts["complete"] = bool(ran and summary)
    return {"counts": counts, "problems": problems}


def run_suite(driver: str, modules, server: dict, *, parallel: int = 1, options=None,
              log_dir: Path | None = None, timeout: float | None = None, extra_args=()) -> dict:
    """Run ``runtests.py`` for one driver; return parsed results plus the log path."""
    tests = django_tests_dir()
    work = Path(tempfile.mkdtemp(prefix=f"django-{driver}-"))
    settings = write_settings(work, driver, server, options)
    log = (log_dir or work) / f"django-{driver}.log"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(work), str(tests)]),
               PYTHONWARNINGS="ignore")
    cmd = [sys.executable, str(tests / "runtests.py"), f"--settings={settings}",
           f"--parallel={parallel}", "--noinput", "-v", "2", *extra_args, *modules]
    t0 = time.monotonic()
    with open(log, "w") as out:
        proc = subprocess.run(cmd, cwd=tests, env=env, stdout=out, stderr=subprocess.STDOUT,
                              timeout=timeout, check=False)
    result = parse_output(log.read_text(errors="replace"))
    result.update(driver=driver, returncode=proc.returncode, log=str(log),
                  seconds=round(time.monotonic() - t0, 1))
    return result


def compare(results: dict) -> list[str]:
    """Tests that fail with unshaken but not with mysqlclient (all of them without one)."""
    ours = results["unshaken"]["problems"]
    ref = results.get("mysqlclient", {}).get("problems", {})
    return sorted(t for t in ours if t not in ref)


def print_report(results: dict, modules) -> None:
    drivers = list(results)
    keys = ("ran", "passed", "failures", "errors", "skipped", "expected failures",
            "unexpected successes")
    print(f"\nDjango {__import__('django').__version__}: {' '.join(modules)}")
    print(f"{'':22}" + "".join(f"{d:>14}" for d in drivers))
    for k in keys:
        print(f"{k:22}" + "".join(f"{results[d]['counts'].get(k, 0):>14}" for d in drivers))
    print(f"{'seconds':22}" + "".join(f"{results[d]['seconds']:>14}" for d in drivers))
    for d in drivers:
        print(f"log ({d}): {results[d]['log']}")
        if not results[d]["counts"]["complete"]:
            print(f"  !! {d}: run did not complete (exit {results[d]['returncode']})")
    if "unshaken" in results:
        worse = compare(results)
        print(f"\nfail with unshaken, pass with mysqlclient: {len(worse)}")
        for t in worse:
            print(f"  {results['unshaken']['problems'][t]}: {t}")
        if "mysqlclient" in results:
            better = sorted(set(results["mysqlclient"]["problems"]) - set(
                results["unshaken"]["problems"]))
            print(f"fail with mysqlclient, pass with unshaken: {len(better)}")
            for t in better:
                print(f"  {results['mysqlclient']['problems'][t]}: {t}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("modules", nargs="*", default=MODULES)
    ap.add_argument("--drivers", default="unshaken,mysqlclient")
    ap.add_argument("--parallel", type=int, default=1)
    ap.add_argument("--sequential", action="store_true",
                    help="run the drivers one after the other (default: side by side)")
    ap.add_argument("--host")
    ap.add_argument("--port", type=int, default=3306)
    ap.add_argument("--socket")
    ap.add_argument("--user", default="root")
    ap.add_argument("--password", default="")
    ap.add_argument("--log-dir", type=Path)
    ap.add_argument("--json", type=Path, help="write the results here")
    args = ap.parse_args(argv)
    drivers = [d for d in args.drivers.split(",") if d]
    for d in drivers:
        if d not in ENGINES:
            ap.error(f"unknown driver {d!r}; choose from {sorted(ENGINES)}")
    if args.log_dir:
        args.log_dir.mkdir(parents=True, exist_ok=True)
    django_tests_dir()  # download once, before the runs start side by side

    def run_all(server):
        def one(d):
            return d, run_suite(d, args.modules, server, parallel=args.parallel,
                                log_dir=args.log_dir)

        workers = 1 if args.sequential else len(drivers)
        with ThreadPoolExecutor(workers) as pool:
            return dict(pool.map(one, drivers))

    if args.host or args.socket:
        server = {"host": args.host or "localhost", "port": args.port, "user": args.user,
                  "password": args.password, "unix_socket": args.socket}
        results = run_all(server)
    else:
        from unshaken.testing import TemporaryServer

        with TemporaryServer(["--max-connections=500"]) as srv:
            server = dict(srv.connect_kwargs(), unix_socket=srv.socket)
            load_time_zones(server)
            results = run_all(server)
    print_report(results, args.modules)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, sort_keys=True))
    if "unshaken" not in results:
        return 0
    ok = results["unshaken"]["counts"]["complete"] and not compare(results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
