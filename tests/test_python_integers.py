"""Integers and floats from Python reach Rust arithmetic: none of them may panic
(pyo3's PanicException is a BaseException that no `except Exception` catches).
Huge counts mean "all", out-of-range values are ordinary exceptions."""

import pytest
import unshaken
import unshaken.cursors

pytestmark = pytest.mark.unshaken_only

HUGE = 2**64 - 1
ROWS = "SELECT seq FROM seq_1_to_5"


def _result(conn, stored):
    conn.query(ROWS)
    return conn.store_result() if stored else conn.use_result()


@pytest.mark.parametrize("stored", [True, False], ids=["store", "use"])
def test_fetch_row_with_the_largest_count_after_a_first_row(conn, stored):
    result = _result(conn, stored)
    assert result.fetch_row(1) == ((1,),)
    assert result.fetch_row(HUGE) == ((2,), (3,), (4,), (5,))
    assert result.fetch_row(HUGE) == ()
    assert conn.cursor().execute("SELECT 1") == 1  # the connection is fine


@pytest.mark.parametrize("stored", [True, False], ids=["store", "use"])
@pytest.mark.parametrize("count", [-1, 2**64, -(2**70)])
def test_fetch_row_count_out_of_range_is_an_ordinary_error(conn, stored, count):
    result = _result(conn, stored)
    result.fetch_row(1)
    with pytest.raises(OverflowError):
        result.fetch_row(count)
    assert result.fetch_row(0) == ((2,), (3,), (4,), (5,))


@pytest.mark.parametrize("cursorclass", [unshaken.cursors.Cursor, unshaken.cursors.SSCursor])
def test_fetchmany_and_scroll_with_huge_values(conn, cursorclass):
    cur = conn.cursor(cursorclass)
    cur.execute(ROWS)
    assert cur.fetchone() == (1,)
    assert cur.fetchmany(HUGE) == ((2,), (3,), (4,), (5,))
    if cursorclass is unshaken.cursors.Cursor:  # only buffered cursors scroll
        cur.execute(ROWS)
        for offset in (2**64, -(2**64)):
            with pytest.raises(IndexError):
                cur.scroll(offset)
        assert cur.fetchone() == (1,)


@pytest.mark.parametrize("name", ["connect_timeout", "read_timeout", "write_timeout"])
def test_huge_timeouts_mean_no_timeout(connect, name):
    conn = connect(**{name: 1e300})
    cur = conn.cursor()
    cur.execute("SELECT 1")
    assert cur.fetchall() == ((1,),)


def test_huge_statement_timeout_means_no_timeout(connect):
    cur = connect(query_timeout=1e300).cursor()
    cur.execute("SELECT 2")
    assert cur.fetchall() == ((2,),)
