"""Bar charts of published figures, as SVG drawn on the server. Unlike the school reports'
bars (safeguarding.records.charts, whose drawing helpers this reuses), each bar is labelled
with its figure as published: a small count is labelled "<5" and drawn with no length,
never with its value; the table beside the chart holds every figure too."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString

from safeguarding.records.charts import (
    BAR_WIDTH,
    COLOURS,
    GRID,
    INK,
    MUTED,
    Series,
    _fit,
    _legend,
    _number,
    _scale,
    _svg,
)
from trusts.figures import Cell

LABEL_CHARS = 24


def figure_bars(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Cell]]],
) -> SafeString:
    """A group of bars per label, one per series, each ending with its published figure."""
    chars = min(LABEL_CHARS, max((len(label) for label in labels), default=1))
    left = max(40, round(chars * 7.2)) + 12
    right = BAR_WIDTH - 60
    if len(series) > 1:
        legend, top = _legend([Series(name, ()) for name, _ in series], left, 8, BAR_WIDTH,
                              lines=False)  # fmt: skip
    else:
        legend, top = "", 8
    bar, gap = 16, 10
    group = bar * len(series) + gap
    shown = [c.value for _, cells in series for c in cells if c.value is not None]
    scale_max, ticks = _scale(max(shown, default=0))
    bottom = top + group * len(labels)

    def x(value: float) -> float:
        return left + (right - left) * value / scale_max

    parts = [legend]
    for tick in ticks:
        parts.append(
            f'<line x1="{x(tick):.1f}" y1="{top}" x2="{x(tick):.1f}" y2="{bottom}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{x(tick):.1f}" y="{bottom + 16}" text-anchor="middle" '
            f'fill="{MUTED}">{_number(tick)}</text>'
        )
    for n, label in enumerate(labels):
        y0 = top + group * n + gap / 2
        parts.append(
            f'<text x="{left - 8}" y="{y0 + bar * len(series) / 2 + 4:.1f}" text-anchor="end" '
            f'fill="{INK}">{escape(_fit(label, chars))}</text>'
        )
        for k, (_, cells) in enumerate(series):
            cell = cells[n]
            y = y0 + bar * k
            end = x(cell.value) if cell.value else left
            if cell.value:
                parts.append(
                    f'<rect x="{left}" y="{y:.1f}" width="{end - left:.1f}" height="{bar - 2}" '
                    f'fill="{COLOURS[k % len(COLOURS)]}"/>'
                )
            parts.append(
                f'<text x="{end + 5:.1f}" y="{y + bar / 2 + 3:.1f}" fill="{INK}">'
                f"{escape(cell.display)}</text>"
            )
    parts.append(
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="{MUTED}" '
        'stroke-width="1"/>'
    )
    return _svg(chart_id, "bars", title, description, BAR_WIDTH, bottom + 28, parts)
