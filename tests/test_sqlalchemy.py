"""SQLAlchemy 2.x's ``mysql+mysqldb`` dialect on top of unshaken, both through
``create_engine(..., module=unshaken)`` and through ``install_as_MySQLdb()`` in a
fresh interpreter (where SQLAlchemy imports ``MySQLdb`` itself)."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import textwrap
from decimal import Decimal

import pytest
import unshaken

sa = pytest.importorskip("sqlalchemy")

pytestmark = pytest.mark.unshaken_only

TABLE = f"sa_{os.getpid()}"


def _url(server_kwargs):
    kw = server_kwargs
    query = {"charset": "utf8mb4"}
    if kw.get("unix_socket") and not kw.get("host"):
        query["unix_socket"] = kw["unix_socket"]
    return sa.engine.URL.create(
        "mysql+mysqldb",
        username=kw.get("user") or "root",
        password=kw.get("password") or None,
        host=kw.get("host"),
        port=kw.get("port"),
        database=kw.get("database") or "test",
        query=query,
    )


@pytest.fixture
def engine(server_kwargs):
    eng = sa.create_engine(_url(server_kwargs), module=unshaken, pool_pre_ping=True)
    yield eng
    eng.dispose()


def _table(metadata):
    return sa.Table(
        TABLE,
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("big", sa.BigInteger),
        sa.Column("ubig", sa.dialects.mysql.BIGINT(unsigned=True)),
        sa.Column("price", sa.Numeric(12, 4)),
        sa.Column("ratio", sa.Float),
        sa.Column("flag", sa.Boolean),
        sa.Column("born", sa.Date),
        sa.Column("at", sa.DateTime),
        sa.Column("at6", sa.dialects.mysql.DATETIME(fsp=6)),
        sa.Column("t", sa.Time),
        sa.Column("dur", sa.Interval),
        sa.Column("blob", sa.LargeBinary),
        sa.Column("text", sa.Text),
        sa.Column("doc", sa.JSON),
        sa.Column("kind", sa.Enum("a", "b", name="kind")),
        sa.Column("tags", sa.dialects.mysql.SET("x", "y", "z")),
        sa.Column("yr", sa.dialects.mysql.YEAR),
        sa.Column("bits", sa.dialects.mysql.BIT(8)),
        # A fresh server's default charset is latin1: the emoji in ROW needs utf8mb4.
        mysql_charset="utf8mb4",
    )


ROW = {
    "name": "Zoë 😀",
    "big": -(2**63),
    "ubig": 2**64 - 1,
    "price": Decimal("12345678.1234"),
    "ratio": 0.1,
    "flag": True,
    "born": datetime.date(2024, 2, 29),
    "at": datetime.datetime(2024, 2, 29, 23, 59, 59),
    "at6": datetime.datetime(2024, 2, 29, 23, 59, 59, 123456),
    "t": datetime.time(12, 34, 56),
    "dur": datetime.timedelta(days=1, seconds=5),
    "blob": b"\x00\xff'\\\"",
    "text": "line\nbreak 'quote' \\ back",
    "doc": {"a": [1, 2.5, "é", None, True]},
    "kind": "b",
    "tags": {"x", "z"},
    "yr": 2024,
    "bits": 5,
}


def test_engine_round_trip(engine):
    metadata = sa.MetaData()
    table = _table(metadata)
    metadata.drop_all(engine, checkfirst=True)
    metadata.create_all(engine)
    try:
        with engine.begin() as c:
            result = c.execute(table.insert(), [ROW, {**ROW, "name": "second"}])
            assert result.rowcount == 2
            inserted = c.execute(table.insert().values(name="third"))
            assert inserted.inserted_primary_key[0] == 3
        with engine.connect() as c:
            rows = c.execute(sa.select(table).order_by(table.c.id)).mappings().all()
            assert len(rows) == 3
            got = dict(rows[0])
            assert got.pop("id") == 1
            assert got == ROW
            assert rows[2]["name"] == "third" and rows[2]["price"] is None
            # bound parameters in WHERE, IN, LIKE with %
            n = c.execute(
                sa.select(sa.func.count()).select_from(table).where(
                    table.c.name.in_(["second", "third"]), table.c.text.like("%quote%")
                )
            ).scalar_one()
            assert n == 1
            assert c.execute(sa.text("SELECT :x + 1"), {"x": 41}).scalar_one() == 42
            assert c.execute(sa.text("SELECT '100%'")).scalar_one() == "100%"
    finally:
        metadata.drop_all(engine)


def test_transactions(engine):
    metadata = sa.MetaData()
    table = sa.Table(f"{TABLE}_tx", metadata, sa.Column("id", sa.Integer, primary_key=True),
                     mysql_engine="InnoDB")
    metadata.drop_all(engine, checkfirst=True)
    metadata.create_all(engine)
    try:
        with engine.connect() as c:
            with c.begin():
                c.execute(table.insert(), [{"id": 1}])
            tx = c.begin()
            c.execute(table.insert(), [{"id": 2}])
            tx.rollback()
            with c.begin():
                c.execute(table.insert(), [{"id": 3}])
                nested = c.begin_nested()  # SAVEPOINT
                c.execute(table.insert(), [{"id": 4}])
                nested.rollback()
            ids = c.execute(sa.select(table.c.id).order_by(table.c.id)).scalars().all()
            assert ids == [1, 3]
            c.rollback()
            with pytest.raises(sa.exc.IntegrityError) as info, c.begin():
                c.execute(table.insert(), [{"id": 1}])
            assert isinstance(info.value.orig, unshaken.IntegrityError)
            assert info.value.orig.args[0] == 1062
            with pytest.raises(sa.exc.ProgrammingError):
                c.execute(sa.text("SELEC 1"))
    finally:
        metadata.drop_all(engine)


def test_dialect_facts(engine):
    with engine.connect() as c:
        dialect = engine.dialect
        assert dialect.driver == "mysqldb"
        assert dialect.server_version_info >= (10,) or dialect.server_version_info >= (5,)
        # mysqlclient-shaped version_info, which the dialect parses
        assert tuple(dialect.retrieve_dbapi_version(unshaken)) == unshaken.version_info[:3]
        assert c.execute(sa.text("SELECT @@character_set_client")).scalar_one() == "utf8mb4"
        insp = sa.inspect(c)
        assert isinstance(insp.get_table_names(), list)
        assert dialect.is_disconnect(
            unshaken.OperationalError(2006, "MySQL server has gone away"), None, None
        )


def test_install_as_mysqldb_in_subprocess(server_kwargs):
    """SQLAlchemy importing ``MySQLdb`` by itself gets unshaken."""
    script = textwrap.dedent(
        """
        import json, sys
        import unshaken
        unshaken.install_as_MySQLdb()
        import sqlalchemy as sa
        url = sa.engine.URL.create(**json.loads(sys.stdin.read()))
        eng = sa.create_engine(url)
        with eng.connect() as c:
            v = c.execute(sa.text("SELECT 1 + :x, 'é'"), {"x": 1}).one()
        import MySQLdb
        print(json.dumps({"v": list(v), "dbapi": eng.dialect.dbapi.__name__,
                          "mysqldb": MySQLdb.__name__}))
        """
    )
    url = _url(server_kwargs)
    args = {
        "drivername": url.drivername, "username": url.username, "password": url.password,
        "host": url.host, "port": url.port, "database": url.database,
        "query": dict(url.query),
    }
    out = subprocess.run(
        [sys.executable, "-c", script], input=json.dumps(args),  # the password not in argv
        capture_output=True, text=True, timeout=60, check=True,
    )
    assert json.loads(out.stdout) == {"v": [2, "é"], "dbapi": "unshaken", "mysqldb": "unshaken"}
