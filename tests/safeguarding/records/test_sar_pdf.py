"""What a released subject access request's PDF says, read back with pypdf: other pupils,
their parents and (by the setting) staff redacted, in the text too; the pupil's own names
and their own parents' kept."""

from __future__ import annotations

import pytest

from safeguarding.records.models import SubjectAccessRequest
from tests.safeguarding.records.helpers import days_ago, pdf_pages, pdf_text
from tests.safeguarding.records.sar_case import (
    OTHER_PARENTS,
    OTHER_PUPILS,
    OWN,
    STAFF,
    build_sar_case,
    new_request,
    release,
)
from tests.sessions import signed_in


@pytest.fixture
def sar_case(abbey):
    with abbey:
        return build_sar_case()


def _released(abbey, case, **fields) -> tuple[bytes, SubjectAccessRequest]:
    client = signed_in(abbey, case.dsl)
    assert new_request(client, case.amara.pk, **fields).status_code == 302
    with abbey:
        sar = SubjectAccessRequest.objects.latest("pk")
    response = release(client, sar.pk)
    assert response.status_code == 200, response.content[:500]
    return response.content, sar


def test_other_pupils_their_parents_and_staff_are_redacted_in_the_text(abbey, sar_case):
    content, _ = _released(abbey, sar_case)
    text = pdf_text(content)
    for name in OTHER_PUPILS + OTHER_PARENTS + STAFF:
        assert name not in text, name
    assert "[another pupil] pushed her by the lockers" in text
    assert "[a parent of another pupil] came in at three" in text
    assert "[another pupil] saw it. Told RL at break." in text
    assert "Phoned Grace Okafor and Mr Mensah. [a parent of another pupil] rang too;" in text
    assert "[a parent of another pupil] is worried. MF to follow up." in text
    assert "Resolved with Mrs Okafor and Daniel Mensah; MF agrees." in text


def test_the_pupils_own_names_and_their_own_parents_stay(abbey, sar_case):
    text = pdf_text(_released(abbey, sar_case)[0])
    for name in OWN:
        assert name in text, name
    assert "Amara Okafor said [another pupil] pushed her" in text


def test_staff_are_initials_in_recorded_by_lines_with_the_initials_setting(abbey, sar_case):
    text = pdf_text(_released(abbey, sar_case)[0])
    assert "Recorded by MF" in text
    assert "by RL" in text and "Assigned to MF" in text
    assert "Released by RL on" in text


def test_staff_are_named_in_full_with_the_full_names_setting(abbey, sar_case):
    text = pdf_text(_released(abbey, sar_case, staff_names="full")[0])
    assert "Recorded by Morgan Fairweather (MF)" in text
    assert "Told Robin Lead at break." in text
    assert "Morgan Fairweather to follow up" in text and "Mr Fairweather agrees" in text
    assert "Released by Robin Lead on" in text
    # Other people are redacted whatever the staff setting.
    for name in OTHER_PUPILS + OTHER_PARENTS:
        assert name not in text, name


def test_parents_contact_details_are_not_in_the_file(abbey, sar_case):
    text = pdf_text(_released(abbey, sar_case)[0])
    assert "01632 960001" not in text and "Synthetic Road" not in text


def test_the_file_says_what_it_is_and_what_was_redacted(abbey, sar_case):
    content, sar = _released(abbey, sar_case)
    text = pdf_text(content)
    assert "Abbey Community College" in text
    assert f"Subject access request {sar.pk}" in text
    assert "from a parent or carer, received on" in text
    assert "Year 8 · 8K" in text and sar_case.amara.upn in text and "6 May 2013" in text
    assert "other pupils show as “[another pupil]”" in text
    assert "parents and carers of other pupils as “[a parent of another pupil]”" in text
    assert "and staff as their initials" in text
    assert "3 incidents and 1 action" in text
    for incident in (sar_case.pushed, sar_case.disclosure, sar_case.absent):
        assert incident.reference in text
    assert "Disclosure at lunch." in text and "Absent all week." in text


def test_every_page_is_numbered_and_names_the_school(abbey, sar_case):
    pages = pdf_pages(_released(abbey, sar_case)[0])
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert "Abbey Community College" in page and "Released by RL on" in page


def test_the_dates_asked_for_limit_the_incidents(abbey, sar_case):
    day = sar_case.pushed.occurred_at.date()
    text = pdf_text(_released(abbey, sar_case, date_from=day.isoformat())[0])
    assert sar_case.pushed.reference in text and sar_case.disclosure.reference in text
    assert "Absent all week." not in text
    assert "2 incidents and 1 action" in text


def test_an_incident_about_another_pupil_says_about_whom_only_as_redacted(abbey, sar_case):
    from safeguarding.concerns.models import Category
    from safeguarding.concerns.services import Link, record_incident
    from tests.sessions import verified_viewer

    with abbey:
        about_cara = record_incident(
            viewer=verified_viewer(sar_case.dsl), pupil_id=sar_case.cara.pk,
            category_ids=[Category.objects.get(name="Behaviour").pk],
            text="Cara Ndlovu shouted at Amara. Thandiwe Ndlovu was told.",
            occurred_at=days_ago(2), links=[Link(pupil_id=sar_case.amara.pk, role="victim")],
        )  # fmt: skip
    text = pdf_text(_released(abbey, sar_case)[0])
    assert about_cara.reference in text
    assert "About [another pupil]. This pupil: victim." in text
    assert "[another pupil] shouted at Amara. [a parent of another pupil] was told." in text
    assert "Cara" not in text and "Thandiwe" not in text
