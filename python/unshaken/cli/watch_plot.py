"""The ``watch --plot`` picture: latency (p50/p99 bands), threads, and marked events.

Pure drawing from the samples ``watch`` keeps (dicts with a ``time`` ISO string and the
CSV fields) and its event list; no database access, so tests can feed it any run.
Layout: a dense overview of the whole run (latency on top, threads below) and the last
minute in detail, all sharing one event legend.
"""

from __future__ import annotations

import datetime
import os
import statistics
from collections.abc import Sequence
from typing import Any

from unshaken.cli.output import percentile

# kind -> (colour, line style, legend label). Distinct from the data lines' colours.
EVENT_STYLES: dict[str, tuple[str, Any, str]] = {
    "error": ("tab:red", "-", "error"),
    "retried": ("tab:purple", ":", "interrupted syscall retried"),
    "reconnect": ("tab:orange", "--", "reconnect"),
    "signal": ("tab:gray", "-.", "signal (SIGHUP, SIGWINCH)"),
}
CONNECTED_STYLE = {"color": "tab:blue", "linewidth": 2.2, "label": "Threads_connected"}
RUNNING_STYLE = {"color": "tab:green", "linewidth": 1.2, "linestyle": "--",
                 "label": "Threads_running"}
DETAIL_SECONDS = 60
# Latency percentiles are taken over windows: about this many per overview width.
BANDS = 120


def _time(row: dict[str, Any]) -> datetime.datetime:
    return datetime.datetime.fromisoformat(row["time"])


def latency_bands(xs: Sequence[datetime.datetime], lat: Sequence[float | None],
                  windows: int = BANDS) -> tuple[list[datetime.datetime], list[float],
                                                  list[float], list[float]]:
    """Window centres with the windows' p50 and p99 and max latency (None samples skipped)."""
    n = len(xs)
    size = max(1, -(-n // windows))
    centres, p50, p99, top = [], [], [], []
    for i in range(0, n, size):
        vals = [v for v in lat[i:i + size] if v is not None]
        if not vals:
            continue
        chunk = xs[i:i + size]
        centres.append(chunk[0] + (chunk[-1] - chunk[0]) / 2)
        p50.append(statistics.median(vals))
        p99.append(percentile(vals, 99) or 0.0)
        top.append(max(vals))
    return centres, p50, p99, top


def _time_axis(ax: Any) -> None:
    import matplotlib.dates as mdates

    # Concise labels: "12:31", "Dec 02", "06:25:30" as the span needs, from seconds to weeks.
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=True))


def _mark_events(ax: Any, events: Sequence[tuple[datetime.datetime, str, str]],
                 lo: datetime.datetime, hi: datetime.datetime) -> None:
    for when, kind, _detail in events:
        if lo <= when <= hi:
            colour, style, _label = EVENT_STYLES[kind]
            ax.axvline(when, color=colour, linestyle=style, linewidth=1.0, alpha=0.8,
                       gid=f"event:{kind}")


def _latency(ax: Any, xs: list[datetime.datetime], lat: list[float | None],
             bands: bool) -> None:
    centres, p50, p99, top = latency_bands(xs, lat, BANDS)
    if bands and len(centres) > 1:
        ax.fill_between(centres, 0, p50, color="tab:blue", alpha=0.35, label="p50",
                        gid="band:p50")
        ax.fill_between(centres, p50, p99, color="tab:blue", alpha=0.15, label="p50–p99",
                        gid="band:p99")
        ax.plot(centres, top, color="tab:blue", linewidth=0.6, alpha=0.6, label="max",
                gid="line:max")
    else:  # the detail view, or too few samples for bands: the samples themselves
        ax.plot(xs, lat, marker=".", color="tab:blue", linewidth=1, label="latency",
                gid="line:latency")
    ax.set_ylabel("latency (ms)")
    ax.set_ylim(bottom=0)


def _threads(ax: Any, xs: list[datetime.datetime], rows: list[dict[str, Any]]) -> None:
    # Steps, not interpolated lines: counts change at a sample. Running is drawn over
    # connected in a different colour and style, so equal values still show both.
    ax.step(xs, [r["threads_connected"] for r in rows], where="post", gid="line:connected",
            **CONNECTED_STYLE)
    ax.step(xs, [r["threads_running"] for r in rows], where="post", gid="line:running",
            **RUNNING_STYLE)
    ax.set_ylabel("threads")
    ax.set_ylim(bottom=0)


def events_from_samples(rows: Sequence[dict[str, Any]]) -> list[tuple[datetime.datetime,
                                                                      str, str]]:
    """Errors and retried-interrupt increments, read off the samples themselves."""
    out = []
    prev_retried = 0
    for r in rows:
        when = _time(r)
        if r.get("error"):
            out.append((when, "error", r["error"]))
        retried = r.get("interrupted_retries") or 0
        if retried > prev_retried:
            out.append((when, "retried", f"+{retried - prev_retried}"))
        prev_retried = retried
    return out


def render(rows: Sequence[dict[str, Any]],
           notes: Sequence[tuple[datetime.datetime, str, str]] = (),
           title: str = "unshaken watch") -> Any:
    """The figure for ``rows`` plus ``notes`` (reconnects, signals); the caller saves it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    rows = list(rows)
    xs = [_time(r) for r in rows]
    lat = [r["latency_ms"] for r in rows]
    events = sorted(events_from_samples(rows) + list(notes))
    lo, hi = xs[0], xs[-1]
    if hi == lo:
        hi = lo + datetime.timedelta(seconds=1)
    detail_lo = max(lo, hi - datetime.timedelta(seconds=DETAIL_SECONDS))
    detail = [i for i, x in enumerate(xs) if x >= detail_lo]

    fig = plt.figure(figsize=(12, 8), layout="constrained")
    grid = fig.add_gridspec(3, 2, height_ratios=[3, 2, 0.2], width_ratios=[3, 1])
    ax_lat = fig.add_subplot(grid[0, 0])
    ax_thr = fig.add_subplot(grid[1, 0], sharex=ax_lat)
    ax_dlat = fig.add_subplot(grid[0, 1])
    ax_dthr = fig.add_subplot(grid[1, 1], sharex=ax_dlat)
    for ax in (ax_lat, ax_thr):
        ax.set_gid("overview")
    for ax in (ax_dlat, ax_dthr):
        ax.set_gid("detail")

    _latency(ax_lat, xs, lat, bands=True)
    _threads(ax_thr, xs, rows)
    dxs = [xs[i] for i in detail]
    _latency(ax_dlat, dxs, [lat[i] for i in detail], bands=False)
    _threads(ax_dthr, dxs, [rows[i] for i in detail])
    import matplotlib.dates as mdates

    for ax in (ax_lat, ax_thr):
        _mark_events(ax, events, lo, hi)
        ax.set_xlim(mdates.date2num(lo), mdates.date2num(hi))
        _time_axis(ax)
    for ax in (ax_dlat, ax_dthr):
        _mark_events(ax, events, detail_lo, hi)
        ax.set_xlim(mdates.date2num(detail_lo), mdates.date2num(hi))
        _time_axis(ax)
    ax_lat.tick_params(labelbottom=False)
    ax_dlat.tick_params(labelbottom=False)
    ax_thr.set_xlabel("time")

    ok = [v for v in lat if v is not None]
    span = datetime.timedelta(seconds=round((hi - lo).total_seconds()))  # no microseconds
    ax_lat.set_title(f"whole run: {len(rows)} samples over {span}, "
                     f"p50 {percentile(ok, 50) or 0:.3f} ms, p99 {percentile(ok, 99) or 0:.3f} ms"
                     if ok else f"whole run: {len(rows)} samples, no successful query")
    ax_dlat.set_title(f"last {min(span, datetime.timedelta(seconds=DETAIL_SECONDS))}")
    ax_lat.legend(loc="upper left", fontsize="small")
    ax_thr.legend(loc="upper left", fontsize="small")

    # One legend for the event marks, with a count per kind.
    counts = {kind: sum(1 for e in events if e[1] == kind) for kind in EVENT_STYLES}
    handles = [Line2D([], [], color=c, linestyle=s, label=f"{label} ({counts[k]})")
               for k, (c, s, label) in EVENT_STYLES.items()]
    ax_leg = fig.add_subplot(grid[2, :])
    ax_leg.axis("off")
    ax_leg.set_gid("events")
    ax_leg.legend(handles=handles, loc="center", ncol=len(handles), frameon=False,
                  title="events")
    fig.suptitle(title)
    return fig


def save(rows: Sequence[dict[str, Any]], notes: Sequence[tuple[datetime.datetime, str, str]],
         path: str, title: str = "unshaken watch") -> None:
    import matplotlib.pyplot as plt

    fig = render(rows, notes, title)
    # Write then rename: a reader (an image viewer on a week-long watch) never sees half a file.
    tmp = f"{path}.tmp.png"
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    os.replace(tmp, path)
