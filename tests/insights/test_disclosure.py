"""Disclosure control: small counts are shown as "<5" and can never be worked out."""

from __future__ import annotations

import datetime
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insights.disclosure import (
    DEFAULT_THRESHOLD,
    MINIMUM_THRESHOLD,
    Count,
    Figure,
    Table,
    publish,
    publishable_median,
    rate_per_100,
)
from tests.insights.disclosure_attack import (
    Cube,
    every_view,
    figures_of,
    publish_everything,
    recovered,
    true_value,
)

JAN, FEB, MAR = (datetime.date(2025, month, 1) for month in (1, 2, 3))


def by_school(values: dict[tuple[str, str], int], *, month=JAN, threshold=DEFAULT_THRESHOLD):
    """A one-month table with rows by school from {(school, category): count}."""
    counts = [
        Count(row=school, column=category, school=school, month=month, value=value)
        for (school, category), value in values.items()
    ]
    rows = sorted({school for school, _ in values})
    columns = sorted({category for _, category in values})
    return publish(counts, rows=rows, columns=columns, threshold=threshold)


def one_school_by_month(values: list[int], *, threshold=DEFAULT_THRESHOLD) -> Table:
    """One school's bullying count over consecutive months, as a one-cell table."""
    months = [datetime.date(2025, index + 1, 1) for index in range(len(values))]
    counts = [
        Count(row="Abbey", column="bullying", school="Abbey", month=month, value=value)
        for month, value in zip(months, values, strict=True)
    ]
    return publish(counts, rows=["Abbey"], columns=["bullying"], threshold=threshold)


# The rules, one at a time


def test_a_count_of_three_shows_as_less_than_five():
    table = by_school({("Abbey", "bullying"): 3, ("Abbey", "online"): 12})

    cell = table.cell("Abbey", "bullying")
    assert cell.display() == "<5"
    assert cell.is_small
    assert cell.value is None


def test_a_count_at_the_threshold_and_a_zero_are_shown_as_numbers():
    table = by_school({("Abbey", "bullying"): 5, ("Abbey", "online"): 0})

    assert table.cell("Abbey", "bullying").display() == "5"
    assert table.cell("Abbey", "online").display() == "0"
    assert table.total.display() == "5"


def test_a_line_with_one_small_cell_also_withholds_its_total():
    table = by_school(
        {
            ("Abbey", "bullying"): 3,
            ("Abbey", "online"): 12,
            ("Abbey", "neglect"): 20,
            ("Brook", "bullying"): 9,
            ("Brook", "online"): 8,
            ("Brook", "neglect"): 7,
        }
    )

    assert table.row_totals["Abbey"].display() == "*"
    assert table.column_totals["bullying"].display() == "*"
    assert table.total.display() == "*"
    # The other cells of the line stay: without its total the line cannot be subtracted out.
    assert table.cell("Abbey", "online").display() == "12"
    assert table.cell("Abbey", "neglect").display() == "20"
    assert table.row_totals["Brook"].display() == "24"
    assert table.column_totals["online"].display() == "20"


def test_a_total_that_would_reveal_a_small_cell_is_withheld_in_every_view():
    both = by_school({("Abbey", "bullying"): 2, ("Brook", "bullying"): 10})
    brook_alone = by_school({("Brook", "bullying"): 10})

    # Brook alone is a harmless 10, so the two-school total must not be 12.
    assert brook_alone.total.display() == "10"
    assert both.column_totals["bullying"].display() == "*"
    assert both.total.display() == "*"


def test_a_small_middle_month_cannot_be_taken_from_a_quarter_and_its_outer_months():
    quarter = one_school_by_month([10, 2, 10])
    january = one_school_by_month([10])

    assert january.total.display() == "10"
    assert quarter.total.display() == "*"


def test_a_figure_of_one_small_count_among_zeros_shows_as_small():
    table = one_school_by_month([0, 3, 0])

    assert table.total.display() == "<5"


def test_several_small_counts_adding_up_below_the_threshold_are_withheld_not_shown_as_small():
    # Four counts each "<5" with a sum "<5" would all have to be 1.
    table = one_school_by_month([1, 1, 1, 1])

    assert table.total.display() == "*"
    assert table.total.is_withheld


def test_a_total_of_large_counts_is_shown_as_its_true_sum():
    table = one_school_by_month([10, 0, 25])

    assert table.total.value == 35


def test_counts_of_one_school_month_and_column_are_added_before_the_rule():
    counts = [
        Count(row="Abbey", column="bullying", school="Abbey", month=JAN, value=2),
        Count(row="Abbey", column="bullying", school="Abbey", month=JAN, value=3),
    ]

    table = publish(counts, rows=["Abbey"], columns=["bullying"], threshold=5)

    assert table.total.display() == "5"


def test_counts_outside_the_rows_and_columns_are_left_out():
    counts = [
        Count(row="Abbey", column="bullying", school="Abbey", month=JAN, value=7),
        Count(row="Brook", column="bullying", school="Brook", month=JAN, value=2),
        Count(row="Abbey", column="online", school="Abbey", month=JAN, value=1),
    ]

    table = publish(counts, rows=["Abbey"], columns=["bullying"], threshold=5)

    assert table.total.display() == "7"


def test_a_school_month_and_column_split_across_two_rows_is_refused():
    counts = [
        Count(row="Abbey", column="bullying", school="Abbey", month=JAN, value=7),
        Count(row="Brook", column="bullying", school="Abbey", month=JAN, value=7),
    ]

    with pytest.raises(ValueError, match="one row"):
        publish(counts, rows=["Abbey", "Brook"], columns=["bullying"], threshold=5)


def test_a_negative_count_is_refused():
    counts = [Count(row="Abbey", column="bullying", school="Abbey", month=JAN, value=-1)]

    with pytest.raises(ValueError, match="at least 0"):
        publish(counts, rows=["Abbey"], columns=["bullying"], threshold=5)


# Thresholds


def test_a_threshold_of_two_raises_value_error_naming_the_minimum_of_three():
    with pytest.raises(ValueError, match="at least 3"):
        by_school({("Abbey", "bullying"): 1}, threshold=2)
    assert MINIMUM_THRESHOLD == 3


def test_a_threshold_that_is_not_a_whole_number_is_refused():
    with pytest.raises(ValueError, match="at least 3"):
        by_school({("Abbey", "bullying"): 1}, threshold=4.5)


def test_a_threshold_of_three_shows_two_as_small_and_three_as_a_number():
    table = by_school({("Abbey", "bullying"): 2, ("Abbey", "online"): 3}, threshold=3)

    assert table.cell("Abbey", "bullying").display() == "<3"
    assert table.cell("Abbey", "online").display() == "3"


def test_a_threshold_of_ten_shows_nine_as_small_and_ten_as_a_number():
    table = by_school({("Abbey", "bullying"): 9, ("Abbey", "online"): 10}, threshold=10)

    assert table.cell("Abbey", "bullying").display() == "<10"
    assert table.cell("Abbey", "online").display() == "10"


# Rates and medians


def test_rates_per_100_pupils_come_only_from_shown_counts():
    table = by_school({("Abbey", "bullying"): 12, ("Abbey", "online"): 3, ("Abbey", "x"): 20})

    assert rate_per_100(table.cell("Abbey", "bullying"), 400) == "3.0"
    assert rate_per_100(table.cell("Abbey", "x"), 300) == "6.7"
    assert rate_per_100(table.cell("Abbey", "online"), 400) is None
    assert rate_per_100(table.row_totals["Abbey"], 400) is None


def test_a_rate_needs_a_known_roll_above_zero():
    shown = Figure(value=12, state="shown")

    assert rate_per_100(shown, None) is None
    assert rate_per_100(shown, 0) is None
    assert rate_per_100(Figure(value=0, state="shown"), 250) == "0.0"


def test_rates_round_halves_up():
    assert rate_per_100(Figure(value=1, state="shown"), 8) == "12.5"
    assert rate_per_100(Figure(value=1, state="shown"), 16) == "6.3"


def test_medians_are_withheld_when_fewer_incidents_than_the_threshold_lie_behind_them():
    assert publishable_median(3, 4, 5) is None
    assert publishable_median(3, 5, 5) == 3
    assert publishable_median(None, 20, 5) is None
    with pytest.raises(ValueError, match="at least 3"):
        publishable_median(3, 20, 2)


# Shape of the result


def test_empty_input_gives_an_empty_table():
    table = publish([], rows=[], columns=[], threshold=5)

    assert table.cells == {}
    assert table.row_totals == {}
    assert table.column_totals == {}
    assert table.total.display() == "0"


def test_a_period_with_no_counts_gives_zeros_in_every_cell():
    table = publish([], rows=["Abbey", "Brook"], columns=["bullying"], threshold=5)

    assert [figure.display() for figure in table.cells.values()] == ["0", "0"]
    assert table.total.display() == "0"


def test_every_row_and_column_pair_has_a_cell_in_the_order_asked_for():
    table = by_school({("Brook", "online"): 7, ("Abbey", "bullying"): 6})

    assert list(table.cells) == [
        ("Abbey", "bullying"),
        ("Abbey", "online"),
        ("Brook", "bullying"),
        ("Brook", "online"),
    ]


def test_output_is_deterministic_whatever_the_order_of_the_counts():
    counts = [
        Count(row=school, column=column, school=school, month=month, value=value)
        for school, column, month, value in [
            ("Abbey", "bullying", JAN, 3),
            ("Abbey", "bullying", FEB, 12),
            ("Brook", "online", JAN, 7),
            ("Brook", "bullying", MAR, 1),
        ]
    ]
    kwargs = {"rows": ["Abbey", "Brook"], "columns": ["bullying", "online"], "threshold": 5}

    first, second = publish(counts, **kwargs), publish(counts[::-1], **kwargs)

    assert first == second
    assert list(first.cells.items()) == list(second.cells.items())


def test_a_small_or_withheld_figure_cannot_carry_its_value():
    with pytest.raises(ValueError, match="Only a shown figure"):
        Figure(value=3, state="small")
    with pytest.raises(ValueError, match="Only a shown figure"):
        Figure(value=None, state="shown")
    assert Figure(value=None, state="withheld").display() == "*"
    assert Figure(value=None, state="small", threshold=7).display() == "<7"


def test_a_trust_with_tens_of_incidents_per_category_and_month_sees_most_figures():
    generator = random.Random(7)
    schools = ["Abbey", "Brook", "Cedar"]
    months = [datetime.date(2025, month, 1) for month in range(1, 7)]
    categories = [f"category {index}" for index in range(8)]
    values = {
        (school, month, category): generator.randint(8, 40)
        for school in schools
        for month in months
        for category in categories
    }
    values[("Abbey", months[0], "category 0")] = 2  # one rare month among them
    values[("Brook", months[3], "category 5")] = 0
    counts = [
        Count(row=school, column=category, school=school, month=month, value=value)
        for (school, month, category), value in values.items()
    ]

    by_schools = publish(counts, rows=schools, columns=categories, threshold=5)

    cells = list(by_schools.cells.values())
    assert sum(figure.is_shown for figure in cells) == len(cells) - 1
    assert by_schools.row_totals["Brook"].is_shown
    assert by_schools.row_totals["Cedar"].is_shown
    assert not by_schools.row_totals["Abbey"].is_shown
    assert sum(figure.is_shown for figure in by_schools.column_totals.values()) == 7


# The attack: every view over a small trust, and integer programming on every hidden figure


def _cube(values: dict[tuple[str, int, str], int]) -> Cube:
    months = [JAN, FEB, MAR]
    return {(school, months[m], category): value for (school, m, category), value in values.items()}


def _table(rows, columns, threshold, figure) -> Table:
    """A table whose figures come from ``figure(match)``, match choosing the counts inside."""
    return Table(
        rows=list(rows),
        columns=list(columns),
        threshold=threshold,
        cells={
            (r, c): figure(lambda x, r=r, c=c: (x.row, x.column) == (r, c))
            for r in rows
            for c in columns
        },
        row_totals={r: figure(lambda x, r=r: x.row == r) for r in rows},
        column_totals={c: figure(lambda x, c=c: x.column == c) for c in columns},
        total=figure(lambda x: True),
    )


def _naive_publish(counts, *, rows, columns, threshold) -> Table:
    """Primary suppression only: each cell and total judged on its own value."""
    counts = list(counts)

    def figure(match) -> Figure:
        value = sum(count.value for count in counts if match(count))
        if 0 < value < threshold:
            return Figure(value=None, state="small", threshold=threshold)
        return Figure(value=value, state="shown", threshold=threshold)

    return _table(rows, columns, threshold, figure)


def _edge_months_publish(counts, *, rows, columns, threshold) -> Table:
    """A weaker rule: withhold a figure only when one school's part, or its first or last
    month's part, is small. The attack beats it, which is why publish() looks at every count."""
    counts = list(counts)

    def figure(match) -> Figure:
        chosen = [count for count in counts if match(count)]
        value = sum(count.value for count in chosen)
        if 0 < value < threshold:
            return Figure(value=None, state="small", threshold=threshold)
        months = sorted({count.month for count in chosen})
        parts = [
            sum(count.value for count in chosen if count.school == school)
            for school in {count.school for count in chosen}
        ]
        parts += [
            sum(count.value for count in chosen if count.month == month)
            for month in months[:1] + months[-1:]
        ]
        if any(0 < part < threshold for part in parts):
            return Figure(value=None, state="withheld", threshold=threshold)
        return Figure(value=value, state="shown", threshold=threshold)

    return _table(rows, columns, threshold, figure)


def test_the_attack_recovers_a_small_count_from_a_table_with_primary_suppression_only():
    cube = _cube({("Abbey", 0, "bullying"): 3, ("Abbey", 0, "online"): 12})

    leaks = recovered(cube, 5, publisher=_naive_publish)

    assert {true_value(cube, leak.box) for leak in leaks} == {3}


def test_the_attack_recovers_a_middle_month_from_a_rule_that_checks_only_edge_months():
    cube = _cube(
        {("Abbey", 0, "bullying"): 10, ("Abbey", 1, "bullying"): 2, ("Abbey", 2, "bullying"): 10}
    )

    leaks = recovered(cube, 5, publisher=_edge_months_publish)

    assert 2 in {true_value(cube, leak.box) for leak in leaks}
    assert recovered(cube, 5) == []


def test_the_attack_finds_nothing_in_a_trust_with_small_counts_scattered_about():
    atoms = [
        (school, month, category)
        for school in ("Abbey", "Brook", "Cedar")
        for month in range(3)
        for category in ("bullying", "online")
    ]
    values = [10, 1, 0, 12, 4, 9, 1, 1, 7, 0, 30, 2, 2, 6, 0, 0, 5, 3]
    cube = _cube(dict(zip(atoms, values, strict=True)))

    assert recovered(cube, 5) == []


@st.composite
def cubes(draw) -> tuple[Cube, int]:
    threshold = draw(st.integers(MINIMUM_THRESHOLD, 6))
    schools = ["Abbey", "Brook", "Cedar", "Dale"][: draw(st.integers(2, 4))]
    months = [JAN, FEB, MAR][: draw(st.integers(1, 3))]
    categories = ["bullying", "online", "neglect"][: draw(st.integers(1, 3))]
    # Zeros, small counts and larger ones, in about equal measure.
    value = st.one_of(st.just(0), st.integers(1, threshold - 1), st.integers(threshold, 15))
    cube = {
        (school, month, category): draw(value)
        for school in schools
        for month in months
        for category in categories
    }
    return cube, threshold


ATTACK = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


@ATTACK
@given(cubes())
def test_no_hidden_figure_in_any_view_can_be_worked_out_from_all_published_figures(case):
    cube, threshold = case

    leaks = recovered(cube, threshold)

    assert leaks == [], [(leak.view, leak.figure, sorted(leak.box)) for leak in leaks]


@ATTACK
@given(cubes())
def test_every_figure_tells_the_truth_about_the_counts_behind_it(case):
    cube, threshold = case

    for item in publish_everything(cube, threshold):
        value = true_value(cube, item.box)
        if item.figure.is_shown:
            assert item.figure.value == value
        elif item.figure.is_small:
            assert 1 <= value < threshold
        else:
            assert any(0 < cube[atom] < threshold for atom in item.box)


@ATTACK
@given(cubes(), st.randoms(use_true_random=False))
def test_changing_small_counts_to_other_small_values_changes_nothing_published(case, generator):
    cube, threshold = case
    changed = {
        atom: generator.randint(1, threshold - 1) if 0 < value < threshold else value
        for atom, value in cube.items()
    }

    before = [(name, figures_of(table)) for name, table, _ in every_view(cube, threshold)]
    after = [(name, figures_of(table)) for name, table, _ in every_view(changed, threshold)]

    assert before == after
