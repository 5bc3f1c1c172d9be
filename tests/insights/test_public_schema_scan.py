"""Nothing about a child reaches the public schema: with schools full of synthetic records
and every fact refreshed, every value of every column of every public table is read, and no
pupil's name, UPN, incident or action text, or pupil id is among them."""

from __future__ import annotations

import datetime
import re
import types

import pytest
from django.db import connection
from django.utils import timezone

from insights import services, tasks
from insights.models import CategoryMonth, RollMonth
from tests.insights.school_records import action, category, incident, staff

# Pupil ids no sequence reaches in a test run, so finding one anywhere is a leak and never
# a coincidence with a count or a row id of the platform's.
FIRST_ID = 7_301_000_000


def column_values(schema: str) -> dict[tuple[str, str], list[str]]:
    """Every non-null value of every column of every table in `schema`, as text, by
    (table, column): from information_schema, so a table added later is scanned too."""
    quote = connection.ops.quote_name
    values: dict[tuple[str, str], list[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.table_name, c.column_name FROM information_schema.columns c"
            " JOIN information_schema.tables t"
            "   ON t.table_schema = c.table_schema AND t.table_name = c.table_name"
            " WHERE c.table_schema = %s AND t.table_type = 'BASE TABLE'"
            " ORDER BY 1, c.ordinal_position",
            [schema],
        )
        for table, column in cursor.fetchall():
            cursor.execute(
                f"SELECT {quote(column)}::text FROM {quote(schema)}.{quote(table)}"
                f" WHERE {quote(column)} IS NOT NULL"
            )
            values[table, column] = [value for (value,) in cursor.fetchall()]
    return values


def leaks(values: dict[tuple[str, str], list[str]], *, words: set[str], ids: set[int]):
    """(table, column, what) for each forbidden text or pupil id found in a value."""
    found = []
    pattern = re.compile(r"-?\d+")
    for (table, column), texts in values.items():
        joined = "\n".join(texts)
        found += [(table, column, word) for word in words if word in joined]
        numbers = {int(number) for number in pattern.findall(joined)}
        found += [(table, column, pupil) for pupil in ids & numbers]
    return found


@pytest.fixture
def full_schools(abbey, westleigh):
    """Both demo schools with a few hundred synthetic incidents each (demo_data), plus pupils
    with unmistakable ids and names whose concerns have actions of every kind."""
    from safeguarding.concerns.models import Action, Incident
    from safeguarding.demo_data import generate
    from safeguarding.people.models import Pupil
    from tests.factories import PupilFactory

    words: set[str] = set()
    ids: set[int] = set()
    for number, school in enumerate([abbey, westleigh]):
        with school:
            generate(pupils=80, incidents=300, phase="secondary", seed=number)
            people = staff()
            kinds = [category("bullying"), category("self_harm"), category("neglect")]
            for offset in range(12):
                pk = FIRST_ID + number * 100 + offset
                pupil = PupilFactory(
                    pk=pk,
                    legal_first_name=f"Quillon{offset}x{number}",
                    legal_last_name=f"Zebrovska{offset}",
                    preferred_first_name=f"Quill{offset}y{number}",
                    admission_date=datetime.date(2023, 9, 4),
                )
                for n in range(3):
                    made = incident(
                        pupil, kinds[n : n + 2],
                        occurred=timezone.now() - datetime.timedelta(days=40 * n + offset),
                        by=people.teacher,
                        text=f"Synthetic concern {pk}-{n}: Quillon{offset} said something.",
                    )  # fmt: skip
                    action(
                        made, by=people.dsl, recorded=made.recorded_at + datetime.timedelta(days=n),
                        assignee=people.teacher, due=timezone.localdate(),
                        completed=timezone.now() if n else None,
                        text=f"Synthetic follow-up {pk}-{n}: rang Zebrovska{offset}'s home.",
                    )  # fmt: skip
                ids.add(pk)
            for pupil in Pupil.objects.all():
                words |= {pupil.upn, f"{pupil.legal_first_name} {pupil.legal_last_name}"}
                if pupil.preferred_first_name:
                    words.add(pupil.preferred_first_name)
                if pupil.pk in ids:
                    words |= {pupil.legal_first_name, pupil.legal_last_name}
            words |= set(Incident.objects.values_list("text", flat=True))
            words |= set(Action.objects.values_list("text", flat=True))
    return types.SimpleNamespace(words=words, ids=ids, schools=[abbey, westleigh])


def test_no_pupil_name_upn_text_or_id_is_anywhere_in_the_public_schema(full_schools, monkeypatch):
    # Refresh everything, both ways: the queue and its tasks, then a full rebuild.
    monkeypatch.setattr(tasks.refresh_school, "apply_async", lambda *a, **k: None)
    queued = services.queue_refreshes()
    assert {school.slug for school in queued} >= {"abbey", "westleigh"}
    for school in full_schools.schools:
        with school:
            assert tasks.refresh_school.run() is True
    services.rebuild_all()
    for school in full_schools.schools:
        facts = CategoryMonth.objects.filter(school=school)
        assert sum(row.incidents for row in facts) >= 300
        assert sum(sum(row.first_action_days) for row in facts) > 0
        assert RollMonth.objects.filter(school=school).exists()

    found = leaks(column_values("public"), words=full_schools.words, ids=full_schools.ids)

    assert found == []


def test_the_scan_finds_what_it_looks_for_where_it_is(full_schools):
    """The same scan over a school's own schema finds the names, texts and ids: an empty
    answer for the public schema means absent, not unseen."""
    found = leaks(column_values("abbey"), words=full_schools.words, ids=full_schools.ids)

    columns = {(table, column) for table, column, _ in found}
    assert ("people_pupil", "upn") in columns
    assert ("people_pupil", "legal_last_name") in columns
    assert ("concerns_incident", "text") in columns and ("concerns_action", "text") in columns
    assert ("concerns_incident", "pupil_id") in columns
    assert {what for _, _, what in found} >= {
        pupil for pupil in full_schools.ids if pupil < FIRST_ID + 100
    }
