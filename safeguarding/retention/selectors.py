"""Reading retention: who falls due, and the DSL's retention page."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from safeguarding.concerns.models import Incident
from safeguarding.people.models import Pupil
from safeguarding.retention.models import Basis, LegalHold, RetentionReview, RetentionSettings

RECENT_PURGES = 50


def with_records() -> Q:
    """A pupil with something to keep: incidents about them, or a file transferred in."""
    return Q(Exists(Incident.objects.filter(pupil=OuterRef("pk")))) | Q(
        Exists(transferred_records().filter(pupil=OuterRef("pk")))
    )


def transferred_records() -> QuerySet:
    from safeguarding.transfers.models import TransferredIncident

    return TransferredIncident.objects.all()


def newly_due(rule: RetentionSettings, today: datetime.date) -> QuerySet[Pupil]:
    """Pupils who have left, whose records passed the rule, with nothing open about them:
    no legal hold, no review waiting, not kept until a later day."""
    cutoff = rule.cutoff(today)
    due = Pupil.objects.filter(leaving_date__isnull=False, leaving_date__lte=today)
    if rule.basis == Basis.BIRTHDAY:
        due = due.filter(date_of_birth__lte=cutoff)
    else:
        due = due.filter(leaving_date__lte=cutoff)
    held = LegalHold.objects.filter(pupil=OuterRef("pk"), released_at__isnull=True)
    reviewed = RetentionReview.objects.filter(pupil_ref=OuterRef("pk")).filter(
        Q(decision__in=[RetentionReview.Decision.PENDING, RetentionReview.Decision.CONFIRMED])
        | Q(decision=RetentionReview.Decision.KEPT, keep_until__gt=today)
    )
    return due.filter(with_records()).exclude(Exists(held)).exclude(Exists(reviewed)).order_by("pk")


@dataclass(frozen=True)
class RetentionPage:
    rule: RetentionSettings
    waiting: list[RetentionReview]
    confirmed: list[RetentionReview]
    kept: list[RetentionReview]
    purged: list[RetentionReview]
    holds: list[LegalHold]


def retention_page(today: datetime.date) -> RetentionPage:
    """Everything on the page in five queries; each review's pupil carries its incident
    count and whether a hold is in place."""
    held = LegalHold.objects.filter(pupil=OuterRef("pupil_id"), released_at__isnull=True)
    reviews = list(
        RetentionReview.objects.exclude(decision=RetentionReview.Decision.PURGED)
        .exclude(decision=RetentionReview.Decision.KEPT, keep_until__lte=today)
        .select_related("pupil", "decided_by")
        .annotate(held=Exists(held))
    )
    counts = dict(
        Incident.objects.filter(pupil_id__in=[r.pupil_id for r in reviews])
        .values_list("pupil_id")
        .annotate(n=Count("pk"))
        .values_list("pupil_id", "n")
    )
    for review in reviews:
        review.incident_count = counts.get(review.pupil_id, 0)
    by = RetentionReview.Decision
    return RetentionPage(
        rule=RetentionSettings.current(),
        waiting=[r for r in reviews if r.decision == by.PENDING],
        confirmed=[r for r in reviews if r.decision == by.CONFIRMED],
        kept=[r for r in reviews if r.decision == by.KEPT],
        purged=list(
            RetentionReview.objects.filter(decision=by.PURGED)
            .select_related("decided_by")
            .order_by("-purged_at")[:RECENT_PURGES]
        ),
        holds=list(
            LegalHold.objects.filter(released_at__isnull=True).select_related("pupil", "placed_by")
        ),
    )


def active_hold(pupil_id: int) -> LegalHold | None:
    return (
        LegalHold.objects.filter(pupil_id=pupil_id, released_at__isnull=True)
        .select_related("placed_by")
        .first()
    )


def visible_review(review_id: int) -> RetentionReview | None:
    """An open review with its pupil, for the confirmation page."""
    return (
        RetentionReview.objects.filter(pk=review_id, pupil__isnull=False)
        .select_related("pupil")
        .first()
    )


@dataclass(frozen=True)
class PurgeSummary:
    """What a purge of this pupil would remove, in numbers, for the confirmation page."""

    incidents: int
    actions: int
    files: int
    transferred_incidents: int
    subject_access_requests: int
    named_elsewhere: int


def purge_summary(pupil: Pupil) -> PurgeSummary:
    from safeguarding.concerns.models import Action, Attachment, LinkedPupil
    from safeguarding.records.models import SubjectAccessRequest

    own = Incident.objects.filter(pupil=pupil)
    return PurgeSummary(
        incidents=own.count(),
        actions=Action.objects.filter(incident__pupil=pupil).count(),
        files=Attachment.objects.filter(incident__pupil=pupil).count(),
        transferred_incidents=transferred_records().filter(pupil=pupil).count(),
        subject_access_requests=SubjectAccessRequest.objects.filter(pupil=pupil).count(),
        named_elsewhere=LinkedPupil.objects.filter(pupil=pupil)
        .exclude(incident__pupil=pupil)
        .values("incident")
        .distinct()
        .count(),
    )
