"""`manage.py reconcile_stripe` on records that differ from localstripe's, before and after --fix."""

import io
import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command

from invoicedesk.accounts.models import Membership
from invoicedesk.alerts.models import Alert
from invoicedesk.audit.models import AuditAction, AuditEntry
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.devtools.localstripe import LocalStripe
from invoicedesk.devtools.test_cards import pay_with_test_card
from invoicedesk.payments import services as payment_services
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus
from invoicedesk.refunds.models import Refund, RefundClassification, RefundSource, RefundStatus
from invoicedesk.refunds.services import RefundInput, refund_request
from invoicedesk.stripe_integration import gateway
from tests import factories
from tests.stripe_support import StripeLike, stripe_http_client

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("reconcile_stripe", *args, stdout=out, stderr=io.StringIO())
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_reconcile_reports_differences_fixes_what_stripe_settles_and_exits_1_while_any_remain(
    make_paid_invoice: Callable[..., BillingInvoice], operator_membership: Membership, org: Any
) -> None:
    fake = StripeLike()
    with stripe_http_client(fake):
        # A: paid at Stripe, never recorded here (its webhook was lost).
        unrecorded = factories.invoice(org, number="INV-A", amount=50_000)
        intent = payment_services.payment_intent_for_link(link=unrecorded.payment_link)
        pay_with_test_card(payment_intent_id=intent.id)
        # B: a Dashboard refund we never heard of, and a refund we think succeeded that Stripe never had.
        b = make_paid_invoice(number="INV-B", amount=40_000)
        b_link = PaymentLink.objects.get(invoice=b)
        gateway.stripe_client().v1.refunds.create(params={"charge": b_link.stripe_charge_id, "amount": 4_000})
        Refund.objects.create(
            organization=org,
            payment_link=b_link,
            amount=1_000,
            currency="JPY",
            classification=RefundClassification.PARTIAL,
            status=RefundStatus.SUCCEEDED,
            stripe_refund_id="re_ghost",
        )
        # C: a refund that failed at Stripe after we recorded its success.
        c = make_paid_invoice(number="INV-C", amount=30_000)
        refund = refund_request(
            actor=operator_membership,
            request=RefundInput(
                invoice_id=c.pk,
                amount=30_000,
                classification=RefundClassification.FULL,
                idempotency_key=uuid.uuid4(),
            ),
        )
        refund.refresh_from_db()
        fake.later[refund.stripe_refund_id] = {"status": "failed", "failure_reason": "expired_or_canceled_card"}

        status, report = run()
        assert status == 1
        for expected in (
            r"INV-A +paid_at_stripe_only .* True",
            r"INV-B +refund_missing_here .* 4000 succeeded +True",
            r"INV-B +refund_missing_at_stripe +re_ghost .* False",
            r"INV-C +refund_status_differs .* SUCCEEDED +FAILED +True",
        ):
            assert re.search(expected, report), report
        assert (
            PaymentLink.objects.get(invoice=unrecorded).status == PaymentLinkStatus.UNPAID
        )  # a report changes nothing

        status, report = run("--fix")
        assert status == 1 and "re_ghost" in report  # not Stripe's to settle: it stays, for a person
        assert "INV-A" not in report and "INV-C" not in report
        assert PaymentLink.objects.get(invoice=unrecorded).status == PaymentLinkStatus.PAID
        outside = Refund.objects.get(payment_link=b_link, source=RefundSource.STRIPE_DASHBOARD)
        assert outside.amount == 4_000 and outside.status == RefundStatus.SUCCEEDED
        refund.refresh_from_db()
        assert refund.status == RefundStatus.FAILED
        assert PaymentLink.objects.get(invoice=c).status == PaymentLinkStatus.PAID
        assert Alert.objects.filter(organization=org).count() >= 2

        Refund.objects.filter(stripe_refund_id="re_ghost").delete()
        PaymentLink.objects.filter(pk=b_link.pk).update(amount_refunded=4_000)
        status, report = run("--organization", str(org.pk), "--since", "2020-01-01")
        assert (status, report.strip()) == (0, "No differences: our records agree with Stripe.")


def test_bad_arguments_are_refused_with_a_message() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("reconcile_stripe", "--since", "yesterday")
    with pytest.raises(CommandError, match="No organization"):
        call_command("reconcile_stripe", "--organization", "Nobody K.K.")


def test_reconcile_compares_stripes_fee_records_a_missing_one_and_corrects_another(
    org: Any, stripe_server_with_fees: LocalStripe
) -> None:
    missing = factories.pay_through_stripe(factories.invoice(org, number="INV-FEE-1", amount=110_000))
    differs = factories.pay_through_stripe(factories.invoice(org, number="INV-FEE-2", amount=55_000))
    assert PaymentLink.objects.get(invoice=missing).stripe_fee == 3_960  # recorded from Stripe's answer
    PaymentLink.objects.filter(invoice=missing).update(stripe_fee=None, stripe_balance_transaction_id="")
    PaymentLink.objects.filter(invoice=differs).update(stripe_fee=1_000)

    status, report = run()
    assert status == 1
    assert re.search(r"INV-FEE-1 +fee_missing_here +txn_\w+ +— +3960 JPY +True", report), report
    assert re.search(r"INV-FEE-2 +fee_differs +txn_\w+ +1000 JPY +1980 JPY +True", report), report
    assert PaymentLink.objects.get(invoice=missing).stripe_fee is None  # a report changes nothing

    status, report = run("--fix")
    assert (status, report.strip()) == (0, "No differences: our records agree with Stripe."), report
    fixed = PaymentLink.objects.get(invoice=missing)
    assert (fixed.stripe_fee, fixed.stripe_fee_currency) == (3_960, "JPY")
    assert fixed.stripe_balance_transaction_id.startswith("txn_")
    corrected = PaymentLink.objects.get(invoice=differs)
    assert corrected.stripe_fee == 1_980
    # Correcting a fee we had recorded is audited, with what it was.
    entry = AuditEntry.objects.get(
        action=AuditAction.PAYMENT_RECORD, object_id=str(corrected.pk), before__stripe_fee=1_000
    )
    assert entry.after["stripe_fee"] == 1_980
