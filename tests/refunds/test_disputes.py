"""Disputes (issue 20, item 4): recorded from signed `charge.dispute.*` events and from Stripe's `charge_disputed`
refusal, and their effect on the Refundable Amount, the Refund button and the modal.

localstripe has no disputes: `StripeLike` serves Stripe's documented dispute objects at the SDK boundary and refuses
refunds of a disputed payment as Stripe does; the events are signed here as Stripe signs them.
"""

import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from invoicedesk.accounts.models import Membership, Role, User
from invoicedesk.alerts.models import Alert, AlertKind
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.core.errors import ErrorCode, ServiceError
from invoicedesk.payments.history import render_message
from invoicedesk.payments.models import PaymentLink, TransactionKind
from invoicedesk.refunds.disputes import disputes_alert_due_soon
from invoicedesk.refunds.models import Dispute, Refund, RefundClassification, RefundStatus
from invoicedesk.refunds.selectors import refundable_amount
from invoicedesk.refunds.services import RefundInput, refund_request
from tests import factories, worker
from tests.stripe_support import StripeLike, dispute_object, event_payload, signature_header, stripe_http_client

pytestmark = pytest.mark.django_db(transaction=True)

DISPUTE_EVENTS = (
    "charge.dispute.created",
    "charge.dispute.updated",
    "charge.dispute.closed",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.funds_reinstated",
)


@pytest.fixture
def stripe_like(stripe_server: Any) -> Any:
    client = StripeLike()
    with stripe_http_client(client):
        yield client


def link_of(invoice: BillingInvoice) -> PaymentLink:
    return PaymentLink.objects.get(invoice=invoice)


def ask(invoice: BillingInvoice, amount: int, classification: str = RefundClassification.PARTIAL) -> RefundInput:
    return RefundInput(
        invoice_id=invoice.pk,
        amount=amount,
        classification=RefundClassification(classification),
        idempotency_key=uuid.uuid4(),
    )


def deliver(settings: Any, event_type: str, obj: dict[str, Any]) -> None:
    payload = event_payload(event_type, obj, event_id=f"evt_{uuid.uuid4().hex[:12]}")
    response = Client().post(
        "/stripe/webhook/",
        payload,
        content_type="application/json",
        headers={"stripe-signature": signature_header(payload, settings.STRIPE_WEBHOOK_SECRET)},
    )
    assert response.status_code == 200
    worker.run_worker()


def stripe_disputes(stripe_like: StripeLike, link: PaymentLink, **fields: Any) -> dict[str, Any]:
    """Stripe now has this dispute on the payment (replacing what it had): the object its events carry."""
    dispute = dispute_object(
        dispute_id=fields.pop("dispute_id", "dp_test_1"),
        payment_intent=link.stripe_payment_intent_id,
        charge=link.stripe_charge_id,
        amount=fields.pop("amount", link.amount_paid),
        **fields,
    )
    stripe_like.disputes[link.stripe_payment_intent_id] = [dispute]
    return dispute


def in_days(days: float) -> int:
    return int(time.time() + days * 86400)


def test_a_chargeback_empties_the_refundable_amount_until_won_and_the_page_says_why(
    paid_invoice: BillingInvoice,
    operator_client: Client,
    operator_membership: Membership,
    stripe_like: StripeLike,
    settings: Any,
) -> None:
    link = link_of(paid_invoice)
    detail = f"/billing/invoices/{paid_invoice.pk}/"
    opened = stripe_disputes(stripe_like, link, status="needs_response", due_by=in_days(10))
    deliver(settings, "charge.dispute.created", opened)
    deliver(settings, "charge.dispute.created", opened)  # delivered twice: one dispute, one history row
    dispute = Dispute.objects.get()
    assert (dispute.stripe_dispute_id, dispute.amount, dispute.reason, dispute.status) == (
        "dp_test_1",
        110_000,
        "fraudulent",
        "needs_response",
    )
    assert dispute.evidence_due_by is not None and not dispute.is_charge_refundable
    link.refresh_from_db()
    assert refundable_amount(link).amount == 0
    assert link.transactions.filter(kind=TransactionKind.DISPUTE).count() == 1
    assert list(Alert.objects.values_list("kind", flat=True)) == [AlertKind.DISPUTE_OPENED]  # not due within 3 days

    page = operator_client.get(detail).content.decode()
    assert 'data-testid="refund-button"' not in page
    assert "Stripe refuses refunds of a disputed payment" in page
    assert "Disputed ¥110,000 — respond in Stripe by" in page
    listing = operator_client.get("/billing/").content.decode()
    assert 'data-testid="disputed"' in listing and "Disputed ¥110,000 — respond in Stripe by" in listing
    with pytest.raises(ServiceError) as refused:
        refund_request(actor=operator_membership, request=ask(paid_invoice, 10_000))
    assert refused.value.code is ErrorCode.AMOUNT_EXCEEDS_REFUNDABLE

    deliver(settings, "charge.dispute.funds_withdrawn", stripe_disputes(stripe_like, link, status="under_review"))
    assert refundable_amount(link).amount == 0
    won = stripe_disputes(stripe_like, link, status="won")
    deliver(settings, "charge.dispute.funds_reinstated", won)
    deliver(settings, "charge.dispute.closed", won)
    assert Dispute.objects.get().status == "won"
    assert refundable_amount(link).amount == 110_000
    history = [render_message(row) for row in link.transactions.filter(kind=TransactionKind.DISPUTE)]
    assert len(history) == 3  # opened, under review, won: a repeated state writes nothing
    assert any("Dispute won" in text for text in history)
    assert 'data-testid="refund-button"' in operator_client.get(detail).content.decode()
    assert 'data-testid="disputed"' not in operator_client.get("/billing/").content.decode()  # closed
    refund = refund_request(actor=operator_membership, request=ask(paid_invoice, 10_000))
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED


def test_a_closed_event_arriving_first_ends_the_same(
    paid_invoice: BillingInvoice, stripe_like: StripeLike, settings: Any
) -> None:
    link = link_of(paid_invoice)
    old = dispute_object(
        dispute_id="dp_test_1",
        payment_intent=link.stripe_payment_intent_id,
        charge=link.stripe_charge_id,
        amount=110_000,
    )
    won = stripe_disputes(stripe_like, link, status="won")
    deliver(settings, "charge.dispute.closed", won)
    deliver(settings, "charge.dispute.created", old)  # late: its copy says needs_response; Stripe says won
    assert Dispute.objects.get().status == "won"
    assert refundable_amount(link).amount == 110_000


def test_a_lost_dispute_leaves_paid_minus_refunded_minus_lost(
    paid_invoice: BillingInvoice,
    operator_client: Client,
    operator_membership: Membership,
    stripe_like: StripeLike,
    settings: Any,
) -> None:
    link = link_of(paid_invoice)
    refund_request(actor=operator_membership, request=ask(paid_invoice, 10_000))
    deliver(settings, "charge.dispute.created", stripe_disputes(stripe_like, link, amount=60_000))
    assert refundable_amount(link).amount == 0
    deliver(settings, "charge.dispute.closed", stripe_disputes(stripe_like, link, amount=60_000, status="lost"))
    link.refresh_from_db()
    assert refundable_amount(link).amount == 110_000 - 10_000 - 60_000
    with pytest.raises(ServiceError, match="¥40,000"):
        refund_request(actor=operator_membership, request=ask(paid_invoice, 40_001))
    history = [render_message(row) for row in link.transactions.filter(kind=TransactionKind.DISPUTE)]
    assert any("Dispute lost" in text and "¥60,000" in text for text in history)
    page = operator_client.get(f"/billing/invoices/{paid_invoice.pk}/").content.decode()
    assert "¥40,000" in page and 'data-testid="refund-button"' in page


def test_a_lost_dispute_of_the_whole_payment_says_why_nothing_is_left(
    paid_invoice: BillingInvoice, operator_client: Client, stripe_like: StripeLike, settings: Any
) -> None:
    link = link_of(paid_invoice)
    deliver(settings, "charge.dispute.closed", stripe_disputes(stripe_like, link, status="lost"))
    page = operator_client.get(f"/billing/invoices/{paid_invoice.pk}/").content.decode()
    assert "lost in a dispute" in page and 'data-testid="refund-button"' not in page


def test_an_inquiry_stripe_lets_us_refund_keeps_the_amount_and_the_modal_says_what_a_full_refund_does(
    paid_invoice: BillingInvoice,
    operator_client: Client,
    stripe_like: StripeLike,
    settings: Any,
    login: Callable[[User], Client],
) -> None:
    link = link_of(paid_invoice)
    inquiry = stripe_disputes(stripe_like, link, status="warning_needs_response", is_charge_refundable=True)
    deliver(settings, "charge.dispute.created", inquiry)
    assert refundable_amount(link).amount == 110_000
    modal = operator_client.get(f"/billing/invoices/{paid_invoice.pk}/refund/").content.decode()
    assert 'data-testid="refund-dispute-note"' in modal
    assert "A full refund stops any further withdrawal for this dispute" in modal
    japanese = login(factories.member(paid_invoice.organization, Role.OPERATOR, email="ja@example.test", language="ja"))
    modal = japanese.get(f"/billing/invoices/{paid_invoice.pk}/refund/").content.decode()
    assert "全額返金すると、この異議申し立てによる以後の引き落としは止まり" in modal


def test_an_open_dispute_holds_an_approval_too(
    paid_invoice: BillingInvoice, operator_membership: Membership, stripe_like: StripeLike, settings: Any
) -> None:
    """The approver's re-check reads the same reserved amount under the lock: a dispute opened while a request
    waited makes it impossible to approve."""
    from invoicedesk.refunds.approvals import refund_approve

    org = paid_invoice.organization
    org.refund_approval_policy = "always"
    org.save()
    held = refund_request(actor=operator_membership, request=ask(paid_invoice, 10_000))
    assert held.status == RefundStatus.PENDING_APPROVAL
    deliver(settings, "charge.dispute.created", stripe_disputes(stripe_like, link_of(paid_invoice)))
    approver = factories.member(org, Role.APPROVER, email="approver@example.test")
    membership = Membership.objects.select_related("organization", "user").get(user=approver)
    with pytest.raises(ServiceError) as refused:
        refund_approve(actor=membership, refund_id=held.pk)
    assert refused.value.code is ErrorCode.AMOUNT_EXCEEDS_REFUNDABLE


def test_charge_disputed_from_stripe_records_the_dispute_first_and_says_so(
    paid_invoice: BillingInvoice, operator_membership: Membership, stripe_like: StripeLike
) -> None:
    """The dispute's webhook has not come yet: Stripe's refusal is how we learn of it."""
    link = link_of(paid_invoice)
    stripe_disputes(stripe_like, link, status="needs_response", due_by=in_days(2))
    refund = refund_request(actor=operator_membership, request=ask(paid_invoice, 10_000))
    refund.refresh_from_db()
    assert (refund.status, refund.failure_code) == (RefundStatus.FAILED, "charge_disputed")
    assert Dispute.objects.get().stripe_dispute_id == "dp_test_1"
    assert refundable_amount(link).amount == 0
    refused = link.transactions.filter(kind=TransactionKind.REFUND_UPDATE).first()
    assert refused is not None and "the dispute is now recorded here" in render_message(refused)
    # Due within 3 days: both alerts, once each.
    assert sorted(Alert.objects.values_list("kind", flat=True)) == sorted(
        [AlertKind.DISPUTE_OPENED, AlertKind.DISPUTE_DUE_SOON]
    )


def test_a_due_date_coming_closer_is_alerted_by_the_periodic_check_once(
    paid_invoice: BillingInvoice, stripe_like: StripeLike, settings: Any
) -> None:
    link = link_of(paid_invoice)
    deliver(settings, "charge.dispute.created", stripe_disputes(stripe_like, link, due_by=in_days(5)))
    assert not Alert.objects.filter(kind=AlertKind.DISPUTE_DUE_SOON).exists()
    Dispute.objects.update(evidence_due_by=timezone.now() + timedelta(days=2))
    assert disputes_alert_due_soon() == 1
    assert disputes_alert_due_soon() == 1
    assert Alert.objects.filter(kind=AlertKind.DISPUTE_DUE_SOON).count() == 1


def test_a_dispute_is_shown_only_to_its_organization(
    paid_invoice: BillingInvoice,
    stripe_like: StripeLike,
    settings: Any,
    other_org: Any,
    login: Callable[[User], Client],
) -> None:
    deliver(settings, "charge.dispute.created", stripe_disputes(stripe_like, link_of(paid_invoice)))
    stranger = login(factories.member(other_org, Role.OPERATOR, email="stranger@example.test"))
    assert stranger.get(f"/billing/invoices/{paid_invoice.pk}/").status_code == 404


@pytest.mark.parametrize("event_type", DISPUTE_EVENTS)
def test_every_dispute_event_for_no_payment_of_ours_is_acknowledged(
    event_type: str, stripe_like: StripeLike, settings: Any
) -> None:
    obj = dispute_object(dispute_id="dp_x", payment_intent="", charge="ch_unknown", amount=1000)
    obj["payment_intent"] = None
    deliver(settings, event_type, obj)
    assert not Dispute.objects.exists() and not Refund.objects.exists()


def test_each_dispute_transition_is_in_the_audit_trail_in_words(
    paid_invoice: BillingInvoice, stripe_like: StripeLike, settings: Any, login: Callable[[User], Client]
) -> None:
    from invoicedesk.audit.models import AuditAction, AuditEntry

    link = link_of(paid_invoice)
    opened = stripe_disputes(stripe_like, link, status="needs_response", due_by=in_days(10))
    deliver(settings, "charge.dispute.created", opened)
    deliver(settings, "charge.dispute.created", opened)  # repeated: no second entry
    deliver(settings, "charge.dispute.funds_withdrawn", stripe_disputes(stripe_like, link, status="under_review"))
    deliver(settings, "charge.dispute.closed", stripe_disputes(stripe_like, link, status="lost"))
    dispute = Dispute.objects.get()
    entries = list(AuditEntry.objects.filter(object_type="refunds.Dispute").order_by("id"))
    assert [e.action for e in entries] == [
        AuditAction.DISPUTE_OPEN,
        AuditAction.DISPUTE_CHANGE,
        AuditAction.DISPUTE_LOST,
    ]
    assert {e.object_id for e in entries} == {str(dispute.pk)}
    assert all(e.organization_id == paid_invoice.organization_id and e.actor_id is None for e in entries)
    assert entries[0].after["status"] == "needs_response" and entries[0].after["amount"] == 110_000
    assert (entries[2].before, entries[2].after["status"]) == ({"status": "under_review"}, "lost")
    assert dispute.lost_at is not None

    admin = login(factories.member(paid_invoice.organization, Role.ADMIN, email="ja-admin@example.test", language="ja"))
    log = admin.get("/billing/audit/").content.decode()
    assert "異議申し立ての開始（Stripe）" in log and "異議申し立ての敗訴" in log
    assert "INV-2026-0001 の ￥110,000 の異議申し立て" in log  # the dispute, linked to its payment
    assert "敗訴（返還確定）" in log  # Stripe's status in our words


def test_a_dispute_first_heard_of_when_won_is_opened_and_won_in_the_audit_trail(
    paid_invoice: BillingInvoice, stripe_like: StripeLike, settings: Any
) -> None:
    from invoicedesk.audit.models import AuditAction, AuditEntry

    deliver(settings, "charge.dispute.closed", stripe_disputes(stripe_like, link_of(paid_invoice), status="won"))
    actions = list(
        AuditEntry.objects.filter(object_type="refunds.Dispute").order_by("id").values_list("action", flat=True)
    )
    assert actions == [AuditAction.DISPUTE_OPEN, AuditAction.DISPUTE_WON]
    assert Dispute.objects.get().lost_at is None
