"""What can go wrong when registering or changing a school or trust, in the user's words."""

from __future__ import annotations


class TenancyError(ValueError):
    """A request about schools or trusts that Haven refuses; `field` names the culprit."""

    field = "non_field_errors"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field


class InvalidSlug(TenancyError):
    field = "slug"


class SlugTaken(TenancyError):
    field = "slug"


class TrustNotFound(TenancyError):
    field = "trust"


class SchoolNotFound(TenancyError):
    field = "slug"


class InvalidSchoolDetails(TenancyError):
    pass
