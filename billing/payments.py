"""Payment providers: how money received is recorded against an invoice. Each provider is an
adapter over billing.services.record_payment, which holds the rules (no overpayment, the
invoice paid once covered, audit). A bank transfer is recorded by an operator; a card
provider added later records its payments from its webhook.

Providers are chosen by name from PROVIDERS, and their names are Payment.method's values.
"""

from __future__ import annotations

import datetime
from abc import ABC, abstractmethod
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from billing.errors import UnknownProvider, WebhooksNotSupported

if TYPE_CHECKING:
    from billing.models import Payment


class PaymentProvider(ABC):
    """One way money reaches us. `name` is stored on each payment (at most 20 characters);
    `label` is what operators read."""

    name: str
    label: str
    # Whether an operator may record its payments by hand (console form, operator API).
    recorded_by_operators: bool = False

    @abstractmethod
    def record(
        self,
        *,
        invoice_number: str,
        amount: Decimal,
        received_on: datetime.date,
        reference: str,
        by: Any,
    ) -> Payment:
        """Record money received against an invoice; refused whole (a BillingError, with
        nothing written) when it is more than is owed or otherwise wrong."""

    def handle_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> list[Payment]:
        """A provider's notification of money received: verify its signature from
        `headers`, then `record` each payment it reports. Providers without webhooks
        refuse."""
        raise WebhooksNotSupported(f"{self.label} payments are recorded by an operator.")


class BankTransfer(PaymentProvider):
    """Money paid into our bank account, quoting the invoice number: an operator reads the
    statement and records each payment, with the bank's reference."""

    name = "bank_transfer"
    label = "Bank transfer"
    recorded_by_operators = True

    def record(
        self,
        *,
        invoice_number: str,
        amount: Decimal,
        received_on: datetime.date,
        reference: str,
        by: Any,
    ) -> Payment:
        from billing.services import record_payment

        return record_payment(
            invoice_number=invoice_number,
            amount=amount,
            received_on=received_on,
            reference=reference,
            method=self.name,
            by=by,
        )


PROVIDERS: dict[str, PaymentProvider] = {provider.name: provider for provider in (BankTransfer(),)}


def provider(name: str) -> PaymentProvider:
    """The provider called `name`; an unknown name is refused with the ones there are."""
    found = PROVIDERS.get((name or "").strip())
    if found is None:
        known = ", ".join(sorted(PROVIDERS))
        raise UnknownProvider(f"There is no payment provider {name!r}; use one of: {known}.")
    return found


def record_payment(
    *,
    provider_name: str,
    invoice_number: str,
    amount: Decimal | None,
    received_on: datetime.date | None,
    reference: str,
    by: Any,
) -> Payment:
    """An operator records money received (console form, operator API) through the provider
    named, one whose payments operators record by hand. Any refusal is audited."""
    try:
        chosen = provider(provider_name)
        if not chosen.recorded_by_operators:
            raise UnknownProvider(f"{chosen.label} payments are recorded by the provider itself.")
    except UnknownProvider as refused:
        from billing.services import audit_refusal
        from console.audit import Act

        audit_refusal(by=by, act=Act.PAYMENT_RECORDED, invoice_number=invoice_number,
                      refused=refused, amount=amount)  # fmt: skip
        raise
    return chosen.record(
        invoice_number=invoice_number,
        amount=amount,
        received_on=received_on,
        reference=reference,
        by=by,
    )


def operator_providers() -> list[PaymentProvider]:
    """The providers an operator may record a payment through."""
    return [each for each in PROVIDERS.values() if each.recorded_by_operators]


def method_choices() -> list[tuple[str, str]]:
    return [(each.name, each.label) for each in PROVIDERS.values()]
