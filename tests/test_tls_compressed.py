"""The compressed protocol inside TLS: results made of many small TLS records.

With compression the server writes each compressed packet as a TLS record of its own,
often a few KiB. One socket read then holds several records, more than the 16 KiB of
plaintext rustls buffers before it refuses input; the stream must hand them over a
bit at a time, never fail with "received plaintext buffer full"."""

import time

import pytest
import unshaken
import unshaken.cursors

pytestmark = pytest.mark.unshaken_only

# Poorly compressible rows, so compressed packets (and TLS records) stay large and many.
ROWS_SQL = "SELECT seq, MD5(seq), SHA2(seq, 256) FROM seq_1_to_20000"


@pytest.mark.parametrize("cursorclass", [None, unshaken.cursors.SSCursor],
                         ids=["buffered", "unbuffered"])
def test_many_records_in_one_read(tls_server_kwargs, cursorclass):
    with unshaken.connect(**tls_server_kwargs, compress=True) as c:
        assert c.get_ssl_cipher() and c.get_compression() == "zlib"
        for _ in range(3):
            cur = c.cursor(cursorclass) if cursorclass else c.cursor()
            cur.execute(ROWS_SQL)
            time.sleep(0.2)  # let the socket fill up with records before reading
            rows = cur.fetchall()
            assert len(rows) == 20000
            assert sum(r[0] for r in rows) == 20000 * 20001 // 2
            cur.close()
