"""A school that leaves a trust leaves its history with it: the old trust keeps the months
the school belonged, the new trust sees only the months since."""

from __future__ import annotations

import datetime

from tests.factories import TrustFactory
from tests.trusts.helpers import fact, make_lead, platform_client
from trusts.models import TrustMembership
from trusts.services import move_school


def test_the_old_trust_keeps_the_months_before_the_move_and_the_new_one_the_rest(
    demo, westleigh, lead_client
):
    fact(westleigh, "2024-06", "bullying", incidents=11)
    fact(westleigh, "2024-07", "bullying", incidents=13)
    hillside = TrustFactory(slug="hillside")
    move_school(westleigh, hillside, today=datetime.date(2024, 7, 15))

    westleigh.refresh_from_db()
    assert westleigh.trust == hillside
    assert list(
        TrustMembership.objects.filter(school=westleigh).values_list(
            "trust__slug", "starts", "ends"
        )
    ) == [
        ("demo", datetime.date(2000, 1, 1), datetime.date(2024, 7, 1)),
        ("hillside", datetime.date(2024, 7, 1), None),
    ]
    period = {"from": "2024-06", "to": "2024-07", "school": "westleigh"}
    old = lead_client.get("/api/v1/trust/figures/trend/", period).json()["rows"]
    assert [r["cells"]["bullying"]["display"] for r in old] == ["11", "0"]

    newcomer = platform_client(make_lead(hillside).user)
    new = newcomer.get("/api/v1/trust/figures/trend/", period).json()["rows"]
    assert [r["cells"]["bullying"]["display"] for r in new] == ["0", "13"]
    schools = newcomer.get("/api/v1/trust/schools/").json()
    assert schools == [{"slug": "westleigh", "name": westleigh.name, "phase": "primary",
                        "memberships": [{"from": "2024-07", "until": None}]}]  # fmt: skip


def test_a_school_that_leaves_every_trust_stops_counting_for_its_old_one(
    demo, westleigh, lead_client
):
    fact(westleigh, "2024-06", "bullying", incidents=11)
    fact(westleigh, "2024-08", "bullying", incidents=13)
    move_school(westleigh, None, today=datetime.date(2024, 7, 2))
    rows = lead_client.get(
        "/api/v1/trust/figures/trend/", {"from": "2024-06", "to": "2024-08"}
    ).json()["rows"]
    assert [r["cells"]["bullying"]["display"] for r in rows] == ["11", "0", "0"]


def test_onboarding_into_a_trust_opens_a_membership(demo, abbey):
    membership = TrustMembership.objects.get(school=abbey)
    assert (membership.trust, membership.ends) == (demo, None)


def test_an_operator_moves_a_school_from_the_command_line(demo, westleigh):
    from io import StringIO

    import pytest
    from django.core.management import call_command
    from django.core.management.base import CommandError

    hillside = TrustFactory(slug="hillside", name="Hillside Trust")
    out = StringIO()
    call_command("move_school", school="westleigh", trust="hillside", stdout=out)
    assert "Westleigh Methodist Primary School is now in Hillside Trust from" in out.getvalue()
    assert TrustMembership.objects.get(school=westleigh, ends__isnull=True).trust == hillside
    with pytest.raises(CommandError, match="There is no trust with the slug 'nowhere'"):
        call_command("move_school", school="westleigh", trust="nowhere")
