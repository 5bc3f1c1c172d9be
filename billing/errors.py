"""Billing's domain errors: adapters turn them into a command error, a form error or a 400."""

from __future__ import annotations

ALL = "__all__"


class BillingError(Exception):
    """Something billing refused to do; `message` is safe to show to an operator and
    `field` names the input it is about (or "__all__")."""

    field = ALL

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field


class InvalidMonth(BillingError):
    """A month that is not written YYYY-MM."""

    field = "month"


class CreditTooLarge(BillingError):
    """A credit note for more than what is left of its invoice."""

    field = "amount"


class InvalidAmount(BillingError):
    """A money amount that is zero, negative or has fractions of a penny."""

    field = "amount"


class NoRateInForce(BillingError):
    """No VAT rate in the rate table covers the invoice's date."""


class UnknownInvoice(BillingError):
    """No invoice has the number given."""

    field = "invoice"


class Overpayment(BillingError):
    """A payment for more than is still owed on its invoice."""

    field = "amount"


class InvalidPayment(BillingError):
    """A payment whose date or method cannot be accepted."""


class UnknownProvider(BillingError):
    """A payment provider that is not in billing.payments.PROVIDERS."""

    field = "provider"


class WebhooksNotSupported(BillingError):
    """A provider that records payments by hand has no webhook to call."""


class InvalidPlan(BillingError):
    """A plan whose code, name or prices cannot be accepted, or one that does not exist."""


class InvalidSubscription(BillingError):
    """A payer or billing contact that cannot be accepted for a school."""


class NotReadOnly(BillingError):
    """Lifting read-only access from a school that has full access."""


class ReasonRequired(BillingError):
    """An operator action that must say why."""

    field = "reason"
