"""Rows built while a result set is still arriving: a stored result is made into
tuples batch by batch as it is read, and an unbuffered fetchall() reads and builds in
batches. Whatever the batching, rows, their order, a row that fails to convert, the
description's max_length and dict rows are what mysqlclient gives. Runs against
mysqlclient too (``--driver mysqlclient``), except the garbage-collector check."""

import gc

import pytest

# More rows than one batch (512), with values of every kind the core builds.
ROWS = 1500
SQL = (f"SELECT seq, CONCAT('v', seq, REPEAT('é', seq % 7)), seq / 3, "
       f"DATE('2000-01-01') + INTERVAL seq DAY, IF(seq % 2, NULL, seq) "
       f"FROM seq_1_to_{ROWS}")


def expected():
    import datetime
    from decimal import Decimal

    return tuple(
        (n, f"v{n}{'é' * (n % 7)}", (Decimal(n) / 3).quantize(Decimal("0.0001")),
         datetime.date(2000, 1, 1) + datetime.timedelta(days=n), None if n % 2 else n)
        for n in range(1, ROWS + 1))


@pytest.mark.parametrize("cursorclass", ["Cursor", "SSCursor"])
def test_many_rows_arrive_whole_and_in_order(driver, conn, cursorclass):
    cur = conn.cursor(getattr(driver.cursors, cursorclass))
    cur.execute(SQL)
    assert cur.fetchall() == expected()


@pytest.mark.parametrize("cursorclass", ["DictCursor", "SSDictCursor"])
def test_dict_rows_over_many_batches(driver, conn, cursorclass):
    cur = conn.cursor(getattr(driver.cursors, cursorclass))
    cur.execute("SELECT seq AS n, seq * 2 AS n FROM seq_1_to_1200")
    rows = cur.fetchall()
    assert len(rows) == 1200
    # A repeated name is keyed "table.name" the second time (an expression has no
    # table), as mysqlclient does.
    assert rows[0] == {"n": 1, ".n": 2}
    assert rows[-1] == {"n": 1200, ".n": 2400}


def test_partial_fetches_cross_batches_and_shapes(driver, conn):
    conn.query(SQL)
    result = conn.store_result()
    assert result.num_rows() == ROWS
    want = expected()
    first = result.fetch_row(600)  # past the first batch
    assert first == want[:600]
    as_dicts = result.fetch_row(3, 1)
    assert [tuple(d.values()) for d in as_dicts] == list(want[600:603])
    assert result.fetch_row(0) == want[603:]
    assert result.fetch_row(0) == ()


@pytest.mark.parametrize("store", [True, False], ids=["store_result", "use_result"])
def test_a_row_that_fails_to_convert_raises_where_it_is(driver, connect, store):
    """Row 700 of 1000 is no integer for the converter asked for: the rows before it
    come out, fetching it raises, and it counts as fetched (mysql_fetch_row took it):
    the next fetch starts at row 701, whatever batch it was read in."""
    c = connect()
    # After connect: use_unicode sets the text types' converters at connect time.
    c.converter[driver.constants.FIELD_TYPE.VAR_STRING] = int
    c.query("SELECT IF(seq = 700, 'x', CAST(seq AS CHAR)) FROM seq_1_to_1000")
    result = c.store_result() if store else c.use_result()
    assert result.fetch_row(690) == tuple((n,) for n in range(1, 691))
    with pytest.raises(ValueError):
        result.fetch_row(20)  # rows 691..699 go with the error, as in mysqlclient
    assert result.fetch_row(2) == ((701,), (702,))
    assert result.fetch_row(0) == tuple((n,) for n in range(703, 1001))
    assert result.num_rows() == 1000
    del result
    cur = c.cursor()
    cur.execute("SELECT 1")
    assert cur.fetchall() == ((1,),)


def test_description_max_length_over_every_batch(driver, conn):
    cur = conn.cursor()
    # The longest value is in the last row, well past the first batch.
    cur.execute("SELECT REPEAT('a', IF(seq = 1400, 90, 5)) FROM seq_1_to_1400")
    assert cur.description[0][2] == 90
    assert len(cur.fetchall()) == 1400


@pytest.mark.unshaken_only
def test_rows_of_plain_values_are_not_tracked_by_the_collector(driver, connect):
    """Such a row can be in no cycle; a row holding a list a converter made can."""
    conn = connect()
    cur = conn.cursor()
    cur.execute(SQL)
    rows = cur.fetchall()
    assert not any(gc.is_tracked(r) for r in rows)
    conv = dict(driver.converters.conversions)
    conv[driver.constants.FIELD_TYPE.LONGLONG] = lambda s: [s]
    cur = connect(conv=conv).cursor()
    cur.execute("SELECT CAST(seq AS SIGNED) FROM seq_1_to_3")
    rows = cur.fetchall()
    assert rows == (([b"1"],), ([b"2"],), ([b"3"],))
    assert all(gc.is_tracked(r) for r in rows)
