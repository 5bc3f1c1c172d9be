"""The reports' charts: well-formed SVG images with a title and a description, text escaped,
nothing inline that the pages' CSP would block, bars and lines where the figures say."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from safeguarding.records.charts import Series, _scale, bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup) -> ET.Element:
    """The chart as XML: it must be well-formed to be an image at all."""
    return ET.fromstring(str(markup))  # noqa: S314 (made by the code under test)


def _bars(labels, *series: Series) -> ET.Element:
    markup = bar_chart(
        chart_id="chart-test", title="Incidents by year group", description="Year 9 has most.",
        labels=labels, series=series,
    )  # fmt: skip
    return _parse(str(markup))


def _texts(svg: ET.Element) -> list[str]:
    return [text.text for text in svg.iter(f"{SVG}text")]


def test_a_chart_is_an_image_named_by_its_title_and_description():
    svg = _bars(["Year 9"], Series("Incidents", (4,)))
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "chart-test-title chart-test-desc"
    assert svg.find(f"{SVG}title").get("id") == "chart-test-title"
    assert svg.find(f"{SVG}title").text == "Incidents by year group"
    assert svg.find(f"{SVG}desc").text == "Year 9 has most."
    assert svg.get("viewBox").startswith("0 0 480 ")
    assert svg.get("focusable") == "false"


def test_a_bar_per_row_as_long_as_its_figure_with_the_figure_at_its_end():
    svg = _bars(["Year 9", "Year 10", "Year 11"], Series("Incidents", (4, 2, 0)))
    widths = [float(rect.get("width")) for rect in svg.iter(f"{SVG}rect")]
    assert len(widths) == 2  # a zero draws no bar
    assert widths[0] == pytest.approx(2 * widths[1])
    texts = _texts(svg)
    assert {"Year 9", "Year 10", "Year 11"} <= set(texts)
    assert texts.count("4") >= 1 and "0" in texts


def test_series_stack_in_one_bar_with_a_legend():
    svg = _bars(["Tess Marlow"], Series("Overdue", (1,)), Series("Open, not overdue", (3,)))
    rects = list(svg.iter(f"{SVG}rect"))
    legend, bars = rects[:2], rects[2:]
    assert len(legend) == 2 and len(bars) == 2
    assert {"Overdue", "Open, not overdue"} <= set(_texts(svg))
    assert bars[0].get("fill") != bars[1].get("fill")
    first_end = float(bars[0].get("x")) + float(bars[0].get("width"))
    assert float(bars[1].get("x")) == pytest.approx(first_end, abs=0.1)
    assert "4" in _texts(svg)  # the total at the bar's end


def test_text_is_escaped_and_long_labels_are_cut():
    markup = str(
        bar_chart(
            chart_id="x",
            title="<b>Title</b>",
            description='"quoted" & <i>',
            labels=["<script>alert(1)</script> and a very long category name indeed"],
            series=[Series("Incidents", (1,))],
        )
    )
    assert "<script" not in markup and "<b>" not in markup and "<i>" not in markup
    assert "&lt;script&gt;" in markup and "&amp;" in markup
    svg = _parse(markup)
    label = next(t for t in _texts(svg) if t.startswith("<script>"))
    assert label.endswith("\u2026") and len(label) == 24


def test_nothing_a_content_security_policy_blocks():
    for markup in (
        bar_chart(chart_id="a", title="t", description="d", labels=["a"],
                  series=[Series("s", (1,))]),
        line_chart(chart_id="b", title="t", description="d", labels=["Jan 2026"],
                   series=[Series("s", (1,))]),
    ):  # fmt: skip
        markup = str(markup)
        for blocked in ("style=", "<style", "<script", "href=", "url(", "on"):
            if blocked == "on":
                assert " onload=" not in markup and " onclick=" not in markup
            else:
                assert blocked not in markup, blocked


def test_an_empty_chart_still_draws_its_axis():
    svg = _bars(["Year 9"], Series("Incidents", (0,)))
    assert not list(svg.iter(f"{SVG}rect"))
    assert "0" in _texts(svg)


def _lines(labels, *series: Series) -> ET.Element:
    return _parse(
        str(line_chart(chart_id="m", title="Months", description="d", labels=labels,
                       series=series))
    )  # fmt: skip


def test_a_line_per_series_with_a_point_per_month():
    months = ["Nov 2025", "Dec 2025", "Jan 2026", "Feb 2026"]
    svg = _lines(months, Series("All incidents", (1, 5, 2, 0)), Series("Bullying", (0, 2, 1, 0)))
    lines = list(svg.iter(f"{SVG}polyline"))
    assert len(lines) == 2
    assert [len(line.get("points").split()) for line in lines] == [4, 4]
    assert lines[0].get("stroke") != lines[1].get("stroke")
    assert lines[0].get("stroke-dasharray") != lines[1].get("stroke-dasharray")
    assert len(list(svg.iter(f"{SVG}circle"))) == 8
    texts = _texts(svg)
    assert [t for t in texts if t in ("Nov", "Dec", "Jan", "Feb")] == ["Nov", "Dec", "Jan", "Feb"]
    assert texts.count("2025") == 1 and texts.count("2026") == 1  # each year said once
    # The highest point is at the top of the scale's round number.
    points = [tuple(map(float, p.split(","))) for p in lines[0].get("points").split()]
    assert min(y for _, y in points) == points[1][1]


def test_a_long_period_labels_fewer_months():
    months = [f"{m} {y}" for y in range(2017, 2027) for m in ("Jan", "Feb", "Mar", "Apr", "May",
              "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")]  # fmt: skip
    svg = _lines(months, Series("All incidents", tuple(range(120))))
    shown = [t for t in _texts(svg) if t in ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
                                              "Aug", "Sep", "Oct", "Nov", "Dec")]  # fmt: skip
    assert 10 <= len(shown) < 40
    assert not list(svg.iter(f"{SVG}circle"))  # too many months for markers


def test_a_single_month_sits_in_the_middle():
    svg = _lines(["Mar 2026"], Series("All incidents", (3,)))
    [line] = list(svg.iter(f"{SVG}polyline"))
    x, _ = line.get("points").split(",")
    assert float(x) == pytest.approx((48 + 640 - 24) / 2)


@pytest.mark.parametrize(
    ("largest", "top", "ticks"),
    [(0, 1, [0, 1]), (1, 1, [0, 1]), (3, 3, [0, 1, 2, 3]), (7, 8, [0, 2, 4, 6, 8]),
     (95, 100, [0, 20, 40, 60, 80, 100]), (1234, 1250, [0, 250, 500, 750, 1000, 1250])],
)  # fmt: skip
def test_the_scale_ends_on_a_round_number(largest, top, ticks):
    assert _scale(largest) == (top, ticks)
