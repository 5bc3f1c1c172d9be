"""What a trust lead or operator is refused, in their words."""

from __future__ import annotations


class TrustError(ValueError):
    """A refused request; `field` names the input at fault."""

    field = "non_field_errors"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field


class NotPermitted(TrustError):
    pass


class ThresholdRefused(TrustError):
    field = "threshold"


class BadFilter(TrustError):
    """A period, phase or school a dashboard or API call cannot show."""
