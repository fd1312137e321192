"""``watch --plot``: the figure's structure (axes, ticks, artists, event marks) for runs
from minutes to days, checked on the matplotlib objects rather than on pixels."""

from __future__ import annotations

import datetime
import re

import pytest

matplotlib = pytest.importorskip("matplotlib")  # the [plot] extra; CI installs it
import matplotlib.dates as mdates
from unshaken.cli import watch_plot

T0 = datetime.datetime(2026, 12, 1, 6, 0, 0)
SIGHUP_AT = datetime.datetime(2026, 12, 1, 6, 25, 0)  # the logrotate SIGHUP


def _rows(n, step, error_at=None, retry_at=None):
    rows, retried, errors = [], 0, 0
    for i in range(n):
        when = T0 + i * step
        err = ""
        if error_at is not None and i == error_at:
            err = "OperationalError(2013, 'Lost connection')"
            errors += 1
        if retry_at is not None and i == retry_at:
            retried += 2
        rows.append({
            "time": when.isoformat(timespec="milliseconds"),
            "latency_ms": None if err else 0.2 + (i % 7) * 0.05,
            "threads_connected": 12 + (i % 3), "threads_running": 1 + (i % 2),
            "questions": i * 3, "uptime": i, "interrupted_retries": retried,
            "errors": errors, "error": err,
        })
    return rows


def _dt(v):
    # Artists keep datetimes as given; axis limits are matplotlib date numbers.
    if isinstance(v, datetime.datetime):
        return v
    return mdates.num2date(v).replace(tzinfo=None)


def _axes(fig, gid):
    return [ax for ax in fig.axes if ax.get_gid() == gid]


def _labels(ax):
    fig = ax.figure
    fig.canvas.draw()
    return [t.get_text() for t in ax.get_xticklabels() if t.get_text()]


def _events(ax, kind):
    return [ln for ln in ax.get_lines() if ln.get_gid() == f"event:{kind}"]


def test_two_day_run_has_readable_axis_bands_threads_and_events(tmp_path):
    rows = _rows(2 * 24 * 60, datetime.timedelta(minutes=1), error_at=100, retry_at=300)
    reconnect = (T0 + datetime.timedelta(minutes=101), "reconnect", "connection 7")
    notes = [(SIGHUP_AT, "signal", "SIGHUP"), reconnect]
    fig = watch_plot.render(rows, notes)
    try:
        lat, thr = _axes(fig, "overview")
        # The x range is the run, first to last sample.
        lo, hi = (_dt(v) for v in lat.get_xlim())
        assert abs((lo - T0).total_seconds()) < 1
        assert abs((hi - (T0 + datetime.timedelta(minutes=2 * 24 * 60 - 1))).total_seconds()) < 1
        labels = _labels(thr)
        assert len(labels) >= 3, labels
        # Readable: no sub-second noise, days shown for a multi-day run.
        assert not any(re.search(r"\d\.\d{3,}", t) for t in labels), labels
        assert any(re.search(r"Dec|\d\d:\d\d|^\d{1,2}$", t) for t in labels), labels
        assert lat.get_ylabel() == "latency (ms)" and thr.get_ylabel() == "threads"
        assert thr.get_xlabel() == "time"
        # p50 and p99 bands.
        gids = {c.get_gid() for c in lat.collections}
        assert {"band:p50", "band:p99"} <= gids, gids
        # Connected and running are both there and drawn differently.
        lines = {ln.get_gid(): ln for ln in thr.get_lines()}
        conn, run = lines["line:connected"], lines["line:running"]
        assert conn.get_color() != run.get_color()
        assert conn.get_linestyle() != run.get_linestyle()
        assert max(conn.get_ydata()) == 14 and max(run.get_ydata()) == 2
        # Each event is marked, at its time, in both overview panels.
        for ax in (lat, thr):
            for kind, when in (("error", T0 + datetime.timedelta(minutes=100)),
                               ("retried", T0 + datetime.timedelta(minutes=300)),
                               ("signal", SIGHUP_AT), ("reconnect", reconnect[0])):
                marks = _events(ax, kind)
                assert len(marks) == 1, (kind, marks)
                x = _dt(marks[0].get_xdata()[0])
                assert abs((x - when).total_seconds()) < 1, (kind, x)
        # The events legend counts each kind.
        (leg_ax,) = _axes(fig, "events")
        texts = [t.get_text() for t in leg_ax.get_legend().get_texts()]
        assert "error (1)" in texts and "reconnect (1)" in texts, texts
        # The detail panels show the last minute only, where none of these happened.
        dlat, _dthr = _axes(fig, "detail")
        dlo, dhi = dlat.get_xlim()
        assert abs((dhi - dlo) * 86400 - 60) < 1
        assert not _events(dlat, "error")
    finally:
        matplotlib.pyplot.close(fig)
    path = tmp_path / "w.png"
    watch_plot.save(rows, notes, str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 20_000


def test_five_minute_run_labels_minutes_and_details_last_minute():
    rows = _rows(300, datetime.timedelta(seconds=1), error_at=290)
    fig = watch_plot.render(rows)
    try:
        _lat, thr = _axes(fig, "overview")
        labels = _labels(thr)
        assert labels and all(re.fullmatch(r"\d\d:\d\d(:\d\d)?", t) for t in labels), labels
        dlat, dthr = _axes(fig, "detail")
        assert len(_events(dlat, "error")) == 1  # at 290 s: inside the last minute
        dlabels = _labels(dthr)
        assert dlabels and not any(".000000" in t for t in dlabels), dlabels
    finally:
        matplotlib.pyplot.close(fig)


def test_single_sample_renders():
    fig = watch_plot.render(_rows(1, datetime.timedelta(seconds=1)))
    try:
        lat, _thr = _axes(fig, "overview")
        assert [ln.get_gid() for ln in lat.get_lines()] == ["line:latency"]
    finally:
        matplotlib.pyplot.close(fig)
