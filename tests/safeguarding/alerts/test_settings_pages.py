"""The safeguarding team's alert settings pages: the DSL rota and the alert rules editor,
over the test client on the school's host."""

from __future__ import annotations

import datetime
import html
import re

import pytest
from django.utils import timezone

from accounts.models import User
from safeguarding.alerts.models import (
    AlertRule,
    AlertSettings,
    Closure,
    DutyCover,
    DutySlot,
    Notification,
)
from safeguarding.audit.models import AuditEvent
from safeguarding.concerns.services import record_incident
from tests.factories import PupilFactory, StaffFactory
from tests.safeguarding.alerts.helpers import category
from tests.sessions import signed_in, verified_viewer

ROTA = "/settings/alerts/rota/"
RULES = "/settings/alerts/rules/"
WHOLE_DAY = (datetime.time(0, 0), datetime.time(23, 59, 59, 999999))


@pytest.fixture
def people(abbey):
    with abbey:
        yield {
            "dsl": StaffFactory(full_name="Dee Lead", role="Safeguarding team"),
            "deputy": StaffFactory(full_name="Dan Deputy", role="Safeguarding team"),
            "teacher": StaffFactory(full_name="Tess Teacher"),
            "slt": StaffFactory(full_name="Sam Senior", role="SLT"),
        }


def _text(response) -> str:
    """The page's main content as a person reads it: no tags, one space between words."""
    page = response.content.decode()
    main = page[page.index("<main") : page.index("</main>")]
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)))


def _slot(user, *, weekday=0, starts=datetime.time(8), ends=datetime.time(16), position=1):
    return DutySlot.objects.create(
        weekday=weekday, starts=starts, ends=ends, user=user, position=position
    )


def _cover(user, date, *, covering_for=None):
    return DutyCover.objects.create(
        date=date, starts=datetime.time(9), ends=datetime.time(12), user=user,
        covering_for=covering_for,
    )  # fmt: skip


def _closure(name, first_day, last_day):
    return Closure.objects.create(name=name, first_day=first_day, last_day=last_day)


def _today_all_day(user, position=1):
    return _slot(user, weekday=timezone.localdate().weekday(), starts=WHOLE_DAY[0],
                 ends=WHOLE_DAY[1], position=position)  # fmt: skip


def _counts() -> tuple[int, ...]:
    return (DutySlot.objects.count(), DutyCover.objects.count(), Closure.objects.count(),
            AlertRule.objects.count(), AlertSettings.current().escalate_after_minutes)  # fmt: skip


# Who may use them ---------------------------------------------------------------------------


def test_only_a_verified_dsl_reaches_the_alert_settings_pages(abbey, people):
    with abbey:
        slot = _slot(people["dsl"])
        cover = _cover(people["deputy"], timezone.localdate())
        closure = _closure("Inset", datetime.date(2099, 1, 1), datetime.date(2099, 1, 2))
        rule = AlertRule.objects.first()
    paths = [ROTA, RULES, f"{RULES}new/", f"{RULES}{rule.pk}/", f"{RULES}{rule.pk}/delete/",
             f"{ROTA}slots/{slot.pk}/delete/", f"{ROTA}covers/{cover.pk}/delete/",
             f"{ROTA}closures/{closure.pk}/delete/"]  # fmt: skip
    dsl = signed_in(abbey, people["dsl"])
    others = [signed_in(abbey, people["teacher"]), signed_in(abbey, people["slt"]),
              signed_in(abbey, people["dsl"], verified=False)]  # fmt: skip
    for path in paths:
        assert dsl.get(path).status_code == 200, path
        for client in others:
            assert client.get(path).status_code == 404, path
            assert client.post(path, {"command": "escalation", "minutes": "5"}).status_code == 404
    with abbey:
        assert DutySlot.objects.filter(pk=slot.pk).exists()
        assert AlertRule.objects.filter(pk=rule.pk).exists()
        assert AlertSettings.current().escalate_after_minutes == 15


def test_the_settings_menu_links_to_both_pages_and_marks_the_one_shown(abbey, people):
    page = signed_in(abbey, people["dsl"]).get(ROTA).content.decode()
    assert f'<a href="{ROTA}" aria-current="page">DSL rota</a>' in page
    assert f'<a href="{RULES}">Alert rules</a>' in page


# The rota -----------------------------------------------------------------------------------


def test_an_empty_rota_says_that_alerts_go_to_every_dsl(abbey, people):
    text = _text(signed_in(abbey, people["dsl"]).get(ROTA))
    assert "No one is on the rota yet: alerts for the DSL on duty go to every DSL." in text
    assert "Out of hours: alerts go to every DSL." in text
    assert "No cover arranged from today on." in text


def test_a_dsl_puts_a_deputy_on_the_rota_and_the_week_shows_it(abbey, people):
    client = signed_in(abbey, people["dsl"])
    response = client.post(
        ROTA,
        {"command": "slot", "weekday": "2", "starts": "08:30", "ends": "12:00",
         "user": people["deputy"].pk, "position": "2"},
        follow=True,
    )  # fmt: skip
    text = _text(response)
    assert "Dan Deputy is on the rota Wednesdays 08:30\u201312:00 (order 2)." in text
    assert "Wednesday Times DSL Order Change 08:30\u201312:00 Dan Deputy 2" in text
    with abbey:
        slot = DutySlot.objects.get()
        assert (slot.weekday, slot.starts, slot.ends, slot.user, slot.position) == (
            2, datetime.time(8, 30), datetime.time(12), people["deputy"], 2
        )  # fmt: skip
        event = AuditEvent.objects.filter(action="alert_settings_changed").latest("seq")
        assert (event.actor, event.object_type, event.object_id) == (
            people["dsl"], "duty_slot", slot.pk
        )  # fmt: skip


def test_on_duty_now_names_the_chain_in_order_of_position(abbey, people):
    with abbey:
        _today_all_day(people["dsl"], position=2)
        _today_all_day(people["deputy"], position=1)
    text = _text(signed_in(abbey, people["dsl"]).get(ROTA))
    assert "On duty now: Dan Deputy , then Dee Lead ." in text
    assert "goes to the next DSL, then every DSL" in text


def test_cover_for_someone_today_puts_the_cover_on_duty_in_their_place(abbey, people):
    with abbey:
        _today_all_day(people["dsl"])
    client = signed_in(abbey, people["dsl"])
    client.post(ROTA, {"command": "cover", "date": timezone.localdate().isoformat(),
                       "starts": "00:00", "ends": "23:59", "user": people["deputy"].pk,
                       "covering_for": people["dsl"].pk})  # fmt: skip
    with abbey:
        cover = DutyCover.objects.get()
        assert (cover.user, cover.covering_for) == (people["deputy"], people["dsl"])
    if timezone.localtime().time() < datetime.time(23, 59):
        assert "On duty now: Dan Deputy ." in _text(client.get(ROTA))


def test_out_of_hours_the_page_says_alerts_go_to_every_dsl(abbey, people):
    tomorrow = (timezone.localdate().weekday() + 1) % 7
    with abbey:
        _slot(people["deputy"], weekday=tomorrow, starts=WHOLE_DAY[0], ends=WHOLE_DAY[1])
    text = _text(signed_in(abbey, people["dsl"]).get(ROTA))
    assert "Out of hours: alerts go to every DSL." in text
    assert "No one is on the rota yet" not in text


def test_a_closure_today_takes_the_school_out_of_hours(abbey, people):
    today = timezone.localdate()
    with abbey:
        _today_all_day(people["deputy"])
        Closure.objects.create(first_day=today, last_day=today, name="Inset day")
    text = _text(signed_in(abbey, people["dsl"]).get(ROTA))
    assert "Closed today (Inset day): alerts go to every DSL." in text
    assert "On duty now:" not in text


def test_cover_and_closures_ahead_are_listed(abbey, people):
    client = signed_in(abbey, people["dsl"])
    day = timezone.localdate() + datetime.timedelta(days=3)
    cover = {"command": "cover", "date": day.isoformat(), "starts": "9:00", "ends": "15.30",
             "user": people["deputy"].pk, "covering_for": ""}  # fmt: skip
    client.post(ROTA, cover)
    closure = {"command": "closure", "name": "  Christmas holiday ", "first_day": "2099-12-21",
               "last_day": "2100-01-01"}  # fmt: skip
    client.post(ROTA, closure)
    text = _text(client.get(ROTA))
    listed = f"{day:%a} {day.day} {day:%b %Y} 09:00\u201315:30 Dan Deputy No one: first on duty"
    assert listed in text
    assert "Christmas holiday Mon 21 Dec 2099 Fri 1 Jan 2100" in text
    with abbey:
        assert Closure.objects.get().name == "Christmas holiday"


def test_a_dsl_sets_how_soon_alerts_escalate(abbey, people):
    client = signed_in(abbey, people["dsl"])
    response = client.post(ROTA, {"command": "escalation", "minutes": "30"}, follow=True)
    assert "Alerts now escalate after 30 minutes." in _text(response)
    with abbey:
        assert AlertSettings.current().escalate_after_minutes == 30
    assert 'name="minutes" min="1" max="240" value="30"' in response.content.decode()


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"command": "slot", "weekday": "0", "starts": "16:00", "ends": "08:00", "user": "dsl"},
         "slot-ends", "The end time must be after the start time"),
        ({"command": "slot", "weekday": "0", "starts": "08:00", "ends": "16:00",
          "user": "teacher"}, "slot-user", "Tess Teacher is not a DSL"),
        ({"command": "slot", "weekday": "9", "starts": "8am", "ends": "16:00", "user": "dsl",
          "position": "10"}, "slot-weekday", "Choose a day of the week."),
        ({"command": "cover", "date": "yesterday", "starts": "08:00", "ends": "16:00",
          "user": "dsl"}, "cover-date", "That date has passed"),
        ({"command": "cover", "date": "today", "starts": "08:00", "ends": "16:00",
          "user": "dsl", "covering_for": "teacher"}, "cover-covering_for",
         "Choose the DSL being covered for"),
        ({"command": "closure", "name": "Half term", "first_day": "2099-02-20",
          "last_day": "2099-02-13"}, "closure-last_day", "The last day is before the first day."),
        ({"command": "closure", "name": "   ", "first_day": "2099-02-13",
          "last_day": "2099-02-20"}, "closure-name", "Enter the name."),
        ({"command": "escalation", "minutes": "0"}, "escalation-minutes", "from 1 to 240"),
        ({"command": "escalation", "minutes": "999"}, "escalation-minutes", "from 1 to 240"),
    ],
)  # fmt: skip
def test_bad_rota_input_is_explained_next_to_its_field_and_changes_nothing(
    abbey, people, form, field, message
):
    today = timezone.localdate()
    days = {"today": today.isoformat(), "yesterday": (today - datetime.timedelta(1)).isoformat()}
    for key in ("user", "covering_for"):
        if key in form:
            form[key] = people[form[key]].pk
    if "date" in form:
        form["date"] = days.get(form["date"], form["date"])
    with abbey:
        before = _counts()
    response = signed_in(abbey, people["dsl"]).post(ROTA, form)
    page = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in page and f'href="#{field}"' in page
    assert f'<p class="error" id="{field}-error">' in page
    assert re.search(rf'id="{field}"[^>]* aria-describedby="[^"]*{field}-error"', page)
    assert message in html.unescape(page)
    with abbey:
        assert _counts() == before


def test_removing_from_the_rota_shows_what_will_go_and_only_a_post_removes_it(abbey, people):
    with abbey:
        slot = _slot(people["deputy"], weekday=4, starts=datetime.time(13), ends=datetime.time(17))
    client = signed_in(abbey, people["dsl"])
    confirm = client.get(f"{ROTA}slots/{slot.pk}/delete/")
    assert "Remove from the rota? Dan Deputy, Fridays 13:00\u201317:00 (order 1)" in _text(confirm)
    with abbey:
        assert DutySlot.objects.filter(pk=slot.pk).exists()
    removed = client.post(f"{ROTA}slots/{slot.pk}/delete/")
    assert removed.status_code == 302 and removed["Location"] == ROTA
    with abbey:
        assert not DutySlot.objects.filter(pk=slot.pk).exists()
        assert AuditEvent.objects.filter(object_type="duty_slot", object_id=slot.pk).exists()


def test_removing_cover_and_closures_asks_first_too(abbey, people):
    with abbey:
        cover = _cover(people["deputy"], datetime.date(2099, 3, 2), covering_for=people["dsl"])
        closure = _closure("Easter", datetime.date(2099, 4, 6), datetime.date(2099, 4, 17))
    client = signed_in(abbey, people["dsl"])
    cover_page = _text(client.get(f"{ROTA}covers/{cover.pk}/delete/"))
    assert "Dan Deputy on Monday 2 March 2099, 09:00\u201312:00, covering for Dee Lead" in (
        cover_page
    )
    closure_page = _text(client.get(f"{ROTA}closures/{closure.pk}/delete/"))
    assert "Easter, Monday 6 April 2099 to Friday 17 April 2099" in closure_page
    with abbey:
        assert DutyCover.objects.exists() and Closure.objects.exists()
    client.post(f"{ROTA}covers/{cover.pk}/delete/")
    client.post(f"{ROTA}closures/{closure.pk}/delete/")
    with abbey:
        assert not DutyCover.objects.exists() and not Closure.objects.exists()


def test_ids_that_are_not_this_schools_are_not_found(abbey, westleigh, people):
    with westleigh:
        theirs = _slot(StaffFactory(role="Safeguarding team"))
        their_rule = AlertRule.objects.order_by("-pk").first()
    with abbey:
        assert not DutySlot.objects.filter(pk=theirs.pk).exists()
        AlertRule.objects.filter(pk=their_rule.pk).delete()
    client = signed_in(abbey, people["dsl"])
    for path in [f"{ROTA}slots/{theirs.pk}/delete/", f"{ROTA}covers/1/delete/",
                 f"{ROTA}closures/{10**30}/delete/", f"{RULES}{their_rule.pk}/",
                 f"{RULES}{their_rule.pk}/delete/", f"{RULES}{10**12}/"]:  # fmt: skip
        assert client.get(path).status_code == 404, path
        assert client.post(path).status_code == 404, path
    with westleigh:
        assert DutySlot.objects.filter(pk=theirs.pk).exists()
        assert AlertRule.objects.filter(pk=their_rule.pk).exists()


def test_the_rota_decides_which_dsl_an_incident_alerts(abbey, people):
    with abbey:
        pupil = PupilFactory()
        others = set(
            User.objects.filter(
                staff_profile__role__name="Safeguarding team", is_active=True
            ).exclude(pk=people["dsl"].pk)
        )

        def alerted():
            incident = record_incident(
                viewer=verified_viewer(people["dsl"]), pupil_id=pupil.pk,
                text="A disclosure at break.", category_ids=[category("Child Protection").pk],
                occurred_at=timezone.now(),
            )  # fmt: skip
            return {n.user for n in Notification.objects.filter(incident=incident)}

        assert alerted() == others, "with no rota, every other DSL"
    signed_in(abbey, people["dsl"]).post(
        ROTA,
        {"command": "slot", "weekday": str(timezone.localdate().weekday()), "starts": "00:00",
         "ends": "23:59", "user": people["deputy"].pk, "position": "1"},
    )  # fmt: skip
    if timezone.localtime().time() < datetime.time(23, 59):
        with abbey:
            assert alerted() == {people["deputy"]}


# Alert rules --------------------------------------------------------------------------------


def test_the_rules_are_listed_in_plain_words_with_edit_and_delete(abbey, people):
    response = signed_in(abbey, people["dsl"]).get(RULES)
    text = _text(response)
    assert "Every category: SLT, Heads of School, staff of the pupil's groups" in text
    assert "Child Protection (and its subcategories): the DSL on duty" in text
    assert text.index("Every category:") < text.index("Child Protection (and")
    with abbey:
        rule = AlertRule.objects.get(category=category("Child Protection"))
    page = response.content.decode()
    assert f'href="{RULES}{rule.pk}/">Edit<span class="visually-hidden"> the rule for' in page
    assert f'href="{RULES}{rule.pk}/delete/" class="danger-link">Delete' in page


def test_without_rules_the_page_says_who_incidents_alert(abbey, people):
    with abbey:
        AlertRule.objects.all().delete()
    text = _text(signed_in(abbey, people["dsl"]).get(RULES))
    assert "No alert rules yet: incidents alert only the staff picked by name." in text
    assert "No rule covers 4 restricted categories" in text and "Child Protection" in text


def test_a_dsl_adds_a_rule_that_alerts_from_the_next_incident(abbey, people):
    with abbey:
        bullying = category("Bullying")
        slt_role = people["slt"].staff_profile.role
        teacher = people["teacher"]
    client = signed_in(abbey, people["dsl"])
    response = client.post(
        f"{RULES}new/",
        {"category": bullying.pk, "roles": [slt_role.pk], "staff": [teacher.pk],
         "dsl_on_duty": "on"},
        follow=True,
    )  # fmt: skip
    assert "Saved. Bullying (and its subcategories): SLT, Tess Teacher, the DSL on duty." in (
        _text(response)
    )
    with abbey:
        rule = AlertRule.objects.get(category=bullying)
        assert set(rule.roles.all()) == {slt_role} and set(rule.staff.all()) == {teacher}
        assert rule.include_dsl_on_duty and not rule.include_group_staff
        incident = record_incident(
            viewer=verified_viewer(people["deputy"]), pupil_id=PupilFactory().pk,
            text="Name-calling in the corridor.", category_ids=[bullying.pk],
            occurred_at=timezone.now(),
        )  # fmt: skip
        assert Notification.objects.filter(incident=incident, user=teacher).exists()


def test_a_rule_that_alerts_no_one_is_refused_and_nothing_is_saved(abbey, people):
    with abbey:
        before = AlertRule.objects.count()
    response = signed_in(abbey, people["dsl"]).post(f"{RULES}new/", {"category": ""})
    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert 'href="#rule-form-error"' in page and 'id="rule-form-error"' in page
    assert "Choose who this rule alerts" in page
    with abbey:
        assert AlertRule.objects.count() == before


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"category": "not-a-number", "dsl_on_duty": "on"}, "Choose a category from the list"),
        ({"category": str(10**12), "dsl_on_duty": "on"}, "Choose a category from the list"),
        ({"category": "", "roles": ["999999"]}, "Choose roles from the list."),
        ({"category": "", "staff": ["abc"]}, "Choose members of staff from the list."),
    ],
)
def test_a_rule_naming_what_does_not_exist_is_refused(abbey, people, form, message):
    with abbey:
        before = AlertRule.objects.count()
    response = signed_in(abbey, people["dsl"]).post(f"{RULES}new/", form)
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    with abbey:
        assert AlertRule.objects.count() == before


def test_editing_a_rule_shows_what_it_says_and_saves_the_change(abbey, people):
    with abbey:
        rule = AlertRule.objects.get(category=category("Child Protection"))
        slt_role = people["slt"].staff_profile.role
    client = signed_in(abbey, people["dsl"])
    form = client.get(f"{RULES}{rule.pk}/").content.decode()
    assert "Change the rule for Child Protection (and its subcategories)" in form
    assert re.search(rf'<option value="{rule.category_id}" selected>Child Protection', form)
    assert re.search(r'name="dsl_on_duty" checked', form)
    assert not re.search(rf'name="roles" value="{slt_role.pk}" checked', form)
    client.post(f"{RULES}{rule.pk}/", {"category": rule.category_id, "roles": [slt_role.pk],
                                        "dsl_on_duty": "on"})  # fmt: skip
    with abbey:
        rule.refresh_from_db()
        assert set(rule.roles.all()) == {slt_role} and rule.include_dsl_on_duty
        assert AuditEvent.objects.filter(object_type="alert_rule", object_id=rule.pk).exists()


def test_deleting_a_rule_shows_it_first_and_only_a_post_deletes_it(abbey, people):
    with abbey:
        rule = AlertRule.objects.get(category=None)
    client = signed_in(abbey, people["dsl"])
    confirm = _text(client.get(f"{RULES}{rule.pk}/delete/"))
    assert "Delete this alert rule? Every category: SLT, Heads of School" in confirm
    with abbey:
        assert AlertRule.objects.filter(pk=rule.pk).exists()
    response = client.post(f"{RULES}{rule.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == RULES
    with abbey:
        assert not AlertRule.objects.filter(pk=rule.pk).exists()
