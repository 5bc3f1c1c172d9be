"""Reads of the facts for the trust pages: helpers over fact rows, never a school's schema."""

from __future__ import annotations

from collections.abc import Sequence


def median_days(histogram: Sequence[int]) -> int | None:
    """The median whole days of a (merged) first-DSL-action histogram, where index i counts
    incidents answered after i days (the last index: that many days or more). The lower
    median for an even count, so the answer is always a day some incident took. None when
    the histogram counts nothing."""
    total = sum(histogram)
    if total == 0:
        return None
    middle = (total + 1) // 2  # the lower middle incident, counting from 1
    seen = 0
    for days, count in enumerate(histogram):
        seen += count
        if seen >= middle:
            return days
    raise AssertionError("unreachable: the counts add up to total")  # pragma: no cover
