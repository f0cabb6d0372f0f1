"""A lost dispute (chargeback) is its own journal entry: the disputed amount out of Stripe's funds into a loss
account (雑損失 by default, outside consumption tax), dated when it was recorded as lost; open and won disputes are
not journalled."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from invoicedesk.accounting.exports import ExportFormat, export_bytes
from invoicedesk.accounting.journal import EntryKind, JournalEntry, Period, journal_entries
from invoicedesk.accounting.models import AccountingSettings
from invoicedesk.accounts.models import Organization
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus
from invoicedesk.refunds.disputes import dispute_record_stripe
from invoicedesk.stripe_integration.gateway import DisputeInfo
from tests import factories

pytestmark = pytest.mark.django_db


def _today() -> Period:
    today = timezone.localdate()
    return Period(today - timedelta(days=1), today + timedelta(days=1))


def _paid_link(org: Organization) -> PaymentLink:
    invoice = factories.invoice(
        org,
        number="INV-2026-0007",
        bill_to=factories.buyer(org, "Kaede Foods K.K."),
        amount=110_000,
        link_status=PaymentLinkStatus.PAID,
        issue_date=timezone.localdate(),
    )
    link = invoice.payment_link
    link.paid_at = timezone.now() - timedelta(hours=1)
    link.stripe_payment_intent_id, link.stripe_charge_id = "pi_disputed", "ch_disputed"
    link.save()
    return link


def _stripe_says(link: PaymentLink, status: str, amount: int = 60_000) -> None:
    dispute_record_stripe(
        info=DisputeInfo(
            id="dp_journal",
            status=status,
            amount=amount,
            currency="JPY",
            reason="fraudulent",
            charge_id=link.stripe_charge_id,
            payment_intent_id=link.stripe_payment_intent_id,
            evidence_due_by=timezone.now() + timedelta(days=10),
            is_charge_refundable=False,
        ),
        link_id=link.pk,
    )


def _lost(org: Organization) -> list[JournalEntry]:
    return [e for e in journal_entries(organization=org, period=_today()) if e.kind == EntryKind.DISPUTE_LOST]


def test_a_lost_dispute_is_a_balanced_loss_out_of_stripes_funds(org: Organization) -> None:
    link = _paid_link(org)
    _stripe_says(link, "needs_response")
    _stripe_says(link, "under_review")
    assert _lost(org) == []  # open: nothing is lost yet
    _stripe_says(link, "lost")
    _stripe_says(link, "lost")  # repeated: still one entry
    [entry] = _lost(org)
    [line] = entry.lines
    assert (line.debit.account, line.debit.tax_category, line.debit.amount) == ("雑損失", "対象外", 60_000)
    assert (line.credit.account, line.credit.sub_account, line.credit.amount) == ("未収入金", "Stripe", 60_000)
    assert entry.balanced and entry.debits == entry.credits == 60_000
    assert entry.invoice_number == "INV-2026-0007" and entry.counterparty == "Kaede Foods K.K."
    assert entry.stripe_ids == ("dp_journal", "ch_disputed")
    assert "チャージバック" in entry.memo and "dp_journal" in entry.memo
    assert entry.day == timezone.localdate()
    # After the payment in time order.
    kinds = [e.kind for e in journal_entries(organization=org, period=_today())]
    assert kinds == [EntryKind.PAYMENT, EntryKind.DISPUTE_LOST]
    data = json.loads(b"".join(export_bytes(journal_entries(organization=org, period=_today()), ExportFormat.JSON)))
    lost = [e for e in data["entries"] if e["kind"] == "dispute_lost"]
    assert len(lost) == 1 and lost[0]["balanced"] is True
    for export_format in (ExportFormat.FREEE, ExportFormat.MONEY_FORWARD, ExportFormat.YAYOI):
        body = b"".join(export_bytes(journal_entries(organization=org, period=_today()), export_format))
        assert "雑損失".encode("cp932" if export_format != ExportFormat.FREEE else "utf-8") in body


def test_a_won_dispute_is_not_journalled(org: Organization) -> None:
    link = _paid_link(org)
    _stripe_says(link, "needs_response")
    _stripe_says(link, "won")
    assert _lost(org) == []


def test_the_loss_account_is_the_organizations_setting(org: Organization) -> None:
    AccountingSettings.objects.create(organization=org, dispute_loss_account="貸倒損失")
    _stripe_says(_paid_link(org), "lost")
    [entry] = _lost(org)
    assert entry.lines[0].debit.account == "貸倒損失"
