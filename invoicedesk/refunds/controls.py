"""Internal control judged over everything a refund touches, never over the one request in hand.

- Approval: the policy weighs what the whole payment will have returned with this request (refunded + held +
  in flight + this amount), and an optional per-person daily limit weighs what the requester has refunded today
  without a second person. No threshold can be split into smaller refunds.
- Stale forms: a form (or API call) carries the payment's state it was decided on (`payment_state`); a request
  decided on a state that is gone is refused as `payment_changed`, naming what changed.
- Repeats: the same amount again on the same payment within 24 hours must be asked for explicitly.

Every function here is called by refunds.services / refunds.approvals under the payment link's row lock.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from invoicedesk.accounts.models import ApprovalPolicy, Organization, User
from invoicedesk.core.errors import ErrorCode, ServiceError
from invoicedesk.core.money import Money
from invoicedesk.core.text import moment_text
from invoicedesk.payments.models import PaymentLink

from .models import Refund, RefundSource, RefundStatus

# A refund of the same amount on the same payment within this window must be confirmed as a repeat.
REPEAT_WINDOW = timedelta(hours=24)
# Statuses whose money left (or is leaving) the seller: these make a later identical refund a possible duplicate.
_RETURNING = (RefundStatus.PENDING_APPROVAL, RefundStatus.PROCESSING, RefundStatus.PENDING, RefundStatus.SUCCEEDED)
# Refunds that went (or are going) to Stripe on the requester's word alone count towards their daily limit.
_UNAPPROVED_SENT = (RefundStatus.PROCESSING, RefundStatus.PENDING, RefundStatus.SUCCEEDED)


# ---------------------------------------------------------------- approval


@dataclass(frozen=True)
class HoldReason:
    """Why the approval policy holds a refund; stored on the refund (JSON) and rendered in the reader's language."""

    code: str  # always | payment_amount | payment_share | daily_limit
    facts: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, **self.facts}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HoldReason:
        facts = dict(data)
        return cls(code=str(facts.pop("code", "")), facts=facts)

    def text(self) -> str:
        currency = str(self.facts.get("currency", ""))

        def money(key: str) -> str:
            return Money(int(self.facts.get(key, 0)), currency).format()

        match self.code:
            case "always":
                return _("The organization's policy holds every refund for approval.")
            case "payment_amount":
                return _(
                    "With this refund %(returned)s of %(paid)s will have been returned: at or above the "
                    "organization's %(threshold)s approval threshold."
                ) % {"returned": money("returned"), "paid": money("paid"), "threshold": money("threshold")}
            case "payment_share":
                return _(
                    "With this refund %(returned)s of %(paid)s (%(share)s%%) will have been returned: at or above "
                    "the organization's approval threshold of %(threshold)s%% of the payment."
                ) % {
                    "returned": money("returned"),
                    "paid": money("paid"),
                    "share": self.facts.get("share", ""),
                    "threshold": self.facts.get("threshold", ""),
                }
            case "daily_limit":
                return _(
                    "With this refund, the refunds you made today without approval come to %(today)s: above the "
                    "organization's limit of %(limit)s per person per day."
                ) % {"today": money("today"), "limit": money("limit")}
            case "daily_limit_currency":
                return _(
                    "The organization's daily limit per person is in %(limit_currency)s; a refund in %(currency)s "
                    "cannot be weighed against it, so it waits for approval."
                ) % {"limit_currency": self.facts.get("limit_currency", ""), "currency": currency}
        return self.code


def hold_reasons_text(reasons: list[dict[str, Any]]) -> list[str]:
    return [HoldReason.from_json(reason).text() for reason in reasons]


def _returned_with(link: PaymentLink, amount: int, *, excluding: int | None) -> int:
    """What the payment will have returned with `amount` more: refunded + held + in flight (+ this amount)."""
    reserving = Refund.objects.filter(payment_link=link, status__in=RefundStatus.reserving())
    if excluding is not None:
        reserving = reserving.exclude(pk=excluding)
    return int(reserving.aggregate(total=Sum("amount"))["total"] or 0) + amount


def _start_of_day(organization: Organization, now: datetime) -> datetime:
    local = now.astimezone(ZoneInfo(organization.time_zone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _unapproved_today(organization: Organization, requester: User, currency: str, *, excluding: int | None) -> int:
    refunds = Refund.objects.filter(
        organization=organization,
        requested_by=requester,
        source=RefundSource.APP,
        decided_at__isnull=True,
        status__in=_UNAPPROVED_SENT,
        currency=currency,
        requested_at__gte=_start_of_day(organization, timezone.now()),
    )
    if excluding is not None:
        refunds = refunds.exclude(pk=excluding)
    return int(refunds.aggregate(total=Sum("amount"))["total"] or 0)


def approval_hold_reasons(
    *, link: PaymentLink, amount: int, requester: User | None, excluding: int | None = None
) -> list[HoldReason]:
    """Why the organization's policy holds a refund of `amount` on this payment; empty: it may go at once.

    `excluding` is the refund being judged when it already holds its own amount (re-checked at approval).
    The caller holds the payment link's lock (and, with a daily limit, the requester's membership lock).
    """
    organization = link.invoice.organization
    currency = link.currency
    reasons: list[HoldReason] = []
    if organization.refund_approval_policy == ApprovalPolicy.ALWAYS:
        reasons.append(HoldReason("always", {"currency": currency}))
    elif organization.refund_approval_policy == ApprovalPolicy.ABOVE:
        returned = _returned_with(link, amount, excluding=excluding)
        paid = link.amount_paid
        facts = {"currency": currency, "returned": returned, "paid": paid}
        threshold = organization.refund_approval_threshold_amount
        if threshold is not None and returned >= threshold:
            reasons.append(HoldReason("payment_amount", {**facts, "threshold": threshold}))
        percent = organization.refund_approval_threshold_percent
        if percent is not None and returned * 100 >= paid * percent:
            share = returned * 100 // paid if paid else 100
            reasons.append(HoldReason("payment_share", {**facts, "share": share, "threshold": percent}))
    limit = organization.refund_daily_limit_per_person
    if limit is not None and requester is not None:
        if currency != organization.currency:
            facts = {"currency": currency, "limit_currency": organization.currency}
            reasons.append(HoldReason("daily_limit_currency", facts))
        else:
            today = _unapproved_today(organization, requester, currency, excluding=excluding) + amount
            if today > limit:
                reasons.append(HoldReason("daily_limit", {"currency": currency, "today": today, "limit": limit}))
    return reasons


# ---------------------------------------------------------------- the payment's state

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def payment_state(link: PaymentLink) -> str:
    """A token of what the payment is now: what was paid and every refund's status.

    "<digest>.<watermark>": requests compare the digest; the watermark (the latest refund change, µs since 1970)
    lets a refusal name what changed since. Equal states give equal tokens, so it also serves as the payment's ETag.
    """
    rows = list(
        Refund.objects.filter(payment_link=link).order_by("pk").values_list("pk", "status", "amount", "updated_at")
    )
    refunds = ";".join(f"{pk}:{status}:{amount}" for pk, status, amount, _changed in rows)
    text = f"{link.amount_paid}|{link.currency}|{refunds}"
    digest = hashlib.sha256(text.encode()).hexdigest()[:20]
    watermark = max((row[3] for row in rows), default=None)
    return f"{digest}.{(watermark - _EPOCH) // _MICROSECOND if watermark else 0}"


def _digest(token: str) -> str:
    return token.partition(".")[0]


def _since(token: str) -> datetime | None:
    raw = token.partition(".")[2]
    if not raw.isdigit() or len(raw) > 17:
        return None
    return _EPOCH + int(raw) * _MICROSECOND


def _who(refund: Refund) -> str:
    if refund.source != RefundSource.APP:
        return _("in the Stripe Dashboard")
    return _("by %(who)s") % {"who": refund.requested_by.email if refund.requested_by else "—"}


def describe_change(refund: Refund) -> str:
    """One refund's latest change, in words: "¥22,000 was refunded at 10:04:31 JST by operator@…"."""
    amount = refund.money.format()
    requested = {"amount": amount, "when": moment_text(refund.requested_at, "seconds"), "who": _who(refund)}
    changed = {"amount": amount, "when": moment_text(refund.updated_at, "seconds"), "who": _who(refund)}
    match refund.status:
        case RefundStatus.SUCCEEDED:
            when = moment_text(refund.succeeded_at or refund.updated_at, "seconds")
            return _("%(amount)s was refunded at %(when)s %(who)s") % {**requested, "when": when}
        case RefundStatus.PENDING_APPROVAL:
            return _("a refund of %(amount)s was requested at %(when)s %(who)s and awaits approval") % requested
        case RefundStatus.PROCESSING | RefundStatus.PENDING:
            return _("a refund of %(amount)s was requested at %(when)s %(who)s and is awaiting Stripe") % requested
        case RefundStatus.FAILED:
            return _("a refund of %(amount)s failed at %(when)s") % changed
        case RefundStatus.REJECTED:
            return _("a refund request of %(amount)s was rejected at %(when)s") % changed
        case RefundStatus.EXPIRED:
            return _("a refund request of %(amount)s expired at %(when)s") % changed
        case _:
            return _("a refund of %(amount)s was canceled at %(when)s") % changed


def check_payment_unchanged(*, link: PaymentLink, expected_state: str | None, refundable: Money) -> None:
    """Refuse a request decided on a state of the payment that is gone (`payment_changed`), naming what changed."""
    if not expected_state:
        return
    current = payment_state(link)
    if _digest(current) == _digest(expected_state):
        return
    since = _since(expected_state)
    refunds = Refund.objects.filter(payment_link=link).select_related("requested_by").order_by("-updated_at", "-pk")
    changed = list(refunds.filter(updated_at__gt=since)[:3]) if since is not None else []
    if not changed:
        changed = list(refunds[:1])
    what = "; ".join(describe_change(refund) for refund in changed)
    raise ServiceError(
        _("This payment changed after the form was opened: %(what)s. The Refundable Amount is now %(refundable)s.")
        % {"what": what or _("its refunds changed"), "refundable": refundable.format()},
        code=ErrorCode.PAYMENT_CHANGED,
        details={
            "payment_state": current,
            "refundable": {"amount": refundable.amount, "currency": refundable.currency},
            "changed_refund_ids": [refund.pk for refund in changed],
        },
    )


def check_expected_refundable(*, expected: int | None, refundable: Money) -> None:
    """The API's `expected_refundable`: the Refundable Amount the client decided on."""
    if expected is None or expected == refundable.amount:
        return
    raise ServiceError(
        _(
            "This payment changed: you expected a Refundable Amount of %(expected)s, it is now %(refundable)s. "
            "Check the payment's refunds and ask again."
        )
        % {"expected": Money(expected, refundable.currency).format(), "refundable": refundable.format()},
        code=ErrorCode.PAYMENT_CHANGED,
        field="expected_refundable",
        details={"refundable": {"amount": refundable.amount, "currency": refundable.currency}},
    )


# ---------------------------------------------------------------- repeats


def earlier_same_refund(*, link: PaymentLink, amount: int) -> Refund | None:
    """A refund of the same amount on this payment requested in the last 24 hours that returned (or is returning)
    money, newest first."""
    return (
        Refund.objects.filter(
            payment_link=link,
            amount=amount,
            status__in=_RETURNING,
            requested_at__gte=timezone.now() - REPEAT_WINDOW,
        )
        .select_related("requested_by")
        .order_by("-requested_at", "-pk")
        .first()
    )


def check_not_a_repeat(*, link: PaymentLink, amount: int, confirm_repeat: bool) -> None:
    """The same amount again within 24 hours needs the explicit `confirm_repeat` (`possible_duplicate`)."""
    if confirm_repeat:
        return
    earlier = earlier_same_refund(link=link, amount=amount)
    if earlier is None:
        return
    raise ServiceError(
        _(
            "A refund of %(amount)s was already requested on this payment at %(when)s %(who)s. If the buyer is owed "
            "%(amount)s again, confirm that this is a second refund."
        )
        % {"amount": earlier.money.format(), "when": moment_text(earlier.requested_at), "who": _who(earlier)},
        code=ErrorCode.POSSIBLE_DUPLICATE,
        field="confirm_repeat",
        details={
            "earlier_refund_id": earlier.pk,
            "requested_at": earlier.requested_at.isoformat(),
            "requested_by": earlier.requested_by.email if earlier.requested_by else None,
        },
    )
