"""Reading retention: who falls due, and the DSL's retention page."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from safeguarding.concerns.models import Incident, LinkedPupil
from safeguarding.people.models import Pupil
from safeguarding.retention.models import Basis, LegalHold, RetentionReview, RetentionSettings
from safeguarding.transfers.models import TransferredIncident

RECENT_PURGES = 50


def transferred_records() -> QuerySet[TransferredIncident]:
    return TransferredIncident.objects.all()


def due_pupils(rule: RetentionSettings, today: datetime.date) -> QuerySet[Pupil]:
    """Pupils who have left, whose records passed the school's rule, under no legal hold:
    whether or not they have records left to purge."""
    due = Pupil.objects.filter(leaving_date__isnull=False, leaving_date__lte=today)
    cutoff = rule.cutoff(today)
    if rule.basis == Basis.BIRTHDAY:
        due = due.filter(date_of_birth__lte=cutoff)
    else:
        due = due.filter(leaving_date__lte=cutoff)
    held = LegalHold.objects.filter(pupil=OuterRef("pk"), released_at__isnull=True)
    return due.exclude(Exists(held))


def purgeable_incidents(subject, due: QuerySet[Pupil]) -> QuerySet[Incident]:
    """The incidents about `subject` (a pupil, or an OuterRef to one) that a purge may take:
    those naming no other pupil who is not due too. An incident that also concerns a child
    still within the rule, or under a hold, stays whole until that child is due."""
    not_due = LinkedPupil.objects.filter(incident=OuterRef("pk")).exclude(
        pupil__in=due.values("pk")
    )
    return Incident.objects.filter(pupil=subject).exclude(Exists(not_due))


def newly_due(rule: RetentionSettings, today: datetime.date) -> QuerySet[Pupil]:
    """Due pupils with something a purge would take (an incident, a transferred file, a
    subject access request) and no review open or kept to a later day."""
    from safeguarding.records.models import SubjectAccessRequest

    due = due_pupils(rule, today)
    something = (
        Q(Exists(purgeable_incidents(OuterRef("pk"), due)))
        | Q(Exists(transferred_records().filter(pupil=OuterRef("pk"))))
        | Q(Exists(SubjectAccessRequest.objects.filter(pupil=OuterRef("pk"))))
    )
    reviewed = RetentionReview.objects.filter(pupil_ref=OuterRef("pk")).filter(
        Q(decision__in=[RetentionReview.Decision.PENDING, RetentionReview.Decision.CONFIRMED])
        | Q(decision=RetentionReview.Decision.KEPT, keep_until__gt=today)
    )
    return due.filter(something).exclude(Exists(reviewed)).order_by("pk")


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


def active_hold_by_id(hold_id: int) -> LegalHold | None:
    return LegalHold.objects.filter(pk=hold_id, released_at__isnull=True).first()


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
    kept_incidents: int
    actions: int
    files: int
    transferred_incidents: int
    subject_access_requests: int
    named_elsewhere: int


def purge_summary(pupil: Pupil, today: datetime.date) -> PurgeSummary:
    from safeguarding.concerns.models import Action, Attachment
    from safeguarding.records.models import SubjectAccessRequest

    purgeable = purgeable_incidents(pupil, due_pupils(RetentionSettings.current(), today))
    return PurgeSummary(
        incidents=purgeable.count(),
        kept_incidents=Incident.objects.filter(pupil=pupil).count() - purgeable.count(),
        actions=Action.objects.filter(incident__in=purgeable).count(),
        files=Attachment.objects.filter(incident__in=purgeable).count(),
        transferred_incidents=transferred_records().filter(pupil=pupil).count(),
        subject_access_requests=SubjectAccessRequest.objects.filter(pupil=pupil).count(),
        named_elsewhere=LinkedPupil.objects.filter(pupil=pupil)
        .exclude(incident__pupil=pupil)
        .values("incident")
        .distinct()
        .count(),
    )
