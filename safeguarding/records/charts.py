"""Charts drawn on the server as SVG: horizontal bars (stacked when there are several series)
and lines over months. No script, nothing fetched, no inline style (the pages' CSP forbids
it): colours are presentation attributes. Each is an image with a title and a description;
the table beside it is its accessible equivalent, holding every figure."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Widths in the viewBox's units: a page shows a bar chart beside its table, a line chart
# across the page, each scaled to fit.
BAR_WIDTH, LINE_WIDTH = 480, 640
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, DejaVu Sans, sans-serif"'
INK, MUTED, GRID = "#1d2330", "#56607a", "#d5d9e2"
# Okabe and Ito's palette, which colour-blind readers tell apart; lines differ by dash too.
COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 3", "10 4")
_CHAR = 7.2  # a 13px character's width, roughly, for fitting labels
LABEL_CHARS = 24  # longer labels are cut beside a bar; the table gives them whole


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float, ...]


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
) -> SafeString:
    """A bar per label, longest scale to fit; several series stack in one bar, in order,
    with a legend. Each bar ends with its total."""
    chars = min(LABEL_CHARS, max((len(label) for label in labels), default=1))
    label_width = max(40, round(chars * _CHAR))
    left, right = label_width + 12, BAR_WIDTH - 40
    legend, top = _legend(series, left, 8, BAR_WIDTH, lines=False) if len(series) > 1 else ("", 8)
    row, bar = 28, 20
    totals = [sum(s.values[n] for s in series) for n in range(len(labels))]
    scale_max, ticks = _scale(max(totals, default=0))
    height = top + row * len(labels) + 28
    plot_bottom = top + row * len(labels)

    def x(value: float) -> float:
        return left + (right - left) * value / scale_max

    parts = [legend]
    for tick in ticks:
        parts.append(
            f'<line x1="{x(tick):.1f}" y1="{top}" x2="{x(tick):.1f}" y2="{plot_bottom}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{x(tick):.1f}" y="{plot_bottom + 16}" text-anchor="middle" '
            f'fill="{MUTED}">{_number(tick)}</text>'
        )
    for n, label in enumerate(labels):
        y = top + row * n + (row - bar) / 2
        parts.append(
            f'<text x="{left - 8}" y="{y + bar / 2 + 4:.1f}" text-anchor="end" fill="{INK}">'
            f"{escape(_fit(label, chars))}</text>"
        )
        start = 0.0
        for colour, one in zip(_cycle(COLOURS, len(series)), series, strict=True):
            value = one.values[n]
            if value > 0:
                width = x(start + value) - x(start)
                parts.append(
                    f'<rect x="{x(start):.1f}" y="{y:.1f}" width="{width:.1f}" height="{bar}" '
                    f'fill="{colour}"/>'
                )
            start += value
        parts.append(
            f'<text x="{x(start) + 5:.1f}" y="{y + bar / 2 + 4:.1f}" fill="{INK}">'
            f"{_number(totals[n])}</text>"
        )
    parts.append(
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{plot_bottom}" stroke="{MUTED}" '
        'stroke-width="1"/>'
    )
    return _svg(chart_id, "bars", title, description, BAR_WIDTH, height, parts)


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
) -> SafeString:
    """A line per series across the labels (months), each with its own colour, dash and
    markers, and a legend above. The first series is drawn heaviest."""
    left, right = 48, LINE_WIDTH - 24
    legend, top = _legend(series, left, 8, LINE_WIDTH, lines=True)
    plot_height = 200
    bottom = top + plot_height
    scale_max, ticks = _scale(max((max(s.values, default=0) for s in series), default=0))
    count = len(labels)
    step = (right - left) / max(count - 1, 1)

    def x(n: int) -> float:
        return (left + right) / 2 if count == 1 else left + step * n

    def y(value: float) -> float:
        return bottom - plot_height * value / scale_max

    parts = [legend]
    for tick in ticks:
        parts.append(
            f'<line x1="{left}" y1="{y(tick):.1f}" x2="{right}" y2="{y(tick):.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" fill="{MUTED}">'
            f"{_number(tick)}</text>"
        )
    every = max(1, math.ceil(count * 42 / (right - left)))
    shown_year = None
    for n, label in enumerate(labels):
        if n % every:
            continue
        month, _, year = label.partition(" ")
        parts.append(
            f'<text x="{x(n):.1f}" y="{bottom + 16}" text-anchor="middle" fill="{MUTED}">'
            f"{escape(month)}</text>"
        )
        if year and year != shown_year:
            shown_year = year
            parts.append(
                f'<text x="{x(n):.1f}" y="{bottom + 30}" text-anchor="middle" fill="{MUTED}">'
                f"{escape(year)}</text>"
            )
    for n, one in enumerate(series):
        colour, dash = COLOURS[n % len(COLOURS)], DASHES[n % len(DASHES)]
        width = 3 if n == 0 else 2
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(one.values))
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" '
            f'stroke-width="{width}"{dashed} stroke-linejoin="round"/>'
        )
        if count <= 36:
            parts += [
                f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="{width + 0.5}" fill="{colour}"/>'
                for i, v in enumerate(one.values)
            ]
    parts.append(
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{MUTED}" '
        'stroke-width="1"/>'
    )
    return _svg(chart_id, "lines", title, description, LINE_WIDTH, bottom + 40, parts)


def _svg(
    chart_id: str,
    kind: str,
    title: str,
    description: str,
    width: int,
    height: float,
    parts: list[str],
) -> SafeString:
    ident = escape(chart_id)
    return mark_safe(  # noqa: S308 (every text in it went through escape)
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" role="img" '
        f'viewBox="0 0 {width} {height:.0f}" width="{width}" height="{height:.0f}" '
        f'preserveAspectRatio="xMinYMin meet" focusable="false" '
        f'aria-labelledby="{ident}-title {ident}-desc" {FONT} font-size="13">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(description)}</desc>' + "".join(parts) + "</svg>"
    )


def _legend(
    series: Sequence[Series], left: int, top: int, width: int, *, lines: bool
) -> tuple[str, int]:
    """The legend, wrapped to the chart's width, and where the plot starts below it."""
    parts, x, y = [], left, top
    for n, one in enumerate(series):
        room = 30 + len(one.name) * _CHAR
        if x + room > width - 8 and x > left:
            x, y = left, y + 20
        colour = COLOURS[n % len(COLOURS)]
        if lines:
            dash = DASHES[n % len(DASHES)]
            dashed = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<line x1="{x}" y1="{y + 8}" x2="{x + 20}" y2="{y + 8}" stroke="{colour}" '
                f'stroke-width="{3 if n == 0 else 2}"{dashed}/>'
            )
        else:
            parts.append(f'<rect x="{x + 4}" y="{y + 2}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 24}" y="{y + 12}" fill="{INK}">{escape(one.name)}</text>')
        x += room + 12
    return "".join(parts), y + 30


def _scale(largest: float) -> tuple[float, list[float]]:
    """A round top for the axis at or above `largest`, and up to six ticks to it, whole
    numbers apart (the figures are counts)."""
    if largest <= 0:
        return 1, [0, 1]
    rough = largest / 5
    magnitude = 10 ** math.floor(math.log10(rough))
    steps = (1, 2, 2.5, 5, 10) if magnitude >= 10 else (1, 2, 5, 10)
    step = max(1, next(m * magnitude for m in steps if m * magnitude >= rough))
    top = step * math.ceil(largest / step)
    return top, [step * n for n in range(round(top / step) + 1)]


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _fit(label: str, chars: int) -> str:
    """A label cut to `chars` characters beside the bars; the table gives it whole."""
    return label if len(label) <= chars else label[: chars - 1].rstrip() + "\u2026"


def _cycle(items: Sequence[str], count: int) -> list[str]:
    return [items[n % len(items)] for n in range(count)]
