"""Disclosure control: the one place that decides which trust figures may be published.

Every number a trust lead sees (dashboard, chart, CSV, API) is a sum of base counts: how many
incidents one school recorded in one month in one category (or one measure, such as open
actions). ``publish()`` turns such counts into a table of figures, and it is the only way a
figure leaves the trust layer.

What we protect. A base count from 1 to threshold-1 ("small": 1 to 4 with the default of 5)
can point at a child. It must never be known, neither printed nor worked out by arithmetic from
other figures: totals, the same table for a different set of schools (all schools against one
phase, or a school leaving the trust), or a period one month longer or shorter.

Why cell-by-cell suppression is not enough. The usual method hides small cells, then hides a
few more ("secondary suppression") so that a row total minus the visible cells does not give
the small one away. That works inside one table, but a trust lead can ask for many tables: a
total over three schools minus the same total over two schools is the third school's count; a
quarter minus its first and last months is the middle month. The extra cells hidden in one
table are shown in another, so the arithmetic gets through. No table can know which other
tables will be asked for.

The rule. A figure is published as a number only when none of the base counts it adds up is
small; a total follows exactly the same rule as a cell. A figure that is one small count (with
only zeros beside it) is shown as "<5". Any other figure that contains a small count is
withheld and shown as "*". That is all, and it is why the rule holds across tables: whether a
figure is published depends only on the counts inside it, so the same figure gets the same
answer in every table it appears in.

The guarantee, in one sentence: if any count from 1 to threshold-1 were replaced by any other
number from 1 to threshold-1, every table we could ever publish (any schools, any months, any
rows and columns) would look exactly the same. So nothing we publish, in any combination, can
tell a small count apart from the other small values it might have had, and every "<5" or "*"
figure has at least threshold-1 possible values. Put plainly: a published number never has a
small count inside it, so no sum or difference of published numbers can involve one.

Why zeros are shown. A zero says that nothing happened, which names no child; and because the
rule looks only at which counts are small, never at their value, showing zeros beside a small
count does not narrow it down. Why several small counts together give "*", not "<5": four
counts each shown as "<5" whose sum is also "<5" must each be 1.

What it costs. Where counts are in the tens per school, month and category, almost every cell
and most totals are shown. Where a category is rare, totals that include a small count are
withheld: we prefer withholding a little too much to leaking.

What it relies on. Every published number comes from ``publish()`` over the same monthly
facts. A figure computed another way (say, per week, or straight from the fact tables) is
outside the guarantee and could give a small count away.

Rates and medians follow: a rate per 100 pupils is computed only from a published count, and a
median time is published only when at least ``threshold`` incidents lie behind it.
"""

from __future__ import annotations

import datetime
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

MINIMUM_THRESHOLD = 3
DEFAULT_THRESHOLD = 5

SHOWN = "shown"
SMALL = "small"  # a single count from 1 to threshold-1: primary suppression
WITHHELD = "withheld"  # a figure containing a small count: secondary suppression
STATES = (SHOWN, SMALL, WITHHELD)


def validate_threshold(threshold: int) -> int:
    """The threshold itself, or ValueError when it is below the minimum a trust may choose."""
    if isinstance(threshold, bool) or not isinstance(threshold, int):
        raise ValueError(f"The threshold must be a whole number of at least {MINIMUM_THRESHOLD}.")
    if threshold < MINIMUM_THRESHOLD:
        raise ValueError(
            f"The threshold must be at least {MINIMUM_THRESHOLD}; {threshold} would let "
            "small counts be worked out."
        )
    return threshold


@dataclass(frozen=True)
class Count:
    """One base count: what a published table is made of."""

    row: Hashable
    column: Hashable
    school: Hashable
    month: datetime.date
    value: int


@dataclass(frozen=True)
class Figure:
    """One published figure. ``value`` is None unless the figure is shown: the true value of a
    small or withheld figure never leaves ``publish()``, so no template can print it."""

    value: int | None
    state: str
    threshold: int = DEFAULT_THRESHOLD

    def __post_init__(self) -> None:
        if self.state not in STATES:
            raise ValueError(f"Unknown figure state {self.state!r}.")
        if (self.value is not None) != (self.state == SHOWN):
            raise ValueError("Only a shown figure carries a value.")

    @property
    def is_shown(self) -> bool:
        return self.state == SHOWN

    @property
    def is_small(self) -> bool:
        return self.state == SMALL

    @property
    def is_withheld(self) -> bool:
        return self.state == WITHHELD

    def display(self) -> str:
        """ "12", "<5" for a small count, "*" for a withheld figure."""
        if self.state == SHOWN:
            return str(self.value)
        if self.state == SMALL:
            return f"<{self.threshold}"
        return "*"

    def __str__(self) -> str:
        return self.display()


@dataclass(frozen=True)
class Table:
    """A published table: every (row, column) pair has a cell, and every line a total."""

    rows: list
    columns: list
    threshold: int
    cells: dict[tuple, Figure]
    row_totals: dict[Hashable, Figure]
    column_totals: dict[Hashable, Figure]
    total: Figure

    def cell(self, row: Hashable, column: Hashable) -> Figure:
        return self.cells[(row, column)]


class _Tally:
    """What the rule needs to know about a sum of base counts: its value, how many of them are
    small, and whether any is at or above the threshold."""

    __slots__ = ("large", "smalls", "value")

    def __init__(self) -> None:
        self.value = 0
        self.smalls = 0
        self.large = False

    def add_count(self, value: int, threshold: int) -> None:
        self.value += value
        if 0 < value < threshold:
            self.smalls += 1
        elif value >= threshold:
            self.large = True

    def add_tally(self, other: _Tally) -> None:
        self.value += other.value
        self.smalls += other.smalls
        self.large = self.large or other.large

    def figure(self, threshold: int) -> Figure:
        if self.smalls == 0:
            return Figure(value=self.value, state=SHOWN, threshold=threshold)
        if self.smalls == 1 and not self.large:
            return Figure(value=None, state=SMALL, threshold=threshold)
        return Figure(value=None, state=WITHHELD, threshold=threshold)


def _unique(items: Sequence, name: str) -> list:
    items = list(items)
    if len(set(items)) != len(items):
        raise ValueError(f"The {name} of a table must be distinct.")
    return items


def publish(counts: Iterable[Count], *, rows: Sequence, columns: Sequence, threshold: int) -> Table:
    """The table of ``rows`` x ``columns`` with its totals, each figure shown, "<threshold" or
    withheld by the rule in this module's docstring.

    A cell adds up the counts with that row and column; counts outside the given rows and
    columns are not part of the table. The counts of one school, month and column are added
    up into one base count before the rule looks at them, so the answer does not depend on how
    the caller happened to split its facts. ValueError for a threshold below the minimum, a
    negative count, or one school, month and column placed in two rows.
    """
    validate_threshold(threshold)
    rows = _unique(rows, "rows")
    columns = _unique(columns, "columns")
    wanted_rows, wanted_columns = set(rows), set(columns)

    base: dict[tuple, list] = {}  # (school, month, column) -> [row, value]
    for count in counts:
        if isinstance(count.value, bool) or not isinstance(count.value, int) or count.value < 0:
            raise ValueError(f"A count must be a whole number of at least 0, not {count.value!r}.")
        if count.row not in wanted_rows or count.column not in wanted_columns:
            continue
        key = (count.school, count.month, count.column)
        entry = base.get(key)
        if entry is None:
            base[key] = [count.row, count.value]
        elif entry[0] != count.row:
            raise ValueError(
                "The counts of one school, month and column must all belong to one row."
            )
        else:
            entry[1] += count.value

    cell_tallies = {(row, column): _Tally() for row in rows for column in columns}
    for (_school, _month, column), (row, value) in base.items():
        cell_tallies[(row, column)].add_count(value, threshold)

    row_tallies = {row: _Tally() for row in rows}
    column_tallies = {column: _Tally() for column in columns}
    grand = _Tally()
    for (row, column), tally in cell_tallies.items():
        row_tallies[row].add_tally(tally)
        column_tallies[column].add_tally(tally)
        grand.add_tally(tally)

    return Table(
        rows=rows,
        columns=columns,
        threshold=threshold,
        cells={key: tally.figure(threshold) for key, tally in cell_tallies.items()},
        row_totals={row: tally.figure(threshold) for row, tally in row_tallies.items()},
        column_totals={column: tally.figure(threshold) for column, tally in column_tallies.items()},
        total=grand.figure(threshold),
    )


def rate_per_100(count: Figure, roll: int | None) -> str | None:
    """The count per 100 pupils to one decimal place ("3.5"), or None unless the count is shown
    and the roll is known and above zero: a rate must never stand in for a hidden count."""
    if not count.is_shown or roll is None or roll <= 0:
        return None
    rate = Decimal(count.value) * 100 / Decimal(roll)
    return str(rate.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def publishable_median(days: int | None, incidents: int, threshold: int) -> int | None:
    """The median number of days, or None when it rests on fewer than ``threshold`` incidents
    (a median of two incidents is nearly the two incidents themselves)."""
    validate_threshold(threshold)
    if days is None or incidents < threshold:
        return None
    return days
