"""The contact-pressure chart: response by contact frequency, one panel per channel.

Kept apart from :mod:`attribution.report.charts` (same style and SVG cleaning, imported
from there) so each chart module stays small.

Example
-------
>>> svg = pressure_chart([{"channel": "email", "frequency": [0, 1, 2], "effect": [0, .02, .01],
...     "low": [0, .01, 0], "high": [0, .03, .02], "raw": [0, .03, .05], "peak": 1,
...     "labels": ["0", "1", "2+"]}], title="t", xlabel="x", ylabel="y", est_label="e",
...     raw_label="r", peak_label="p")
>>> svg.startswith("<svg")
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from attribution.report.charts import GREY, Tick, _ticks, colour, render


def pressure_chart(
    panels: Sequence[dict],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    est_label: str,
    raw_label: str,
    peak_label: str,
    ytick: Tick | None = None,
    salt: str = "pressure",
) -> str:
    """Small multiples: the estimated change in conversion rate by frequency (line and
    interval band), the raw cross-tab difference (dashed, for comparison) and the
    saturation frequency (vertical marker)."""
    n = max(len(panels), 1)
    cols = min(n, 4)  # two rows for up to eight channels: the chart fits under its text
    rows = int(np.ceil(n / cols))

    def draw(fig: Figure) -> None:
        axes = fig.subplots(rows, cols, squeeze=False, sharey=True)
        for i, p in enumerate(panels):
            ax = axes[i // cols][i % cols]
            x = np.asarray(p["frequency"], float)
            ax.fill_between(
                x,
                np.asarray(p["low"], float),
                np.asarray(p["high"], float),
                color=colour(4),
                alpha=0.35,
                linewidth=0,
            )
            ax.plot(
                x,
                np.asarray(p["effect"], float),
                color=colour(0),
                linewidth=1.8,
                marker="o",
                markersize=3,
                label=est_label,
            )
            ax.plot(
                x,
                np.asarray(p["raw"], float),
                color=GREY,
                linewidth=1.0,
                linestyle="--",
                label=raw_label,
            )
            if p.get("peak") is not None:
                ax.axvline(
                    float(p["peak"]),
                    color=colour(3),
                    linewidth=1.0,
                    linestyle=":",
                    label=peak_label,
                )
            ax.axhline(0.0, color="#999999", linewidth=0.6)
            ax.set_xticks(x)
            ax.set_xticklabels(list(p["labels"]))
            ax.set_title(str(p["channel"]), fontsize=9)
            ax.grid(color="#E5E5E5", linewidth=0.6)
            ax.set_axisbelow(True)
            _ticks(ax.yaxis, ytick, 5)
        for j in range(len(panels), rows * cols):
            axes[j // cols][j % cols].set_visible(False)
        fig.suptitle(title, x=0.0, ha="left", fontweight="bold", fontsize=10)
        fig.supxlabel(xlabel, fontsize=8.5)  # once for the grid: narrow panels, long labels
        fig.supylabel(ylabel, fontsize=8.5)
        if panels:
            axes[0][0].legend(loc="best", fontsize=7)

    return render(draw, 1.3 + 1.6 * rows, salt)
