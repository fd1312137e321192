"""The DB-API 2.0 compliance suite (``dbapi20.py`` from the ``dbapi-compliance``
package), run in full against unshaken.

dbapi20 leaves three tests to the driver (``test_nextset``, ``test_setoutputsize``
and the ``lower`` procedure behind ``test_callproc``); they are filled in the way
mysqlclient's own copy of the suite fills them: MySQL has no ``lower`` procedure, so
one is created, and a CALL ends with one more (empty) result set for the CALL itself.
"""

from __future__ import annotations

import os
from typing import ClassVar

import pytest
import unshaken

dbapi20 = pytest.importorskip("dbapi20")

pytestmark = pytest.mark.unshaken_only

PREFIX = f"dbapi20_{os.getpid()}_"


class TestDBAPI20(dbapi20.DatabaseAPI20Test):
    driver = unshaken
    connect_args = ()
    connect_kw_args: ClassVar[dict] = {}  # filled from the server fixture
    table_prefix = PREFIX
    ddl1 = f"create table {PREFIX}booze (name varchar(20))"
    ddl2 = f"create table {PREFIX}barflys (name varchar(20), drink varchar(30))"
    xddl1 = f"drop table {PREFIX}booze"
    xddl2 = f"drop table {PREFIX}barflys"
    lower_func = f"{PREFIX}lower"

    @pytest.fixture(autouse=True)
    def _server(self, server_kwargs):
        # autocommit off (PEP 249's default) is what connect() gives already.
        type(self).connect_kw_args = dict(server_kwargs)
        con = unshaken.connect(**server_kwargs)
        cur = con.cursor()
        cur.execute(f"DROP PROCEDURE IF EXISTS `{self.lower_func}`")
        cur.execute(
            f"CREATE PROCEDURE `{self.lower_func}`(IN s VARCHAR(20)) SELECT LOWER(s)"
        )
        con.close()
        yield
        con = unshaken.connect(**server_kwargs)
        con.cursor().execute(f"DROP PROCEDURE IF EXISTS `{self.lower_func}`")
        con.close()

    def help_nextset_setUp(self, cur):
        cur.execute(f"DROP PROCEDURE IF EXISTS {PREFIX}deleteme")
        cur.execute(
            f"CREATE PROCEDURE {PREFIX}deleteme() BEGIN"
            f" SELECT COUNT(*) FROM {PREFIX}booze;"
            f" SELECT name FROM {PREFIX}booze;"
            " END"
        )

    def help_nextset_tearDown(self, cur):
        cur.execute(f"DROP PROCEDURE IF EXISTS {PREFIX}deleteme")

    def test_nextset(self):
        con = self._connect()
        try:
            cur = con.cursor()
            try:
                self.executeDDL1(cur)
                for sql in self._populate():
                    cur.execute(sql)
                self.help_nextset_setUp(cur)
                cur.callproc(f"{PREFIX}deleteme")
                numberofrows = cur.fetchone()
                assert numberofrows[0] == len(self.samples)
                assert cur.nextset()
                names = cur.fetchall()
                assert len(names) == len(self.samples)
                # MySQL: the CALL's own status is one more, empty, result.
                if cur.nextset():
                    assert cur.fetchall() == ()
                assert cur.nextset() is None
            finally:
                self.help_nextset_tearDown(cur)
        finally:
            con.close()

    def test_setoutputsize(self):
        # PEP 249 lets a driver ignore it; make sure calling it is harmless.
        con = self._connect()
        try:
            cur = con.cursor()
            cur.setoutputsize(1000)
            cur.setoutputsize(2000, 0)
            cur.execute("SELECT 1")
            assert cur.fetchall() == ((1,),)
        finally:
            con.close()

    # PEP 249 wants fetch*() after a statement without a result set (CREATE, INSERT)
    # to raise; mysqlclient (and PyMySQL) return None / () instead, and code written
    # for them (run any statement, then fetchall()) relies on it. unshaken keeps
    # mysqlclient's behaviour (see README, "Compatibility with mysqlclient"), so these
    # two dbapi20 tests fail on exactly that assertion and nothing else: the
    # originals run as strict xfails, and the overrides below check every other
    # assertion they make.
    test_fetchone_pep249 = pytest.mark.xfail(
        strict=True, reason="fetch after a non-SELECT returns None as in mysqlclient"
    )(dbapi20.DatabaseAPI20Test.test_fetchone)
    test_fetchall_pep249 = pytest.mark.xfail(
        strict=True, reason="fetch after a non-SELECT returns () as in mysqlclient"
    )(dbapi20.DatabaseAPI20Test.test_fetchall)

    def test_fetchone(self):
        con = self._connect()
        try:
            cur = con.cursor()
            self.assertRaises(self.driver.Error, cur.fetchone)
            self.executeDDL1(cur)
            assert cur.fetchone() is None  # mysqlclient: no error
            cur.execute(f"select name from {PREFIX}booze")
            assert cur.fetchone() is None
            assert cur.rowcount in (-1, 0)
            cur.execute(f"{self.insert} into {PREFIX}booze values ('Victoria Bitter')")
            assert cur.fetchone() is None  # mysqlclient: no error
            cur.execute(f"select name from {PREFIX}booze")
            r = cur.fetchone()
            assert len(r) == 1 and r[0] == "Victoria Bitter"
            assert cur.fetchone() is None
            assert cur.rowcount in (-1, 1)
        finally:
            con.close()

    def test_fetchall(self):
        con = self._connect()
        try:
            cur = con.cursor()
            self.assertRaises(self.driver.Error, cur.fetchall)
            self.executeDDL1(cur)
            for sql in self._populate():
                cur.execute(sql)
            assert cur.fetchall() == ()  # mysqlclient: no error
            cur.execute(f"select name from {PREFIX}booze")
            rows = cur.fetchall()
            assert cur.rowcount in (-1, len(self.samples))
            assert sorted(r[0] for r in rows) == sorted(self.samples)
            assert cur.fetchall() == ()
            self.executeDDL2(cur)
            cur.execute(f"select name from {PREFIX}barflys")
            assert cur.fetchall() == ()
            assert cur.rowcount in (-1, 0)
        finally:
            con.close()
