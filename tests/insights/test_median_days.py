"""The median days to a first DSL action, read from a (merged) histogram."""

from __future__ import annotations

from insights.selectors import median_days
from tests.insights.school_records import histogram


def test_an_empty_histogram_has_no_median():
    assert median_days(histogram()) is None


def test_the_median_is_the_middle_incidents_days():
    assert median_days(histogram(d0=1, d2=1, d9=1)) == 2
    assert median_days(histogram(d1=5, d31=4)) == 1


def test_an_even_count_takes_the_lower_middle_a_day_some_incident_took():
    assert median_days(histogram(d1=1, d4=1)) == 1


def test_merged_histograms_of_two_schools_give_the_median_of_all_their_incidents():
    merged = [a + b for a, b in zip(histogram(d0=3), histogram(d31=4), strict=True)]
    assert median_days(merged) == 31
