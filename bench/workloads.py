"""The workloads, and the tables they read. Each workload is ``setup(driver, kw, n,
tables) -> (run, check)``: only ``run()`` is timed; ``check()`` proves the work was done
(a driver that returned nothing would otherwise look fast) and closes what setup opened.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

# name -> (title, with {n} for the size; full size; quick size)
SIZES = {
    "select1": ("{n} × `SELECT 1`", 20000, 500),
    "point": ("{n} primary-key point selects", 20000, 500),
    "fetchall": ("fetchall {n} rows × 10 mixed columns", 100000, 5000),
    "stream": ("the same, streamed (unbuffered cursor)", 100000, 5000),
    "dict": ("DictCursor fetchall of {n} rows", 100000, 5000),
    "wide": ("fetchall {n} rows × 50 columns", 20000, 1000),
    "big": ("{n} rows of a 1 MB text and a 1 MB blob", 16, 4),
    "executemany": ("executemany INSERT, {n} rows", 20000, 500),
    "update_many": ("executemany UPDATE, {n} rows", 5000, 200),
    "connect": ("{n} × connect + close", 500, 20),
    "django_all": ("Django `list(Model.objects.all())`, {n} rows", 10000, 500),
    "django_bulk": ("Django `bulk_create` of {n} objects", 10000, 500),
}
ORDER = list(SIZES)
DJANGO = {"django_all", "django_bulk"}
BIG = 1 << 20


class Tables:
    """Names of one run's tables (unique to the run; dropped at its end)."""

    def __init__(self, tag):
        self.rows, self.wide, self.big = f"{tag}_rows", f"{tag}_wide", f"{tag}_big"
        self.em, self.django = f"{tag}_em", f"{tag}_django"

    def all(self):
        return [self.rows, self.wide, self.big, self.em, self.django]


def prepare(conn, tables, sizes):
    """Create and fill every table (``sizes``: workload -> size)."""
    cur = conn.cursor()
    n = max(sizes["fetchall"], sizes["stream"], sizes["dict"], sizes["point"])
    cur.execute("SET SESSION max_recursive_iterations = %s", (n + sizes["wide"] + 10,))
    cur.execute(f"""CREATE TABLE {tables.rows} (
        id INT PRIMARY KEY, big BIGINT, name VARCHAR(50), score DOUBLE, price DECIMAL(12,2),
        created DATETIME(6), day DATE, blobby BLOB, maybe INT NULL, flag TINYINT)
        DEFAULT CHARSET=utf8mb4""")
    cur.execute(f"""INSERT INTO {tables.rows}
        WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < %s)
        SELECT n, n * 1000003, CONCAT('name-', n, '-', REPEAT('x', n %% 30)), n / 7, n / 100,
               TIMESTAMP('2024-01-01') + INTERVAL n SECOND + INTERVAL n MICROSECOND,
               DATE('2000-01-01') + INTERVAL (n %% 9000) DAY, UNHEX(MD5(n)),
               IF(n %% 2, n, NULL), n %% 128
        FROM s""", (n,))
    kinds = ["INT", "VARCHAR(20)", "DOUBLE", "DATETIME", "DECIMAL(10,2)"]
    cols = [f"c{i} {kinds[i % 5]}" for i in range(50)]
    cur.execute(f"CREATE TABLE {tables.wide} (id INT PRIMARY KEY, {', '.join(cols[1:])})")
    exprs = ["n", "CONCAT('v', n)", "n / 3", "TIMESTAMP('2024-01-01') + INTERVAL n MINUTE",
             "n / 100"]
    values = ", ".join(exprs[i % 5] for i in range(1, 50))
    cur.execute(f"""INSERT INTO {tables.wide}
        WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < %s)
        SELECT n, {values} FROM s""", (sizes["wide"],))
    cur.execute(f"CREATE TABLE {tables.big} (id INT PRIMARY KEY, t LONGTEXT, b LONGBLOB)"
                " DEFAULT CHARSET=utf8mb4")
    for i in range(sizes["big"]):
        cur.execute(f"INSERT INTO {tables.big} VALUES (%s, REPEAT('t', %s), REPEAT(x'5A', %s))",
                    (i, BIG, BIG))
    cur.execute(f"CREATE TABLE {tables.em} (id INT PRIMARY KEY, name VARCHAR(50), "
                "price DECIMAL(12,2), created DATETIME(6)) DEFAULT CHARSET=utf8mb4")
    cur.execute(f"""CREATE TABLE {tables.django} (id INT AUTO_INCREMENT PRIMARY KEY,
        name VARCHAR(50) NOT NULL, value INT NOT NULL, created DATETIME(6) NOT NULL)
        DEFAULT CHARSET=utf8mb4""")


def _data(n):
    base = dt.datetime(2024, 1, 1)
    return [(i, f"row-{i}", Decimal(i) / 100, base + dt.timedelta(microseconds=i))
            for i in range(n)]


def _count(cur, table):
    cur.execute(f"SELECT COUNT(*) FROM {table}")
    return cur.fetchall()[0][0]


def _expect(what, got, want):
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, expected {want!r}")


def select1(drv, kw, n, tables):
    conn = drv.connect(**kw)
    cur = conn.cursor()
    seen = []

    def run():
        for _ in range(n):
            cur.execute("SELECT 1")
            seen.append(cur.fetchall()[0][0])

    return run, lambda: (_expect("SELECT 1", seen, [1] * n), conn.close())


def _warm(conn, sql):
    """Run ``sql`` before the timed part: the tables of a full run are larger than the
    server's default buffer pool (128 MB), and a table another workload pushed out
    would be timed as the server's disk reads, not as the driver."""
    cur = conn.cursor()
    cur.execute(sql)
    cur.fetchall()
    cur.close()


def _warm_rows(tables):
    return f"SELECT COUNT(*), SUM(LENGTH(blobby)) FROM {tables.rows}"


def point(drv, kw, n, tables):
    conn = drv.connect(**kw)
    _warm(conn, _warm_rows(tables))
    cur = conn.cursor()
    rng = random.Random(7)
    ids = [rng.randrange(1, n + 1) for _ in range(n)]
    sql = f"SELECT id, name, price FROM {tables.rows} WHERE id = %s"
    got = []

    def run():
        for i in ids:
            cur.execute(sql, (i,))
            got.append(cur.fetchall()[0][0])

    return run, lambda: (_expect("point ids", got, ids), conn.close())


def _fetchall(sql_of, warm_of, make_cursor=lambda drv, conn: conn.cursor(), check_rows=None):
    """A workload that fetches ``sql_of(tables, n)`` whole, after ``warm_of(tables)``
    read its table untimed; ``check_rows`` looks at the rows."""
    def setup(drv, kw, n, tables):
        conn = drv.connect(**kw)
        _warm(conn, warm_of(tables))
        cur = make_cursor(drv, conn)
        out = {}

        def run():
            cur.execute(sql_of(tables, n))
            out["rows"] = cur.fetchall()

        def check():
            _expect("rows", len(out["rows"]), n)
            if check_rows:
                check_rows(out["rows"])
            cur.close()
            conn.close()

        return run, check

    return setup


def _columns(width):
    return lambda rows: _expect("columns", len(rows[0]), width)


def _check_big(rows):
    for row in rows:
        _expect("text length", len(row[1]), BIG)
        _expect("blob length", len(row[2]), BIG)


def _first_rows(tables, n):
    return f"SELECT * FROM {tables.rows} WHERE id <= {n}"


fetchall = _fetchall(_first_rows, _warm_rows, check_rows=_columns(10))
dict_fetch = _fetchall(_first_rows, _warm_rows, lambda drv, conn: drv.dict_cursor(conn),
                       _columns(10))
wide = _fetchall(lambda t, n: f"SELECT * FROM {t.wide}", lambda t: f"SELECT COUNT(*) FROM {t.wide}",
                 check_rows=_columns(50))
big = _fetchall(lambda t, n: f"SELECT * FROM {t.big}",
                lambda t: f"SELECT SUM(LENGTH(t)), SUM(LENGTH(b)) FROM {t.big}",
                check_rows=_check_big)


def stream(drv, kw, n, tables):
    conn = drv.connect(**kw)
    _warm(conn, _warm_rows(tables))
    cur = drv.stream_cursor(conn)
    out = {"rows": 0}

    def run():
        cur.execute(f"SELECT * FROM {tables.rows} WHERE id <= {n}")
        count = 0
        for _row in cur:
            count += 1
        out["rows"] = count

    return run, lambda: (_expect("streamed rows", out["rows"], n), cur.close(), conn.close())


def executemany(drv, kw, n, tables):
    conn = drv.connect(**kw)
    cur = conn.cursor()
    cur.execute(f"DELETE FROM {tables.em}")
    conn.commit()
    data = _data(n)
    sql = f"INSERT INTO {tables.em} (id, name, price, created) VALUES (%s, %s, %s, %s)"

    def run():
        cur.executemany(sql, data)
        conn.commit()

    return run, lambda: (_expect("inserted", _count(cur, tables.em), n), conn.close())


def update_many(drv, kw, n, tables):
    conn = drv.connect(**kw)
    cur = conn.cursor()
    cur.execute(f"DELETE FROM {tables.em}")
    cur.executemany(f"INSERT INTO {tables.em} (id, name, price, created) "
                    "VALUES (%s, %s, %s, %s)", _data(n))
    conn.commit()
    args = [(f"new-{i}", i) for i in range(n)]

    def run():
        cur.executemany(f"UPDATE {tables.em} SET name = %s WHERE id = %s", args)
        conn.commit()

    def check():
        cur.execute(f"SELECT COUNT(*) FROM {tables.em} WHERE name LIKE 'new-%%'")
        _expect("updated", cur.fetchall()[0][0], n)
        conn.close()

    return run, check


def connect(drv, kw, n, tables):
    def run():
        for _ in range(n):
            drv.connect(**kw).close()

    return run, lambda: None


def _django_model(drv, kw, tables):
    import django
    from django.conf import settings

    drv.django_prepare()
    settings.configure(
        DATABASES={"default": {
            "ENGINE": drv.django_engine, "NAME": kw["database"], "USER": kw["user"],
            "PASSWORD": kw["password"], "HOST": kw["host"], "PORT": str(kw["port"]),
            **({"OPTIONS": {"unix_socket": kw["unix_socket"]}} if "unix_socket" in kw else {}),
        }},
        INSTALLED_APPS=[], USE_TZ=False, DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    )
    django.setup()
    from django.db import models

    class Row(models.Model):
        name = models.CharField(max_length=50)
        value = models.IntegerField()
        created = models.DateTimeField()

        class Meta:
            app_label = "bench"
            db_table = tables.django
            managed = False

    return Row


def _django_rows(n):
    base = dt.datetime(2024, 1, 1)
    return [{"name": f"name-{i}", "value": i, "created": base + dt.timedelta(seconds=i)}
            for i in range(n)]


def django_all(drv, kw, n, tables):
    row = _django_model(drv, kw, tables)
    row.objects.all().delete()
    row.objects.bulk_create([row(**r) for r in _django_rows(n)], batch_size=1000)
    out = {}

    def run():
        out["rows"] = list(row.objects.all())

    return run, lambda: _expect("objects", len(out["rows"]), n)


def django_bulk(drv, kw, n, tables):
    row = _django_model(drv, kw, tables)
    row.objects.all().delete()
    objs = [row(**r) for r in _django_rows(n)]

    def run():
        row.objects.bulk_create(objs)

    return run, lambda: _expect("created", row.objects.count(), n)


SETUPS = {
    "select1": select1, "point": point, "fetchall": fetchall, "stream": stream,
    "dict": dict_fetch, "wide": wide, "big": big, "executemany": executemany,
    "update_many": update_many, "connect": connect, "django_all": django_all,
    "django_bulk": django_bulk,
}
