"""`haven insights-rebuild [--school SLUG]` computes the facts again from the records."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from insights.models import CategoryMonth, RollMonth
from tests.insights.school_records import at, category, category_rows, incident, staff


def test_rebuilding_one_school_replaces_its_facts_with_what_its_records_give(abbey, westleigh):
    from tests.factories import PupilFactory

    with abbey:
        incident(PupilFactory(), [category("neglect")], occurred=at(2022, 5, 4), by=staff().dsl)
    # A stale row, as if a refresh had been missed: the rebuild must drop it.
    CategoryMonth.objects.create(
        school=abbey, month=at(2022, 1, 1).date(), standard="other", incidents=9,
        first_action_days=[0] * 32,
    )  # fmt: skip
    westleigh_rows = CategoryMonth.objects.filter(school=westleigh).count()
    out = io.StringIO()

    call_command("insights_rebuild", "--school", "abbey", stdout=out)

    assert out.getvalue() == "Rebuilt the facts of abbey.\n"
    rows = category_rows(abbey)
    assert rows[at(2022, 5, 1).date(), "neglect"]["incidents"] == 1
    assert (at(2022, 1, 1).date(), "other") not in rows
    assert RollMonth.objects.filter(school=abbey).exists()
    assert CategoryMonth.objects.filter(school=westleigh).count() == westleigh_rows


def test_rebuilding_every_school_shows_progress_per_school(abbey, westleigh):
    from tests.factories import PupilFactory

    with westleigh:
        PupilFactory()
    out = io.StringIO()

    call_command("insights_rebuild", stdout=out)

    lines = out.getvalue().splitlines()
    assert any(line.endswith(" abbey") and line.startswith("[") for line in lines)
    assert any(line.endswith(" westleigh") for line in lines)
    assert lines[-1].startswith("Rebuilt the facts of ") and lines[-1].endswith(" schools.")
    this_month = timezone.localdate().replace(day=1)
    assert RollMonth.objects.get(school=westleigh, month=this_month).pupils == 1


def test_an_unknown_school_is_a_clear_error_and_nothing_is_rebuilt(abbey):
    CategoryMonth.objects.create(
        school=abbey, month=at(2022, 1, 1).date(), standard="other", incidents=9,
        first_action_days=[0] * 32,
    )  # fmt: skip

    with pytest.raises(CommandError) as refused:
        call_command("insights_rebuild", "--school", "nowhere")

    assert str(refused.value) == "No school has the slug 'nowhere'. Nothing was rebuilt."
    assert CategoryMonth.objects.filter(school=abbey, standard="other").exists()
