"""Steps the retention tests share."""

from __future__ import annotations

from safeguarding.retention import services
from safeguarding.retention.models import RetentionReview
from tests.sessions import verified_viewer


def confirmed_review(pupil, dsl) -> RetentionReview:
    """List what is due, and confirm this pupil's review as the DSL would."""
    services.list_due()
    review = RetentionReview.objects.get(pupil=pupil)
    return services.confirm(viewer=verified_viewer(dsl), review_id=review.pk, understood=True)
