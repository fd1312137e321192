"""Django's OPTIONS["pool"] under gunicorn (sync and gthread workers), end to end: no
request sees another's session state, and the server never holds more of the site's
sessions than workers x max_size. The site is a one-view Django project written into
a temporary directory; its database is a fresh one on the suite's server, so its
sessions are counted by name in the process list."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("django")
pytest.importorskip("gunicorn")
import unshaken

sys.path.insert(0, str(Path(__file__).resolve().parent / "django"))
from gunicorn_e2e import gunicorn_flags

pytestmark = [pytest.mark.unshaken_only, pytest.mark.slow]

WORKERS, MAX_SIZE, REQUESTS = 2, 2, 120

SETTINGS = """\
import json, os
SECRET_KEY = "pool-e2e"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "pool_site.urls"
INSTALLED_APPS = []
USE_TZ = True
DATABASES = {"default": json.loads(os.environ["POOL_E2E_DATABASE"])}
"""

URLS = """\
import os
from django.db import connection
from django.http import JsonResponse
from django.urls import path

def leak(request):
    with connection.cursor() as cur:
        cur.execute("SELECT @mine, CONNECTION_ID(), SLEEP(0.01)")
        mine, tid, _ = cur.fetchone()
        cur.execute("SET @mine = %s", [request.GET["n"]])
    return JsonResponse({"mine": mine, "tid": tid, "pid": os.getpid()})

urlpatterns = [path("leak", leak)]
"""

WSGI = """\
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pool_site.settings")
from django.core.wsgi import get_wsgi_application
application = get_wsgi_application()
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory, server_kwargs):
    root = tmp_path_factory.mktemp("pool_site")
    pkg = root / "pool_site"
    pkg.mkdir()
    for name, text in (("__init__.py", ""), ("settings.py", SETTINGS), ("urls.py", URLS),
                       ("wsgi.py", WSGI)):
        (pkg / name).write_text(text)
    with unshaken.connect(**server_kwargs) as conn:
        conn.cursor().execute("CREATE DATABASE IF NOT EXISTS pool_e2e")
    db = {"ENGINE": "django_unshaken", "HOST": server_kwargs["host"],
          "PORT": str(server_kwargs["port"]), "USER": server_kwargs["user"],
          "PASSWORD": server_kwargs["password"], "NAME": "pool_e2e", "CONN_MAX_AGE": 0,
          "OPTIONS": {"pool": {"max_size": MAX_SIZE, "timeout": 20}}}
    yield root, db
    with unshaken.connect(**server_kwargs) as conn:
        conn.cursor().execute("DROP DATABASE IF EXISTS pool_e2e")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.loads(r.read())


def count_sessions(server_kwargs, stop, peak):
    with unshaken.connect(**server_kwargs) as conn:
        cur = conn.cursor()
        while not stop.is_set():
            cur.execute("SELECT COUNT(*) FROM information_schema.processlist WHERE db = 'pool_e2e'")
            peak.append(cur.fetchone()[0])
            time.sleep(0.01)


@pytest.mark.parametrize("worker", ["sync", "gthread"])
def test_gunicorn_requests_share_pools_without_leaks(site, server_kwargs, worker, tmp_path):
    root, db = site
    port = free_port()
    env = dict(os.environ, POOL_E2E_DATABASE=json.dumps(db), PYTHONPATH=str(root))
    cmd = [sys.executable, "-m", "gunicorn", "pool_site.wsgi", "--chdir", str(root),
           "-b", f"127.0.0.1:{port}", "-w", str(WORKERS), "-k", worker,
           "--timeout", "60", "--graceful-timeout", "5", *gunicorn_flags(worker),
           "--error-logfile", str(tmp_path / "error.log")]
    master = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    stop, peak = threading.Event(), []
    counter = threading.Thread(target=count_sessions, args=(server_kwargs, stop, peak))
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                get(f"http://127.0.0.1:{port}/leak?n=warmup")
                break
            except OSError:
                assert master.poll() is None, (tmp_path / "error.log").read_text()
                assert time.monotonic() < deadline, "gunicorn did not come up"
                time.sleep(0.1)
        counter.start()
        with ThreadPoolExecutor(8) as ex:
            answers = list(ex.map(lambda i: get(f"http://127.0.0.1:{port}/leak?n={i}"),
                                  range(REQUESTS)))
    finally:
        stop.set()
        if counter.is_alive():
            counter.join(10)
        master.terminate()
        master.wait(timeout=30)
    assert [a["mine"] for a in answers] == [None] * REQUESTS  # nobody saw another's @mine
    per_worker = {}
    for a in answers:
        per_worker.setdefault(a["pid"], set()).add(a["tid"])
    assert all(len(tids) <= MAX_SIZE for tids in per_worker.values())
    assert peak and max(peak) <= WORKERS * MAX_SIZE
