"""``max_allowed_packet``: the largest packet the server may send us, and so the most
memory one reply row can take, whatever the server claims or compresses. (What we
send is bounded by the server's own max_allowed_packet.)"""

import pytest
import unshaken

pytestmark = pytest.mark.unshaken_only

LIMIT = 64 * 1024


@pytest.mark.parametrize("compress", [False, True])
def test_a_reply_over_the_limit_is_refused(connect, compress):
    conn = connect(max_allowed_packet="64K", compress=compress)
    cur = conn.cursor()
    cur.execute("SELECT REPEAT('a', %s)", (LIMIT - 100,))
    assert len(cur.fetchone()[0]) == LIMIT - 100
    with pytest.raises(unshaken.OperationalError) as exc:
        cur.execute("SELECT REPEAT('a', %s)", (LIMIT + 100,))
    assert exc.value.args[0] == 2020
    assert "larger than max_allowed_packet (65536)" in exc.value.args[1]
    # The rest of the reply was never read: the session cannot go on.
    with pytest.raises(unshaken.OperationalError) as exc:
        cur.execute("SELECT 1")
    assert exc.value.args[0] == 2006


def test_the_default_takes_large_values(connect):
    cur = connect().cursor()
    cur.execute("SELECT REPEAT('a', 8 << 20)")
    assert len(cur.fetchone()[0]) == 8 << 20


def test_an_option_file_sets_it(connect, tmp_path):
    cnf = tmp_path / "my.cnf"
    cnf.write_text("[client]\nmax_allowed_packet = 64K\n")
    cur = connect(read_default_file=str(cnf)).cursor()
    with pytest.raises(unshaken.OperationalError) as exc:
        cur.execute("SELECT REPEAT('a', %s)", (LIMIT + 100,))
    assert exc.value.args[0] == 2020


@pytest.mark.parametrize("bad, error", [
    (10, ValueError), (2 ** 31, ValueError), ("64X", ValueError), ("", ValueError),
    (True, TypeError), (1.5, TypeError),
])
def test_bad_values_are_refused_before_connecting(connect, bad, error):
    with pytest.raises(error, match="max_allowed_packet"):
        connect(max_allowed_packet=bad)


SEND_PEAK = """
import json, sys, unshaken
def high_water_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
cur = unshaken.connect(**json.loads(sys.argv[1])).cursor()
sql = b"SELECT LENGTH('" + b"x" * (8 << 20) + b"')"
cur.execute("SELECT 1")
open("/proc/self/clear_refs", "w").write("5")  # peak RSS starts again from here
before = high_water_mb()
cur.execute(sql)
assert cur.fetchone() == (8 << 20,)
print(high_water_mb() - before)
"""


def test_a_large_statement_is_sent_with_one_copy(server_kwargs):
    # The command byte and the statement are framed straight into the output buffer:
    # sending 8 MB takes 8 MB more memory at the peak, not 16 (a joined copy first).
    # Linux's peak RSS, reset through /proc/self/clear_refs, measures it.
    import json
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", SEND_PEAK, json.dumps(server_kwargs)],
                         capture_output=True, text=True, timeout=60, check=True)
    grew = float(out.stdout)
    assert 7 < grew < 12, f"peak RSS grew {grew:.1f} MB sending an 8 MB statement"
