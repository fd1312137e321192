"""The zlib-compressed protocol against MariaDB (zstd, which only MySQL 8 speaks, is
covered against a scripted peer in tests/fake_compression.rs)."""

import os
import time

import pytest
from interrupts import CTRL_C_WITHIN, keyboard_interrupt_after

pytestmark = pytest.mark.unshaken_only


def test_compress_true_is_zlib(connect):
    conn = connect(compress=True)
    assert conn.get_compression() == "zlib"
    cur = conn.cursor()
    cur.execute("SHOW SESSION STATUS LIKE 'Compression'")
    assert cur.fetchone() == ("Compression", "ON")
    assert connect().get_compression() is None


def test_zstd_falls_back_to_zlib_on_mariadb(connect):
    assert connect(compress="zstd", zstd_level=5).get_compression() == "zlib"


def test_unknown_compression_is_refused(driver, connect):
    with pytest.raises(driver.NotSupportedError):
        connect(compress="lz4")


def test_a_zstd_level_out_of_range_is_refused_before_connecting(connect):
    with pytest.raises(ValueError, match="zstd_level must be 1 to 22, not 23"):
        connect(compress="zstd", zstd_level=23)


def test_results_and_large_values_round_trip_compressed(connect):
    conn = connect(compress=True)
    cur = conn.cursor()
    cur.execute("SET SESSION max_recursive_iterations = 100000")
    cur.execute(
        "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM s WHERE n<20000) "
        "SELECT n, REPEAT('x', 50) FROM s"
    )
    rows = cur.fetchall()
    assert len(rows) == 20000 and sum(r[0] for r in rows) == 20000 * 20001 // 2
    # Incompressible and compressible parts, over 16 MiB in all: the statement spans
    # several compressed frames and packets.
    blob = os.urandom(1 << 20) + b"a" * (17 << 20)
    cur.execute("CREATE TEMPORARY TABLE big (v LONGBLOB)")
    cur.execute("INSERT INTO big VALUES (%s)", (blob,))
    cur.execute("SELECT v FROM big")
    assert cur.fetchone()[0] == blob
    stats = conn.stats()
    # Compression did its job: far fewer bytes than the 36 MiB of payload moved.
    assert stats["bytes_in"] + stats["bytes_out"] < 8 << 20


def test_compressed_ctrl_c_cancel_keeps_the_connection(connect):
    conn = connect(compress=True)
    t0 = time.monotonic()
    with keyboard_interrupt_after(0.3), pytest.raises(KeyboardInterrupt):
        conn.cursor().execute("SELECT SLEEP(3)")
    assert 0.3 <= time.monotonic() - t0 <= 0.3 + CTRL_C_WITHIN
    cur = conn.cursor()
    cur.execute("SELECT 3")
    assert cur.fetchone() == (3,)
