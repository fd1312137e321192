"""Cooperative waits (issue 15): under gevent's monkey-patching every blocking wait
of the driver yields to the hub, with the same guarantees as without it.

Each scenario runs tests/signals/green.py in a fresh interpreter (monkey-patching and
storms must not leak into pytest) and checks its JSON summary. Without gevent nothing
changes: tests/test_signals.py and tests/test_deadlines.py cover that path.
"""

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.unshaken_only]


@pytest.fixture
def green(signal_script, server_kwargs):
    def run(scenario, **config):
        return signal_script("green.py", {"kwargs": server_kwargs, "scenario": scenario, **config})

    return run


def test_twenty_greenlets_sleep_together(green):
    s = green("concurrent")
    assert s["wrong"] == 0, s
    assert "gevent_wait" in s["callback"], s  # installed by monkey-patching alone
    # 20 x SELECT SLEEP(0.5) one after another would take 10 s.
    assert s["elapsed"] < 1.5, s


def test_twenty_greenlets_over_tls(signal_script, tls_server_kwargs):
    """The TLS handshake and TLS reads yield to the hub too."""
    s = signal_script("green.py", {"kwargs": tls_server_kwargs, "scenario": "concurrent"})
    assert s["ciphers"] and "None" not in s["ciphers"], s  # every connection is TLS
    assert s["wrong"] == 0, s
    assert s["elapsed"] < 1.5, s


def test_read_timeout_is_exact_while_the_hub_runs(green):
    s = green("deadline")
    assert s["error"][0] == 2013, s
    assert "timed out" in s["error"][1], s
    assert 1.0 <= s["elapsed"] <= 1.2, s
    # Another greenlet ticked every 10 ms all along: the hub was never blocked.
    assert s["ticks"] >= 50, s
    assert s["max_gap"] < 0.1, s
    assert s["after"] == [[42]], s


@pytest.mark.parametrize("signame", ["SIGWINCH", "SIGHUP"])
def test_signal_storm_during_greenlet_queries(green, signame):
    s = green("storm", storm={"kind": "kill", "signal": signame}, seconds=1.5)
    assert s["signals"] > 0, s
    assert s["iterations"] >= 20, s
    assert s["errors"] == [], s
    assert s["wrong"] == 0, s


@pytest.mark.parametrize("how", ["timeout", "kill", "ctrl_c"])
def test_stopped_greenlet_cancels_on_the_server(green, how):
    s = green(how)
    expected = {"timeout": "Timeout", "kill": "GreenletExit", "ctrl_c": "KeyboardInterrupt"}
    assert s["raised"] == expected[how], s
    assert 0.3 <= s["elapsed"] < 0.6, s
    assert s["running"] == 0, s  # KILL QUERY reached the server
    assert s["max_gap"] < 0.1, s  # the cancel did not block the hub (SLEEP is 5 s)
    assert s["after"] == [[42]], s  # and the connection is usable, nothing half-read


def test_two_greenlets_on_one_connection(green):
    s = green("same_conn")
    assert s["first"] == [[0, 1]], s
    assert s["second"][:2] == ["ProgrammingError", 2014], s
    assert "greenlet" in s["second"][2], s
    assert s["second_elapsed"] < 0.05, s  # refused at once, the hub was not blocked
    # close() from another greenlet ends the busy one's statement promptly.
    assert s["close_elapsed"] < 0.5, s
    assert "2013" in s["busy_error"], s


def test_explicit_wait_callback(green):
    s = green("custom")
    assert s["installed"] and s["removed"], s
    assert s["result"] == [[0, 7]], s
    assert s["calls"] >= 3, s  # the callback did the waiting, in slices
    assert s["max_timeout"] <= 0.05 + 1e-9, s
    assert s["deadline_error"][0] == 2013, s
    assert 1.0 <= s["deadline_elapsed"] <= 1.2, s
    assert s["raised"] == "Stop('from the callback')", s
    assert s["stop_elapsed"] < 0.5, s
    assert s["waits_after_stop"] >= 3 and s["fds_after_stop"] >= 2, s
    assert s["running"] == 0, s
    assert s["after"] == [[42]], s


def test_eventlet_callback(green):
    s = green("eventlet")
    assert s["wrong"] == 0, s
    assert s["elapsed"] < 1.5, s


def test_no_callback_without_gevent(connect):
    """In a process gevent has not patched (this one), connecting installs nothing:
    the driver releases the GIL and polls as before."""
    import sys

    assert "gevent.monkey" not in sys.modules
    import unshaken

    with connect() as conn:
        cur = conn.cursor()
        cur.execute("SELECT 1")
        assert cur.fetchall() == ((1,),)
    assert unshaken.get_wait_callback() is None


def test_wait_callback_must_be_callable():
    import unshaken

    with pytest.raises(TypeError):
        unshaken.set_wait_callback(42)
    assert unshaken.get_wait_callback() is None
