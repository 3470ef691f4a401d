"""Charts: deterministic, self-contained SVG with text kept (and escaped) as text."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np

from attribution.report import charts


def _svgs(label: str = "search") -> list[str]:
    labels = [label, "tv"]
    return [
        charts.bars_interval(
            labels, [2e5, -1e5], [1.5e5, -1.5e5], [2.5e5, 0.5e5], title="T", xlabel="X (EUR)"
        ),
        charts.interval_dots(
            labels,
            [2.0, 1.0],
            [1.5, 0.5],
            [2.5, 1.5],
            title="T",
            xlabel="X",
            est_label="ROI",
            extra=[1.0, 0.5],
            extra_label="m",
            ref=1.0,
            ref_label="r",
        ),
        charts.dot_matrix(
            labels, {"markov": [0.6, 0.4], "MMM": [0.5, np.nan]}, title="T", xlabel="X"
        ),
        charts.bars_h(
            labels, [1.0, 2.0], second=[2.0, 1.0], names=("a", "b"), title="T", xlabel="X"
        ),
        charts.line_band(
            [1, 2, 3],
            [1, 2, 2.5],
            [0.5, 1.5, 2],
            [1.5, 2.5, 3],
            title="T",
            xlabel="X",
            ylabel="Y",
            line_label=label,
            band_label="b",
            marks=[(2.0, "now")],
        ),
        charts.curve_grid(
            [
                {
                    "name": label,
                    "spend": [0, 1, 2],
                    "response": [0, 1, 1.5],
                    "low": [0, 0.8, 1.2],
                    "high": [0, 1.2, 1.8],
                    "current": 1.0,
                    "recommended": 1.5,
                }
            ],
            title="T",
            xlabel="X",
            ylabel="Y",
            current_label="c",
            recommended_label="r",
            band_label="b",
        ),
        charts.stacked_area(
            [1, 2, 3], {label: [1, 2, 3], "tv": [1, 1, 1]}, title="T", ylabel="Y", xlabel="X"
        ),
    ]


def test_svg_is_clean_and_deterministic() -> None:
    first, second = _svgs(), _svgs()
    assert first == second
    for svg in first:
        assert svg.startswith('<svg width="100%"') and svg.endswith("</svg>")
        assert "http" not in svg and "<!--" not in svg and "<metadata" not in svg
        assert re.findall(r"url\((?!#)", svg) == []  # only internal references
        assert "<text" in svg  # text stays text (searchable PDF)
        ET.fromstring(svg.replace("xlink:href", "href"))  # well-formed XML


def test_chart_ids_differ_between_charts() -> None:
    a = charts.bars_interval(["a"], [1.0], None, None, title="T", xlabel="X", salt="one")
    b = charts.bars_interval(["a"], [1.0], None, None, title="T", xlabel="X", salt="two")
    ids_a = set(re.findall(r'<clipPath id="([^"]+)"', a))
    ids_b = set(re.findall(r'<clipPath id="([^"]+)"', b))
    assert ids_a and not ids_a & ids_b


def test_names_from_data_are_escaped_in_svg_text(evil_name: str) -> None:
    for svg in _svgs(evil_name):
        assert "<script" not in svg
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg


def test_palette_is_okabe_ito() -> None:
    assert {c.upper() for c in charts.OKABE_ITO} == {
        "#E69F00",
        "#56B4E9",
        "#009E73",
        "#F0E442",
        "#0072B2",
        "#D55E00",
        "#CC79A7",
        "#000000",
    }
    assert charts.colour(len(charts.OKABE_ITO)) == charts.OKABE_ITO[0]
