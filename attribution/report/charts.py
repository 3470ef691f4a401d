"""Charts as static SVG strings (matplotlib, no pyplot, no global state).

Each function takes plain arrays and labels and returns an ``<svg>`` element
ready to inline in HTML: text stays text (``svg.fonttype = none``, escaped by
matplotlib, so names from the data cannot inject markup), and the output is
byte-for-byte deterministic (fixed hash salt per chart, no date metadata, no
comments, no namespace URLs). Colours are the Okabe–Ito colour-blind-safe palette.

Example
-------
>>> svg = bars_h(["tv", "search"], [2.0, 1.0], title="t", xlabel="x")
>>> svg.startswith("<svg")
True
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator

# Okabe & Ito (2008): distinguishable with the common colour-vision deficiencies.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#000000", "#F0E442")
GREY = "#7F7F7F"
INK = "#222222"
WIDTH_IN = 6.8

_RC = {
    "svg.fonttype": "none",
    "text.parse_math": False,  # "$" in channel names is text, never maths markup
    "font.family": "DejaVu Sans",
    "font.size": 8.5,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 8.5,
    "axes.edgecolor": "#888888",
    "axes.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": "#444444",
    "ytick.color": "#444444",
    "text.color": INK,
    "axes.labelcolor": INK,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "path.simplify": False,
    "svg.image_inline": True,
}

Tick = Callable[[float], str]


def colour(i: int) -> str:
    """The ``i``-th palette colour (cycles)."""
    return OKABE_ITO[i % len(OKABE_ITO)]


def _clean_svg(raw: str) -> str:
    """Keep only the ``<svg>`` element, without comments, metadata and namespace URLs."""
    s = raw[raw.index("<svg") :]
    s = re.sub(r"<!--.*?-->", "", s, flags=re.S)
    s = re.sub(r"<metadata>.*?</metadata>", "", s, flags=re.S)
    s = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", s)
    s = re.sub(r'\s+version="1\.1"', "", s)
    s = re.sub(r'<g id="[^"]*"', "<g", s)  # group ids repeat across charts; nothing uses them
    s = re.sub(r"\n\s*\n", "\n", s)
    # scale to the container: drop the fixed size, keep the aspect ratio via viewBox
    s = re.sub(r'^<svg width="[^"]*" height="[^"]*"', '<svg width="100%"', s, count=1)
    return s.strip()


def _to_svg(fig: Figure, salt: str) -> str:
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": salt}):
        fig.savefig(
            buf,
            format="svg",
            metadata={"Date": None, "Creator": None},
            bbox_inches="tight",
            pad_inches=0.05,
        )
    return _clean_svg(buf.getvalue())


def _figure(height: float) -> Figure:
    return Figure(figsize=(WIDTH_IN, height), layout="constrained")


class _AxisLabels(Formatter):
    """Labels all ticks of an axis together (``tick.labels(values)``), so they share one
    unit and one number of decimals."""

    def __init__(self, tick) -> None:
        self.tick = tick

    def format_ticks(self, values):
        return self.tick.labels(list(values))

    def __call__(self, x, pos=None):
        locs = list(self.locs) if len(self.locs) else [x]
        labels = self.tick.labels([*locs, x])
        return labels[-1]


def _formatter(tick: Tick | None) -> Formatter | None:
    if tick is None:
        return None
    if hasattr(tick, "labels"):
        return _AxisLabels(tick)
    return FuncFormatter(lambda v, _pos: tick(v))


def _ticks(axis, tick: Tick | None, nbins: int = 5) -> None:
    """Format an axis with ``tick`` and few enough ticks that long labels never collide."""
    if tick:
        axis.set_major_formatter(_formatter(tick))
        axis.set_major_locator(MaxNLocator(nbins=nbins))


def render(draw: Callable[[Figure], None], height: float, salt: str) -> str:
    """Build a figure with the report's style, let ``draw`` fill it, return clean SVG."""
    with matplotlib.rc_context(_RC):
        fig = _figure(height)
        draw(fig)
        return _to_svg(fig, salt)


MAX_HEIGHT_IN = 8.5  # a chart never outgrows an A4 page


def _height_for(n: int, per: float = 0.32, base: float = 1.2) -> float:
    return min(MAX_HEIGHT_IN, max(2.2, base + per * n))


def bars_interval(
    labels: Sequence[str],
    values: Sequence[float],
    lows: Sequence[float] | None,
    highs: Sequence[float] | None,
    *,
    title: str,
    xlabel: str,
    tick: Tick | None = None,
    colours: Sequence[str] | None = None,
    salt: str = "bars-interval",
) -> str:
    """Horizontal bars from zero, each with its own interval drawn at its true values.

    (Not a waterfall: an interval drawn at a cumulative offset would read as a
    different number on the axis.) Negative estimates are drawn left of zero.
    """
    vals = np.asarray(values, dtype=float)
    n = len(vals)

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        y = np.arange(n)[::-1].astype(float)
        cols = list(colours) if colours is not None else [colour(0)] * n
        ax.barh(y, vals, color=cols, height=0.6)
        if lows is not None and highs is not None:
            lo, hi = np.asarray(lows, float), np.asarray(highs, float)
            ok = np.isfinite(lo) & np.isfinite(hi)
            ax.hlines(y[ok], lo[ok], hi[ok], color=INK, linewidth=1.2)
            ax.vlines(
                np.r_[lo[ok], hi[ok]],
                np.r_[y[ok], y[ok]] - 0.12,
                np.r_[y[ok], y[ok]] + 0.12,
                color=INK,
                linewidth=1.2,
            )
        ax.axvline(0, color="#888888", linewidth=0.6)
        ax.set_yticks(y, list(labels))
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        _ticks(ax.xaxis, tick)
        ax.grid(axis="x", color="#E5E5E5", linewidth=0.6)
        ax.set_axisbelow(True)

    return render(draw, _height_for(n, 0.28), salt)


def stacked_area(
    x: Sequence,
    series: dict[str, Sequence[float]],
    *,
    title: str,
    ylabel: str,
    xlabel: str,
    tick: Tick | None = None,
    colours: Sequence[str] | None = None,
    salt: str = "area",
) -> str:
    """Stacked areas over time (``x`` dates or numbers), one layer per series, legend right.

    Stacking needs non-negative layers: negative values are drawn at zero and the
    caller must say so in the chart's title or a note (see ``negative_note``).
    """
    names = list(series)
    ys = np.vstack([np.asarray(series[k], float) for k in names]) if names else np.zeros((0, 0))
    ys = np.clip(ys, 0, None)
    cols = list(colours) if colours is not None else [colour(i) for i in range(len(names))]

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        ax.stackplot(list(x), ys, labels=names, colors=cols, linewidth=0)
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        ax.set_xlabel(xlabel)
        _ticks(ax.yaxis, tick, 6)
        ax.margins(x=0)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), reverse=True)
        for lab in ax.get_xticklabels():
            lab.set_rotation(0)

    return render(draw, 2.7, salt)


def interval_dots(
    labels: Sequence[str],
    est: Sequence[float],
    lo: Sequence[float],
    hi: Sequence[float],
    *,
    title: str,
    xlabel: str,
    est_label: str,
    extra: Sequence[float] | None = None,
    extra_label: str = "",
    ref: float | None = None,
    ref_label: str = "",
    tick: Tick | None = None,
    salt: str = "dots",
) -> str:
    """Point estimates with interval bars per row; optional second marker and reference line."""
    n = len(labels)
    e, a, b = (np.asarray(v, float) for v in (est, lo, hi))

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        y = np.arange(n)[::-1].astype(float)
        ok = np.isfinite(a) & np.isfinite(b)
        ax.hlines(y[ok], a[ok], b[ok], color=colour(0), linewidth=2.2, alpha=0.55)
        ax.plot(e, y, "o", color=colour(0), label=est_label, markersize=5)
        if extra is not None:
            ax.plot(
                np.asarray(extra, float),
                y,
                "D",
                color=colour(1),
                label=extra_label,
                markersize=5,
                markerfacecolor="white",
                markeredgewidth=1.4,
            )
        if ref is not None:
            ax.axvline(ref, color=GREY, linewidth=0.8, linestyle="--", label=ref_label)
        ax.set_yticks(y, list(labels))
        ax.set_ylim(-0.7, n - 0.3)
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        _ticks(ax.xaxis, tick)
        ax.grid(axis="x", color="#E5E5E5", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.legend(loc="lower right", fontsize=7.5)

    return render(draw, _height_for(n, 0.3, 1.3), salt)


def dot_matrix(
    labels: Sequence[str],
    groups: dict[str, Sequence[float]],
    *,
    title: str,
    xlabel: str,
    tick: Tick | None = None,
    emphasis: Sequence[str] = (),
    salt: str = "dots-matrix",
) -> str:
    """One row per label, one marker per group (method): compact comparison across methods.

    Markers differ in colour and shape and are nudged vertically so none hide another;
    groups named in ``emphasis`` (e.g. the final estimate) are drawn larger, outlined in black.
    """
    names = list(groups)
    n, k = len(labels), max(1, len(groups))
    shapes = ("o", "s", "^", "D", "v", "p", "h", "*", "<", ">")
    strong = [c for c in OKABE_ITO if c != "#F0E442"]  # yellow is too faint for small markers

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        y = np.arange(n)[::-1].astype(float)
        for i in range(n):
            if i % 2 == 0:
                ax.axhspan(y[i] - 0.5, y[i] + 0.5, color="#F3F3F3", linewidth=0, zorder=0)
        for j, g in enumerate(names):
            off = (j - (k - 1) / 2) * (0.7 / k)
            big = g in emphasis
            ax.plot(
                np.asarray(groups[g], float),
                y + off,
                linestyle="none",
                marker=shapes[j % len(shapes)],
                color=strong[j % len(strong)],
                markersize=7.5 if big else 5,
                label=g,
                markeredgecolor=INK if big else "white",
                markeredgewidth=0.9 if big else 0.4,
                zorder=4 if big else 3,
            )
        ax.set_yticks(y, list(labels))
        ax.set_ylim(-0.5, n - 0.5)
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        _ticks(ax.xaxis, tick)
        lowest = min(
            (
                float(np.nanmin(np.asarray(v, float)))
                for v in groups.values()
                if np.isfinite(np.asarray(v, float)).any()
            ),
            default=0.0,
        )
        ax.set_xlim(left=min(0.0, lowest * 1.05))  # negative credit is shown, never cut off
        if lowest < 0:
            ax.axvline(0, color="#888888", linewidth=0.8)
        ax.grid(axis="x", color="#DDDDDD", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))

    return render(draw, _height_for(n, 0.27, 1.2), salt)


def bars_h(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    xlabel: str,
    second: Sequence[float] | None = None,
    names: tuple[str, str] = ("", ""),
    tick: Tick | None = None,
    salt: str = "bars",
) -> str:
    """Horizontal bars; with ``second``, paired bars (e.g. current vs recommended spend)."""
    n = len(labels)

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        y = np.arange(n)[::-1].astype(float)
        if second is None:
            ax.barh(y, np.asarray(values, float), color=colour(0), height=0.6)
        else:
            ax.barh(y + 0.2, np.asarray(values, float), height=0.38, color=GREY, label=names[0])
            ax.barh(
                y - 0.2, np.asarray(second, float), height=0.38, color=colour(0), label=names[1]
            )
            ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.set_yticks(y, list(labels))
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        _ticks(ax.xaxis, tick)
        ax.grid(axis="x", color="#E5E5E5", linewidth=0.6)
        ax.set_axisbelow(True)

    return render(draw, _height_for(n, 0.26, 0.9), salt)


def line_band(
    x: Sequence[float],
    y: Sequence[float],
    lo: Sequence[float] | None,
    hi: Sequence[float] | None,
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    line_label: str,
    band_label: str,
    marks: Sequence[tuple[float, str]] = (),
    xtick: Tick | None = None,
    ytick: Tick | None = None,
    salt: str = "line",
) -> str:
    """A line with its interval band and labelled vertical markers (e.g. current budget)."""
    xs, ys = np.asarray(x, float), np.asarray(y, float)

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        if lo is not None and hi is not None:
            ax.fill_between(
                xs,
                np.asarray(lo, float),
                np.asarray(hi, float),
                color=colour(4),
                alpha=0.35,
                linewidth=0,
                label=band_label,
            )
        ax.plot(xs, ys, color=colour(0), linewidth=1.8, label=line_label)
        for i, (pos, lab) in enumerate(marks):
            ax.axvline(pos, color=colour(1 + 2 * i), linestyle="--", linewidth=1.0, label=lab)
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        _ticks(ax.xaxis, xtick)
        _ticks(ax.yaxis, ytick, 6)
        ax.grid(color="#E5E5E5", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.legend(loc="lower right")

    return render(draw, 2.7, salt)


def curve_grid(
    panels: Sequence[dict],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    current_label: str,
    recommended_label: str,
    band_label: str,
    tick: Tick | None = None,
    salt: str = "curves",
) -> str:
    """Small multiples of response curves.

    Each panel is a dict with ``name``, ``spend``, ``response`` and optional
    ``low``/``high`` arrays, ``current`` and ``recommended`` spend levels, and its own
    ``xlabel``/``xtick`` where its x axis is not money (an activity channel's unit).
    """
    n = len(panels)
    # at most three rows (up to twelve channels): the chart stays under two thirds of a page
    cols = 4 if n > 9 else 3 if n > 4 else max(1, min(n, 2))
    rows = int(np.ceil(n / cols)) if n else 1

    def draw(fig: Figure) -> None:
        fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize=10)
        axes = fig.subplots(rows, cols, squeeze=False)
        for i, ax in enumerate(axes.flat):
            if i >= n:
                ax.set_axis_off()
                continue
            p = panels[i]
            if p.get("xlabel"):  # an activity unit: a long label wraps under a narrow panel
                ax.set_xlabel(str(p["xlabel"]).replace(" (", "\n("), fontsize=7)
            elif i >= n - cols:
                ax.set_xlabel(xlabel, fontsize=7.5)
            xs, ys = np.asarray(p["spend"], float), np.asarray(p["response"], float)
            if p.get("low") is not None and p.get("high") is not None:
                ax.fill_between(
                    xs,
                    np.asarray(p["low"], float),
                    np.asarray(p["high"], float),
                    color=colour(4),
                    alpha=0.35,
                    linewidth=0,
                    label=band_label if i == 0 else None,
                )
            ax.plot(xs, ys, color=colour(0), linewidth=1.5)
            for key, col, mk, lab in (
                ("current", GREY, "o", current_label),
                ("recommended", colour(3), "D", recommended_label),
            ):
                v = p.get(key)
                if v is not None and np.isfinite(v) and len(xs):
                    ax.plot(
                        [v],
                        [np.interp(v, xs, ys)],
                        mk,
                        color=col,
                        markersize=5,
                        label=lab if i == 0 else None,
                    )
            ax.set_title(p["name"], fontsize=8.5, fontweight="normal")
            _ticks(ax.xaxis, p.get("xtick", tick), 3)
            _ticks(ax.yaxis, tick, 4)
            ax.tick_params(labelsize=7)
            ax.grid(color="#EEEEEE", linewidth=0.5)
        if n:
            fig.legend(loc="outside lower center", ncols=3, fontsize=7.5)
            fig.supylabel(ylabel, fontsize=8)  # once: longer than one small panel is high

    return render(draw, 0.9 + 1.65 * rows, salt)
