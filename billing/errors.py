"""Billing's domain errors: adapters turn them into a command error, a form error or a 400."""

from __future__ import annotations


class BillingError(Exception):
    """Something billing refused to do; `message` is safe to show to an operator."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidMonth(BillingError):
    """A month that is not written YYYY-MM."""


class CreditTooLarge(BillingError):
    """A credit note for more than what is left of its invoice."""


class InvalidAmount(BillingError):
    """A money amount that is zero, negative or has fractions of a penny."""


class NoRateInForce(BillingError):
    """No VAT rate in the rate table covers the invoice's date."""
