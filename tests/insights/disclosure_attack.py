"""An attacker for the disclosure tests: publish every view a trust lead could ask for over a
small cube of counts, then try to work out each hidden figure exactly.

A view is ``publish()`` over the counts of any set of schools for any run of consecutive months,
with rows by school or by month. The attacker knows every published number and total of every
view, that each count is a whole number of at least 0, and that a "<t" figure lies between 1
and t-1. A hidden figure is recovered when integer programming (HiGHS, through scipy) finds its
smallest and largest possible values equal.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from insights.disclosure import Count, Figure, Table, publish

Atom = tuple[str, datetime.date, str]  # (school, month, category)
Cube = dict[Atom, int]
Publisher = Callable[..., Table]

# Far above any value in the test cubes: it only keeps the integer programs bounded.
CEILING = 1000


@dataclass(frozen=True)
class Published:
    """One published figure and the base counts it adds up."""

    box: frozenset[Atom]
    figure: Figure
    view: str


def cube_axes(cube: Cube) -> tuple[list[str], list[datetime.date], list[str]]:
    schools = sorted({school for school, _, _ in cube})
    months = sorted({month for _, month, _ in cube})
    categories = sorted({category for _, _, category in cube})
    return schools, months, categories


def every_view(
    cube: Cube, threshold: int, publisher: Publisher = publish
) -> Iterator[tuple[str, Table, dict]]:
    """Every view over every non-empty set of schools and run of months, rows by school and by
    month; with each table the boxes of its figures."""
    schools, months, categories = cube_axes(cube)
    for size in range(1, len(schools) + 1):
        for chosen in combinations(schools, size):
            for first in range(len(months)):
                for last in range(first, len(months)):
                    run = months[first : last + 1]
                    for by in ("school", "month"):
                        rows = list(chosen) if by == "school" else run
                        counts = [
                            Count(
                                row=school if by == "school" else month,
                                column=category,
                                school=school,
                                month=month,
                                value=cube[(school, month, category)],
                            )
                            for school in chosen
                            for month in run
                            for category in categories
                        ]
                        table = publisher(
                            counts, rows=rows, columns=categories, threshold=threshold
                        )
                        name = f"{by} view of {','.join(chosen)} {run[0]:%b}-{run[-1]:%b}"
                        yield name, table, _boxes(counts, rows, categories)


def _boxes(counts: list[Count], rows: list, columns: list) -> dict:
    cells: dict = {(row, column): set() for row in rows for column in columns}
    for count in counts:
        cells[(count.row, count.column)].add((count.school, count.month, count.column))
    boxes: dict = {("cell", key): frozenset(atoms) for key, atoms in cells.items()}
    for row in rows:
        boxes[("row", row)] = frozenset().union(*(cells[(row, c)] for c in columns))
    for column in columns:
        boxes[("column", column)] = frozenset().union(*(cells[(r, column)] for r in rows))
    boxes[("total",)] = frozenset().union(*cells.values())
    return boxes


def figures_of(table: Table) -> dict:
    found: dict = {("cell", key): figure for key, figure in table.cells.items()}
    found.update({("row", row): figure for row, figure in table.row_totals.items()})
    found.update({("column", c): figure for c, figure in table.column_totals.items()})
    found[("total",)] = table.total
    return found


def publish_everything(cube: Cube, threshold: int, publisher: Publisher = publish) -> list:
    published = []
    for name, table, boxes in every_view(cube, threshold, publisher):
        for key, figure in figures_of(table).items():
            published.append(Published(box=boxes[key], figure=figure, view=name))
    return published


def recovered(cube: Cube, threshold: int, publisher: Publisher = publish) -> list[Published]:
    """The hidden figures (small or withheld) whose exact value the attacker can deduce."""
    published = publish_everything(cube, threshold, publisher)
    atoms = sorted(cube)
    index = {atom: i for i, atom in enumerate(atoms)}

    def row_of(box: frozenset[Atom]) -> np.ndarray:
        vector = np.zeros(len(atoms))
        for atom in box:
            vector[index[atom]] = 1
        return vector

    known: dict[tuple[frozenset, str, int | None], Published] = {}
    for item in published:
        known.setdefault((item.box, item.figure.state, item.figure.value), item)
    rows, lower, upper = [], [], []
    for box, state, value in known:
        if state == "shown":
            rows.append(row_of(box))
            lower.append(value)
            upper.append(value)
        elif state == "small":
            rows.append(row_of(box))
            lower.append(1)
            upper.append(threshold - 1)
    constraints = [LinearConstraint(np.array(rows), lower, upper)] if rows else []
    bounds = Bounds(np.zeros(len(atoms)), np.full(len(atoms), CEILING))
    integrality = np.ones(len(atoms))

    def extreme(objective: np.ndarray) -> float:
        result = milp(objective, constraints=constraints, bounds=bounds, integrality=integrality)
        assert result.success, result.message  # the truth itself is always feasible
        return result.fun

    leaks = []
    seen: set[frozenset] = set()
    for item in published:
        if item.figure.is_shown or item.box in seen:
            continue
        seen.add(item.box)
        # The truth is always possible, so the figure is pinned exactly when neither its
        # largest nor its smallest possible value differs from the true one.
        objective, value = row_of(item.box), true_value(cube, item.box)
        if round(-extreme(-objective)) == value and round(extreme(objective)) == value:
            leaks.append(item)
    return leaks


def true_value(cube: Cube, box: frozenset[Atom]) -> int:
    return sum(cube[atom] for atom in box)
