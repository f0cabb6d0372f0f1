"""Paths a review found could refund twice, misstate a refund or lose an email; each ends right now."""

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
import stripe
from django.core import mail
from django.utils import timezone

from invoicedesk.accounts.models import Membership
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.notifications.models import Notification, NotificationKind, NotificationStatus
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus
from invoicedesk.refunds.models import ReconciliationRun, Refund, RefundClassification, RefundSource, RefundStatus
from invoicedesk.refunds.outcomes import refund_apply_stripe_refund, refunds_sync_payment
from invoicedesk.refunds.recovery import refunds_recover
from invoicedesk.refunds.selectors import refundable_amount
from invoicedesk.refunds.services import RefundInput, refund_request
from invoicedesk.refunds.tasks import reconcile_nightly_if_due
from invoicedesk.stripe_integration import gateway
from invoicedesk.stripe_integration.dispatch import retry_delay
from tests.stripe_support import StripeLike, stripe_http_client
from tests.worker import QUEUED_ONLY

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def stripe_like(stripe_server: Any) -> Any:
    client = StripeLike()
    with stripe_http_client(client):
        yield client


def ask(invoice: BillingInvoice, amount: int, classification: str = RefundClassification.PARTIAL) -> RefundInput:
    return RefundInput(
        invoice_id=invoice.pk,
        amount=amount,
        classification=RefundClassification(classification),
        idempotency_key=uuid.uuid4(),
    )


def test_a_refund_stripe_has_in_a_status_we_cannot_read_is_never_asked_for_again(
    paid_invoice: BillingInvoice, operator_membership: Membership, stripe_like: StripeLike
) -> None:
    link = PaymentLink.objects.get(invoice=paid_invoice)
    odd = {"id": "re_odd", "object": "refund", "amount": 10_000, "currency": "jpy", "status": "a_new_status"}
    stripe_like.refund_faults = [(200, {**odd, "payment_intent": link.stripe_payment_intent_id})]
    refund = refund_request(actor=operator_membership, request=ask(paid_invoice, 10_000))
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PROCESSING and refund.stripe_refund_id == "re_odd"
    day_ago = timezone.now() - timedelta(hours=25)
    Refund.objects.filter(pk=refund.pk).update(requested_at=day_ago, stripe_first_attempt_at=day_ago)
    posts = stripe_like.refund_posts
    refunds_recover()
    refund.refresh_from_db()
    assert refund.stripe_key_generation == 0 and stripe_like.refund_posts == posts  # no second request
    assert refundable_amount(link).amount == 100_000  # still reserved


def test_a_refund_found_at_stripe_is_never_sent_to_stripe_by_recovery(
    paid_invoice: BillingInvoice, stripe_like: StripeLike
) -> None:
    link = PaymentLink.objects.get(invoice=paid_invoice)
    found = Refund.objects.create(
        organization_id=link.invoice.organization_id,
        payment_link=link,
        amount=5_000,
        currency="JPY",
        classification=RefundClassification.PARTIAL,
        status=RefundStatus.PROCESSING,
        source=RefundSource.STRIPE_DASHBOARD,
        stripe_refund_id="re_dash",
        requested_at=timezone.now() - timedelta(hours=2),
    )
    refunds_recover()
    assert stripe_like.refund_posts == 0
    found.refresh_from_db()
    assert found.stripe_attempts == 0


def test_an_old_answer_to_our_request_does_not_override_a_newer_failure(
    paid_invoice: BillingInvoice, operator_membership: Membership, stripe_like: StripeLike
) -> None:
    refund = refund_request(actor=operator_membership, request=ask(paid_invoice, 110_000, RefundClassification.FULL))
    refund.refresh_from_db()
    stripe_like.later[refund.stripe_refund_id] = {"status": "failed", "failure_reason": "lost_or_stolen_card"}
    refunds_sync_payment(link_id=refund.payment_link_id)  # the webhook's news: failed
    stale = gateway.RefundInfo(
        id=refund.stripe_refund_id,
        status="succeeded",
        amount=110_000,
        currency="JPY",
        payment_intent_id=None,
        failure_reason=None,
    )
    refund_apply_stripe_refund(refund_id=refund.pk, info=stale)  # then the worker's late snapshot
    refund.refresh_from_db()
    assert refund.status == RefundStatus.FAILED
    link = PaymentLink.objects.get(pk=refund.payment_link_id)
    assert link.status == PaymentLinkStatus.PAID and link.amount_refunded == 0


class Unreadable(stripe.RequestsClient):
    name = "unreadable"

    def __init__(self, body: str, status: int) -> None:
        super().__init__()
        self.body, self.status = body, status

    def request(self, method: str, url: str, headers: Any, post_data: Any = None, **kwargs: Any) -> Any:
        return self.body, self.status, {}


@pytest.mark.parametrize(
    ("body", "status", "unknown"),
    [
        ('{"id": "re_1", "obj', 200, True),  # a truncated answer: Stripe may well have acted
        ("<html>Request Timeout</html>", 408, True),  # a proxy's page
        ("", 499, True),
        (json.dumps({"error": {"type": "invalid_request_error", "code": "amount_too_large"}}), 400, False),
        (json.dumps({"error": {"type": "invalid_request_error", "message": "No such payment_intent"}}), 404, False),
    ],
)
def test_only_stripes_clear_refusal_counts_as_not_done(body: str, status: int, unknown: bool, settings: Any) -> None:
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    with stripe_http_client(Unreadable(body, status)), pytest.raises(gateway.StripeGatewayError) as raised:
        gateway.create_refund(payment_intent_id="pi_1", amount=100, metadata={}, idempotency_key="k")
    assert isinstance(raised.value, gateway.StripeUnavailable) is unknown


def test_a_notice_that_may_have_gone_out_is_corrected_and_never_sent_again(
    paid_invoice: BillingInvoice, operator_membership: Membership, stripe_like: StripeLike, settings: Any
) -> None:
    settings.TASKS = QUEUED_ONLY  # queued, not run
    refund = refund_request(actor=operator_membership, request=ask(paid_invoice, 22_000))
    from invoicedesk.refunds.outcomes import refund_execute

    refund_execute(refund_id=refund.pk)
    notice = Notification.objects.get(kind=NotificationKind.REFUND_SUCCEEDED)
    # Handed to the mail server once, then the worker died: it is waiting to be retried.
    Notification.objects.filter(pk=notice.pk).update(status=NotificationStatus.RETRYING, attempts=1)
    refund.refresh_from_db()
    stripe_like.later[refund.stripe_refund_id] = {"status": "failed", "failure_reason": "expired_or_canceled_card"}
    refunds_sync_payment(link_id=refund.payment_link_id)
    notice.refresh_from_db()
    assert notice.status == NotificationStatus.CANCELED
    assert Notification.objects.filter(kind=NotificationKind.REFUND_CORRECTION).exists()
    from invoicedesk.notifications.delivery import notification_deliver

    notification_deliver(notification_id=notice.pk)
    assert not mail.outbox  # the canceled notice stays unsent


def test_the_nightly_reconciliation_starts_once_a_day_whatever_the_restarts(settings: Any) -> None:
    settings.TASKS = QUEUED_ONLY  # queued, not run
    first = reconcile_nightly_if_due()
    assert first is not None
    assert reconcile_nightly_if_due() is None  # another worker, or this one restarted
    ReconciliationRun.objects.filter(pk=first).update(started_at=timezone.now() - timedelta(hours=24))
    assert reconcile_nightly_if_due() not in (None, first)


def test_failed_events_back_off() -> None:
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 9, 10, 20)] == [60, 120, 240, 15360, 21600, 21600]


def test_a_second_stripe_refund_naming_one_request_of_ours_is_counted_not_absorbed(
    paid_invoice: BillingInvoice, operator_membership: Membership, stripe_like: StripeLike
) -> None:
    refund = refund_request(actor=operator_membership, request=ask(paid_invoice, 10_000))
    refund.refresh_from_db()
    link = PaymentLink.objects.get(invoice=paid_invoice)
    # Made at Stripe without our key (another system replaying our metadata, say): Stripe refunded twice.
    gateway.stripe_client().v1.refunds.create(
        params={"charge": link.stripe_charge_id, "amount": 10_000, "metadata": dict(refund_metadata(refund))}
    )
    refunds_sync_payment(link_id=link.pk)
    refund.refresh_from_db()
    assert Refund.objects.filter(payment_link=link).count() == 2
    link.refresh_from_db()
    assert link.amount_refunded == 20_000  # what Stripe holds
    from invoicedesk.alerts.models import Alert, AlertKind

    # Its own alert: a duplicate of a refund of ours, not a stranger's refund.
    assert Alert.objects.filter(kind=AlertKind.REFUND_DUPLICATED_AT_STRIPE).count() == 1
    assert not Alert.objects.filter(kind=AlertKind.REFUND_MADE_OUTSIDE).exists()


def refund_metadata(refund: Refund) -> dict[str, str]:
    return {"refund_id": str(refund.pk), "organization_id": str(refund.organization_id)}


def test_an_email_reclaimed_by_a_job_that_then_died_is_still_sent(
    paid_invoice: BillingInvoice, operator_membership: Membership, stripe_like: StripeLike, settings: Any
) -> None:
    from invoicedesk.notifications.delivery import notifications_overdue, notifications_reclaim

    refund_request(actor=operator_membership, request=ask(paid_invoice, 10_000))
    notice = Notification.objects.get()
    Notification.objects.filter(pk=notice.pk).update(
        status=NotificationStatus.SENDING, sent_at=None, sending_since=timezone.now() - timedelta(minutes=10)
    )
    assert notifications_reclaim(lease=timedelta(minutes=5)) == [notice.pk]  # …and the worker dies before enqueueing
    notice.refresh_from_db()
    assert notice.status == NotificationStatus.RETRYING and notice.next_attempt_at is not None
    # Once the grace is over, the overdue sweep finds it (before, a reclaimed row had no time and was never found).
    Notification.objects.filter(pk=notice.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=6))
    assert notifications_overdue(grace=timedelta(minutes=5)) == [notice.pk]


def test_refunds_above_what_we_recorded_as_paid_raise_an_alert_instead_of_failing(
    paid_invoice: BillingInvoice, stripe_like: StripeLike
) -> None:
    from invoicedesk.alerts.models import Alert, AlertKind

    link = PaymentLink.objects.get(invoice=paid_invoice)
    PaymentLink.objects.filter(pk=link.pk).update(amount_paid=100_000)  # our record is wrong
    gateway.stripe_client().v1.refunds.create(params={"charge": link.stripe_charge_id, "amount": 110_000})
    refunds_sync_payment(link_id=link.pk)
    link.refresh_from_db()
    assert link.status == PaymentLinkStatus.REFUNDED and link.amount_refunded == 100_000
    assert Alert.objects.filter(kind=AlertKind.PAYMENT_DIFFERS, subject__endswith="refunded_above_paid").exists()


def test_a_stripe_answer_with_another_amount_raises_an_alert(
    paid_invoice: BillingInvoice, operator_membership: Membership, stripe_like: StripeLike
) -> None:
    from invoicedesk.alerts.models import Alert, AlertKind

    link = PaymentLink.objects.get(invoice=paid_invoice)
    odd = {"id": "re_other", "object": "refund", "amount": 1_000, "currency": "jpy", "status": "succeeded"}
    stripe_like.refund_faults = [(200, {**odd, "payment_intent": link.stripe_payment_intent_id})]
    refund_request(actor=operator_membership, request=ask(paid_invoice, 10_000))
    alert = Alert.objects.get(kind=AlertKind.PAYMENT_DIFFERS, subject="re_other:refund_differs")
    assert "1000 JPY" in alert.detail and "10000 JPY" in alert.detail
