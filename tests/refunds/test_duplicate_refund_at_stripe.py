"""A second refund at Stripe naming one of ours (a script, a retry by hand under a new key): reconciliation
reports it as a duplicate, --fix and the nightly run record it as a refund made outside invoicedesk, never
merged into ours, with its own alert."""

import io
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import translation

from invoicedesk.accounts.models import Membership, Organization, Role
from invoicedesk.alerts.models import Alert, AlertKind
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.notifications.models import Notification, NotificationKind
from invoicedesk.payments.history import HistoryMessage, render_message
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus, PaymentTransaction, TransactionKind
from invoicedesk.refunds.models import ReconciliationRun, Refund, RefundClassification, RefundSource, RefundStatus
from invoicedesk.refunds.outcomes import refunds_sync_payment
from invoicedesk.refunds.selectors import refundable_amount
from invoicedesk.refunds.services import RefundInput, refund_request
from invoicedesk.refunds.tasks import reconcile_nightly_if_due
from invoicedesk.stripe_integration import gateway
from tests import factories
from tests.stripe_support import StripeLike, stripe_http_client

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def stripe_like(stripe_server: Any) -> Any:
    client = StripeLike()
    with stripe_http_client(client):
        yield client


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("reconcile_stripe", *args, stdout=out, stderr=io.StringIO())
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue()
    return 0, out.getvalue()


def our_refund(actor: Membership, invoice: BillingInvoice, amount: int) -> Refund:
    """A refund through the normal procedure (executed at Stripe at once: tasks run on commit in tests)."""
    refund = refund_request(
        actor=actor,
        request=RefundInput(
            invoice_id=invoice.pk,
            amount=amount,
            classification=RefundClassification.PARTIAL,
            idempotency_key=uuid.uuid4(),
        ),
    )
    refund.refresh_from_db()
    return refund


def refund_again_at_stripe(link: PaymentLink, amount: int, *, refund_id: int, organization_id: int) -> str:
    """A second refund made straight at Stripe, under a new key, carrying our refund's reference."""
    made = gateway.stripe_client().v1.refunds.create(
        params={
            "payment_intent": link.stripe_payment_intent_id,
            "amount": amount,
            "metadata": {"refund_id": str(refund_id), "organization_id": str(organization_id)},
        },
        options={"idempotency_key": f"by-hand-{uuid.uuid4()}"},
    )
    return str(made.id)


def test_a_duplicate_is_reported_then_recorded_as_a_refund_made_outside_with_its_alert(
    make_paid_invoice: Callable[..., BillingInvoice],
    operator_membership: Membership,
    org: Organization,
    stripe_like: StripeLike,
) -> None:
    invoice = make_paid_invoice(number="INV-DUP", amount=110_000)
    link = PaymentLink.objects.get(invoice=invoice)
    ours = our_refund(operator_membership, invoice, 6_000)
    assert ours.status == RefundStatus.SUCCEEDED and ours.stripe_refund_id
    extra = refund_again_at_stripe(link, 20_000, refund_id=ours.pk, organization_id=org.pk)

    status, report = run()
    assert status == 1, report
    named = rf"refund #{ours.pk} \({ours.stripe_refund_id}\)"
    assert re.search(rf"INV-DUP +duplicate_refund_at_stripe +{extra} +{named} +20000 succeeded +True", report), report
    assert "refunded_total_differs" not in report  # the total is explained by the duplicate, not said instead of it
    # Found is enough for a person to hear of it, before anyone runs --fix.
    alert = Alert.objects.get(kind=AlertKind.REFUND_DUPLICATED_AT_STRIPE)
    assert (alert.subject, alert.amount, alert.invoice_id) == (extra, 20_000, invoice.pk)
    assert f"#{ours.pk} ({ours.stripe_refund_id})" in alert.detail
    assert Refund.objects.filter(payment_link=link).count() == 1  # a report changes nothing

    status, report = run("--fix")
    assert (status, report.strip()) == (0, "No differences: our records agree with Stripe."), report
    outside = Refund.objects.get(stripe_refund_id=extra)
    assert (outside.source, outside.status, outside.amount) == (
        RefundSource.STRIPE_DASHBOARD,
        RefundStatus.SUCCEEDED,
        20_000,
    )
    ours_after = Refund.objects.get(pk=ours.pk)  # never merged into ours
    assert (ours_after.amount, ours_after.stripe_refund_id) == (6_000, ours.stripe_refund_id)
    link.refresh_from_db()
    assert (link.amount_refunded, link.status) == (26_000, PaymentLinkStatus.PARTIALLY_REFUNDED)
    assert refundable_amount(link).amount == 84_000
    row = PaymentTransaction.objects.get(payment_link=link, kind=TransactionKind.REFUND, stripe_reference=extra)
    assert row.message_parts[0][0] == HistoryMessage.REFUND_DUPLICATED_AT_STRIPE
    with translation.override("en"):
        assert f"reference of refund #{ours.pk} ({ours.stripe_refund_id})" in render_message(row)
    with translation.override("ja"):
        assert "重複返金" in render_message(row)
    # One alert for the duplicate, found then recorded; not the generic one besides.
    assert list(Alert.objects.values_list("kind", "subject")) == [(AlertKind.REFUND_DUPLICATED_AT_STRIPE, extra)]
    # The organization emails buyers about outside refunds (the default): the duplicate's email is queued.
    assert Notification.objects.filter(kind=NotificationKind.REFUND_SUCCEEDED, refund=outside).count() == 1

    assert run() == (0, "No differences: our records agree with Stripe.\n")


def test_of_two_stripe_refunds_naming_a_request_whose_answer_was_lost_the_first_is_ours(
    make_paid_invoice: Callable[..., BillingInvoice],
    operator_membership: Membership,
    org: Organization,
    stripe_like: StripeLike,
) -> None:
    invoice = make_paid_invoice(number="INV-LOST", amount=50_000)
    link = PaymentLink.objects.get(invoice=invoice)
    stripe_like.refund_faults = ["timeout_after"]  # Stripe refunds; its answer never reaches us
    ours = our_refund(operator_membership, invoice, 10_000)
    assert ours.status == RefundStatus.PROCESSING and not ours.stripe_refund_id
    refund_again_at_stripe(link, 10_000, refund_id=ours.pk, organization_id=org.pk)
    first, second = gateway.list_refunds(payment_intent_id=link.stripe_payment_intent_id)

    status, report = run()
    assert status == 1
    duplicates = re.findall(r"INV-LOST +duplicate_refund_at_stripe +(\S+) +refund #(\d+) \((\S+)\)", report)
    assert duplicates == [(second.id, str(ours.pk), first.id)], report  # what --fix will do, said beforehand
    assert re.search(rf"INV-LOST +refund_status_differs +{first.id} +PROCESSING +SUCCEEDED +True", report), report

    status, report = run("--fix")
    assert status == 0, report
    ours.refresh_from_db()
    assert (ours.stripe_refund_id, ours.status) == (first.id, RefundStatus.SUCCEEDED)
    duplicate = Refund.objects.get(stripe_refund_id=second.id)
    assert duplicate.source == RefundSource.STRIPE_DASHBOARD and duplicate.pk != ours.pk
    link.refresh_from_db()
    assert link.amount_refunded == 20_000
    assert Alert.objects.filter(kind=AlertKind.REFUND_DUPLICATED_AT_STRIPE, subject=second.id).count() == 1


@pytest.mark.parametrize(
    ("stripe_status", "recorded", "refunded", "refundable"),
    [
        ("pending", RefundStatus.PENDING, 6_000, 84_000),  # held at Stripe: reserved, not yet refunded
        ("failed", RefundStatus.FAILED, 6_000, 104_000),  # no money moved, but someone tried: still alerted
    ],
)
def test_a_duplicate_still_pending_or_failed_at_stripe_is_recorded_as_stripe_has_it(
    make_paid_invoice: Callable[..., BillingInvoice],
    operator_membership: Membership,
    org: Organization,
    stripe_like: StripeLike,
    stripe_status: str,
    recorded: RefundStatus,
    refunded: int,
    refundable: int,
) -> None:
    invoice = make_paid_invoice(number="INV-HELD", amount=110_000)
    link = PaymentLink.objects.get(invoice=invoice)
    ours = our_refund(operator_membership, invoice, 6_000)
    extra = refund_again_at_stripe(link, 20_000, refund_id=ours.pk, organization_id=org.pk)
    stripe_like.later[extra] = {"status": stripe_status, "failure_reason": "unknown"}

    status, report = run()
    assert status == 1 and re.search(rf"duplicate_refund_at_stripe +{extra} .* 20000 {stripe_status} +True", report)

    assert run("--fix")[0] == 0
    duplicate = Refund.objects.get(stripe_refund_id=extra)
    assert (duplicate.source, duplicate.status) == (RefundSource.STRIPE_DASHBOARD, recorded)
    link.refresh_from_db()
    assert link.amount_refunded == refunded and refundable_amount(link).amount == refundable
    assert Alert.objects.filter(kind=AlertKind.REFUND_DUPLICATED_AT_STRIPE, subject=extra).exists()
    assert not Notification.objects.filter(refund=duplicate).exists()  # the buyer hears of money returned only


def test_a_stripe_refund_naming_a_refund_that_is_not_this_payments_is_a_duplicate_too(
    make_paid_invoice: Callable[..., BillingInvoice],
    operator_membership: Membership,
    org: Organization,
    stripe_like: StripeLike,
) -> None:
    elsewhere = make_paid_invoice(number="INV-ELSEWHERE", amount=30_000)
    theirs = our_refund(operator_membership, elsewhere, 3_000)
    invoice = make_paid_invoice(number="INV-NAMED", amount=30_000)
    link = PaymentLink.objects.get(invoice=invoice)
    # A script copied another payment's metadata, and another never refers to any refund we have.
    wrong = refund_again_at_stripe(link, 1_000, refund_id=theirs.pk, organization_id=org.pk)
    unknown = refund_again_at_stripe(link, 2_000, refund_id=999_999, organization_id=org.pk)

    status, report = run()
    assert status == 1
    assert re.search(rf"INV-NAMED +duplicate_refund_at_stripe +{wrong} +refund #{theirs.pk} +1000", report), report
    assert re.search(rf"INV-NAMED +duplicate_refund_at_stripe +{unknown} +refund #999999 +2000", report), report

    assert run("--fix")[0] == 0  # recorded, not left "not yet visible" for ever
    assert set(
        Refund.objects.filter(payment_link=link, source=RefundSource.STRIPE_DASHBOARD).values_list(
            "stripe_refund_id", flat=True
        )
    ) == {wrong, unknown}
    assert Refund.objects.get(pk=theirs.pk).payment_link_id != link.pk
    link.refresh_from_db()
    assert link.amount_refunded == 3_000
    assert Alert.objects.filter(kind=AlertKind.REFUND_DUPLICATED_AT_STRIPE).count() == 2


def test_a_stripe_refund_naming_a_request_never_sent_to_stripe_is_not_absorbed_by_it(
    make_paid_invoice: Callable[..., BillingInvoice],
    operator_membership: Membership,
    org: Organization,
    stripe_like: StripeLike,
) -> None:
    invoice = make_paid_invoice(number="INV-HELD-FOR-APPROVAL", amount=60_000)
    link = PaymentLink.objects.get(invoice=invoice)
    Organization.objects.filter(pk=org.pk).update(email_buyer_on_outside_refunds=False)
    held = Refund.objects.create(
        organization=org,
        payment_link=link,
        amount=10_000,
        currency="JPY",
        classification=RefundClassification.PARTIAL,
        status=RefundStatus.PENDING_APPROVAL,
        requested_by=operator_membership.user,
    )
    extra = refund_again_at_stripe(link, 10_000, refund_id=held.pk, organization_id=org.pk)

    refunds_sync_payment(link_id=link.pk)  # the webhook's path records it the same way

    held.refresh_from_db()
    assert (held.status, held.stripe_refund_id) == (RefundStatus.PENDING_APPROVAL, "")
    duplicate = Refund.objects.get(stripe_refund_id=extra)
    assert (duplicate.source, duplicate.status) == (RefundSource.STRIPE_DASHBOARD, RefundStatus.SUCCEEDED)
    link.refresh_from_db()
    assert link.amount_refunded == 10_000
    assert Alert.objects.filter(kind=AlertKind.REFUND_DUPLICATED_AT_STRIPE, subject=extra).exists()
    # This organization does not email buyers about refunds made outside invoicedesk.
    assert not Notification.objects.filter(refund=duplicate).exists()
    assert run() == (0, "No differences: our records agree with Stripe.\n")


def test_the_nightly_run_records_a_duplicate_and_raises_its_alert_without_a_person(
    make_paid_invoice: Callable[..., BillingInvoice],
    operator_membership: Membership,
    org: Organization,
    stripe_like: StripeLike,
) -> None:
    admin = factories.member(org, Role.ADMIN, email="admin@example.test")
    invoice = make_paid_invoice(number="INV-NIGHT", amount=110_000)
    link = PaymentLink.objects.get(invoice=invoice)
    ours = our_refund(operator_membership, invoice, 6_000)
    extra = refund_again_at_stripe(link, 20_000, refund_id=ours.pk, organization_id=org.pk)

    run_id = reconcile_nightly_if_due()  # its task runs on commit in tests

    assert run_id is not None
    assert ReconciliationRun.objects.get(pk=run_id).differences_left == 0
    assert Refund.objects.get(stripe_refund_id=extra).source == RefundSource.STRIPE_DASHBOARD
    link.refresh_from_db()
    assert link.amount_refunded == 26_000
    alert = Alert.objects.get(kind=AlertKind.REFUND_DUPLICATED_AT_STRIPE)
    assert alert.subject == extra and alert.acknowledged_at is None
    # Admins get the alert by email, as for every alert.
    assert Notification.objects.get(kind=NotificationKind.ALERT, alert=alert).to_email == admin.email
