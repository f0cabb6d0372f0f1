"""The Payment Transaction history: the one module that writes `PaymentTransaction` rows, and reads them out.

A row stores message codes and their parameters, never a finished sentence, so
each reader sees it in their own language. Parameters that need the reader's
locale are tagged: `money(...)`, `moment(...)`, `choice(...)`. Apps above
payments (refunds, notifications) own statuses and choices this module must
label; they register them in their `AppConfig.ready()`, so payments never
imports them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from invoicedesk.accounts.models import User
from invoicedesk.core.money import Money

from .models import PaymentLink, PaymentLinkStatus, PaymentTransaction, TransactionKind

STRIPE_ACTOR = "Stripe"
SYSTEM_ACTOR = "invoicedesk"


class HistoryMessage(models.TextChoices):
    """Every sentence the history can say; the label is the template, filled from the row's parameters."""

    # Free text: Stripe's own words (a decline message), or a row whose text predates message codes.
    TEXT = "text", "%(text)s"
    LINK_ISSUED = "link_issued", _("Payment link issued, valid until %(date)s.")
    LINK_REISSUED = (
        "link_reissued",
        _("Payment link re-issued at a new address, valid until %(date)s; the old address no longer works."),
    )
    PAID_BY_CARD = "paid_by_card", _("Paid by card (charge %(charge)s).")
    SECOND_PAYMENT = "second_payment", _("A second payment (%(intent)s) was received for this already paid invoice.")
    AMOUNT_DIFFERS = "amount_differs", _("Stripe received %(received)s but %(due)s was due.")
    PAID_AFTER_LINK_CLOSED = "paid_after_link_closed", _("The payment arrived after the link was %(status)s.")
    PAID_OUTSIDE_CONTRACT = (
        "paid_outside_contract",
        _("No Stripe Credit Card Payment Add-on contract was valid when this payment was settled."),
    )
    CARD_PAYMENT_FAILED = "card_payment_failed", _("The card payment failed.")
    REFUND_REQUESTED = "refund_requested", _("%(classification)s requested.")
    REFUND_SUCCEEDED = "refund_succeeded", _("Refunded by Stripe. Online Payment Link Status is now %(status)s.")
    REFUND_PENDING = "refund_pending", _("Stripe accepted the refund and is still processing it.")
    REFUND_PENDING_REASON = "refund_pending_reason", _("Stripe says: %(reason)s.")
    REFUND_FAILED_AT_STRIPE = "refund_failed_at_stripe", _("Stripe reports the refund %(status)s (%(reason)s).")
    REFUND_REFUSED = "refund_refused", _("Stripe refused the refund: %(message)s")
    REFUND_UNCONFIRMED = (
        "refund_unconfirmed",
        _("Awaiting confirmation from Stripe (%(message)s). The amount stays reserved; do not refund it again."),
    )
    REFUND_MADE_OUTSIDE = (
        "refund_made_outside",
        _("Refund made outside invoicedesk (Stripe Dashboard or another system), found at Stripe."),
    )
    REFUND_DUPLICATED_AT_STRIPE = (
        "refund_duplicated_at_stripe",
        _("Duplicate refund at Stripe, made outside invoicedesk under the reference of refund %(ours)s."),
    )
    REFUND_REVERSED = (
        "refund_reversed",
        _(
            "Stripe reports the refund %(status)s after it had succeeded (%(reason)s). The amount is refundable again; "
            "Online Payment Link Status is now %(link_status)s."
        ),
    )
    REFUND_APPROVED = "refund_approved", _("Approved. %(comment)s")
    REFUND_REJECTED = "refund_rejected", _("Rejected; the amount is refundable again. %(comment)s")
    REFUND_CANCELED = "refund_canceled", _("Request canceled by its requester; the amount is refundable again.")
    REFUND_EXPIRED = "refund_expired", _("Not approved within %(hours)s hours; the amount is refundable again.")
    EMAIL_DELIVERED = "email_delivered", _("Refund email delivered to %(email)s.")
    EMAIL_FAILED = "email_failed", _("Refund email to %(email)s failed after %(attempts)s attempts: %(error)s")
    CORRECTION_DELIVERED = (
        "correction_delivered",
        _("Correction email delivered to %(email)s: the refund did not go through."),
    )
    DISPUTE_OPENED = (
        "dispute_opened",
        _("The buyer's bank opened a dispute of %(amount)s (%(reason)s): %(status)s. Respond in Stripe by %(due)s."),
    )
    DISPUTE_CHANGED = "dispute_changed", _("Dispute of %(amount)s: %(status)s.")
    DISPUTE_WON = "dispute_won", _("Dispute won: the disputed %(amount)s is back and refundable again.")
    DISPUTE_LOST = "dispute_lost", _("Dispute lost: the buyer's bank keeps %(amount)s; it is no longer refundable.")
    DISPUTE_FOUND_ON_REFUSAL = (
        "dispute_found_on_refusal",
        _("Stripe refused the refund because the payment is disputed; the dispute is now recorded here."),
    )
    EMAIL_CANCELED = "email_canceled", _("Refund email to %(email)s not sent: the refund failed before it went out.")


# A message part as stored: [code, {parameter: value}].
MessagePart = tuple[HistoryMessage, Mapping[str, Any]]

# ---------------------------------------------------------------- tagged parameters


def money(value: Money) -> dict[str, Any]:
    """An amount, formatted for the reader's locale."""
    return {"money": [value.amount, value.currency]}


def moment(value: datetime) -> dict[str, Any]:
    """A point in time, shown in the site's time zone."""
    return {"time": value.isoformat()}


def choice(name: str, value: str) -> dict[str, Any]:
    """A value of a registered set of choices (see `register_choices`), shown by its label."""
    return {"choice": name, "value": value}


# ---------------------------------------------------------------- registries filled by the apps that own the labels

_choices: dict[str, type[models.TextChoices]] = {}
_statuses: dict[str, type[models.TextChoices]] = {}


def register_choices(name: str, choices: type[models.TextChoices]) -> None:
    """Make `choice(name, value)` parameters render with `choices`' labels."""
    _choices[name] = choices


def register_statuses(kinds: Iterable[TransactionKind], choices: type[models.TextChoices]) -> None:
    """Rows of these kinds hold statuses from `choices`: their Status column shows its labels."""
    for kind in kinds:
        _statuses[kind] = choices


class PaymentEventStatus(models.TextChoices):
    """Statuses of payment rows that are not link statuses."""

    DUPLICATE = "DUPLICATE", _("Duplicate")
    FAILED = "FAILED", _("Failed")


register_choices("link_status", PaymentLinkStatus)
register_statuses(
    [TransactionKind.LINK_ISSUED, TransactionKind.LINK_CANCELED, TransactionKind.LINK_EXPIRED], PaymentLinkStatus
)

# ---------------------------------------------------------------- writing


def history_record(
    *,
    link: PaymentLink,
    kind: TransactionKind,
    parts: Sequence[MessagePart] = (),
    amount: int | None = None,
    status: str = "",
    stripe_reference: str = "",
    actor_user: User | None = None,
    actor_label: str = "",
    created_at: datetime | None = None,
) -> PaymentTransaction:
    """Append one row to the link's history. Call it inside the transaction that makes the change."""
    for code, params in parts:
        _check_params(code, params)
    return PaymentTransaction.objects.create(
        organization_id=link.invoice.organization_id,
        payment_link=link,
        kind=kind,
        amount=amount,
        currency=link.currency,  # the payment's own, as Stripe charged it
        status=status,
        stripe_reference=stripe_reference,
        actor_user=actor_user,
        actor_label=actor_label,
        message_parts=[[str(code), dict(params)] for code, params in parts],
        created_at=created_at or timezone.now(),
    )


def _check_params(code: HistoryMessage, params: Mapping[str, Any]) -> None:
    # Fail at the writer, in the test that writes it, not in front of a reader.
    _fill(str(code.label), dict.fromkeys(params, "x"))


# ---------------------------------------------------------------- reading


def _render_param(value: Any) -> str:
    if isinstance(value, dict):
        if "money" in value:
            amount, currency = value["money"]
            return Money(int(amount), str(currency)).format()
        if "time" in value:
            return timezone.localtime(datetime.fromisoformat(value["time"])).strftime("%Y-%m-%d %H:%M %Z")
        if "choice" in value:
            choices = _choices.get(value["choice"])
            if choices is not None and value["value"] in choices:
                return str(choices(value["value"]).label)
            return str(value["value"])
    return str(value)


def _fill(template: str, params: Mapping[str, str]) -> str:
    return template % dict(params) if params else template.replace("%%", "%")


def render_message(row: PaymentTransaction) -> str:
    """The row's message in the active language."""
    return render_parts(row.message_parts)


def render_parts(parts: Iterable[Sequence[Any]]) -> str:
    """Message parts as they are stored ([code, params] pairs) in the active language, one sentence after another."""
    sentences = []
    for code, params in parts:
        if code not in HistoryMessage:  # a value of the enum (Python ≥ 3.12), not only a member
            sentences.append(str(params.get("text", "")) if isinstance(params, dict) else "")
            continue
        rendered = {name: _render_param(value) for name, value in params.items()}
        try:
            sentences.append(_fill(str(HistoryMessage(code).label), rendered))
        except (KeyError, ValueError, TypeError):
            # A translation that names its parameters differently must not break the page: say it in English.
            with translation.override(None):
                sentences.append(_fill(str(HistoryMessage(code).label), rendered))
    return " ".join(sentence for sentence in sentences if sentence)


def render_status(row: PaymentTransaction) -> str:
    """The row's status label in the active language."""
    if not row.status:
        return ""
    for choices in (_statuses.get(row.kind), PaymentLinkStatus, PaymentEventStatus):
        if choices is not None and row.status in choices:
            return str(choices(row.status).label)
    return row.status
