"""`make run`'s books, as issue #22's done-when asks: the demo seeded against localstripe charging Stripe's 3.6 % fee
(serve_demo's --fee-percent) and the registry's double (devtools.registry_double), INV-2026-0001 refunded 22,000,
then this month's Accounting export downloaded in each of the three formats."""

import csv
import io
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from invoicedesk.accounting.models import RegistryRecord, RegistryStatus
from invoicedesk.accounts.models import Membership, User
from invoicedesk.alerts.models import Alert, AlertKind
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.devtools.demo import seed_demo
from invoicedesk.devtools.localstripe import LocalStripe
from invoicedesk.devtools.registry_double import (
    BUYER_NUMBERS,
    CANCELED_BUYER,
    CANCELED_ON,
    DEMO_APP_ID,
    UNKNOWN_BUYER,
    RegistryDouble,
)
from invoicedesk.payments.models import PaymentLink
from invoicedesk.refunds.models import Refund, RefundClassification, RefundStatus
from invoicedesk.refunds.services import RefundInput, refund_request

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def registry_double(settings: Any) -> Iterator[RegistryDouble]:
    double = RegistryDouble().start()
    settings.NTA_APP_ID = DEMO_APP_ID
    settings.NTA_API_URL = double.url
    settings.NTA_TIMEOUT_SECONDS = 5
    try:
        yield double
    finally:
        double.stop()


def _rows(data: bytes, encoding: str) -> list[list[str]]:
    text = data.decode(encoding)
    assert "\n" not in text.replace("\r\n", "")  # CRLF, every line
    return list(csv.reader(io.StringIO(text)))


def test_the_demos_books_carry_the_refund_and_the_fee_in_every_format_and_flag_a_canceled_buyer(
    stripe_server_with_fees: LocalStripe, registry_double: RegistryDouble, login: Callable[[User], Client]
) -> None:
    demo = seed_demo().organization
    first = BillingInvoice.objects.get(organization=demo, number="INV-2026-0001")
    link = PaymentLink.objects.get(invoice=first)
    assert (link.stripe_fee, link.stripe_fee_currency) == (3_960, "JPY")  # 3.6 % of 110,000, as Stripe reported it

    operator = Membership.objects.select_related("organization", "user").get(user__email="operator@demo.test")
    refund_request(
        actor=operator,
        request=RefundInput(
            invoice_id=first.pk,
            amount=22_000,
            classification=RefundClassification.PARTIAL,
            idempotency_key=uuid.uuid4(),
        ),
    )
    refund = Refund.objects.get(payment_link=link)
    assert refund.status == RefundStatus.SUCCEEDED

    admin = login(User.objects.get(email="admin@demo.test"))
    page = admin.get("/billing/accounting/")  # this month by default
    assert page.status_code == 200
    month = {"start": page.context["form"]["start"].value(), "end": page.context["form"]["end"].value()}

    # format → (encoding, header row?, columns of: debit account, debit tax category, debit amount, debit tax,
    # credit amount, memo)
    formats = {
        "freee": ("utf-8-sig", True, (3, 6, 7, 8, 13, 15)),
        "moneyforward": ("cp932", True, (2, 6, 8, 9, 16, 18)),
        "yayoi": ("cp932", False, (4, 7, 8, 9, 14, 16)),
    }
    for name, (encoding, header, (account, category, amount, tax, credit, memo)) in formats.items():
        response = admin.get("/billing/accounting/download", {**month, "format": name})
        assert response.status_code == 200, name
        rows = _rows(b"".join(response.streaming_content), encoding)  # type: ignore[attr-defined]
        body = rows[1:] if header else rows
        ours = [row for row in body if "INV-2026-0001" in row[memo]]
        [returned] = [row for row in ours if row[account] == "売上値引・返品"]
        assert (returned[category], returned[amount], returned[tax], returned[credit]) == (
            "課税売上返還10%",
            "22000",
            "2000",
            "22000",  # balanced: the one line's debit is its credit
        ), name
        [fee] = [row for row in ours if row[account] == "支払手数料"]
        assert (fee[amount], fee[credit]) == ("3960", "3960"), name

    # The registry double answered every demo number; the buyer whose number was canceled is flagged on its
    # invoices sold after the cancellation, the unknown number on all, with alerts; the seller's own is registered.
    assert RegistryRecord.objects.get(number=BUYER_NUMBERS[CANCELED_BUYER]).disposal_date == date.fromisoformat(
        CANCELED_ON
    )
    assert RegistryRecord.objects.get(number=BUYER_NUMBERS[UNKNOWN_BUYER]).status == RegistryStatus.UNKNOWN
    after = BillingInvoice.objects.filter(
        organization=demo, buyer__company_name=CANCELED_BUYER, issue_date__gte=CANCELED_ON
    ).first()
    before = BillingInvoice.objects.filter(
        organization=demo, buyer__company_name=CANCELED_BUYER, issue_date__lt=CANCELED_ON
    ).first()
    assert after is not None and before is not None
    flagged = admin.get(reverse("backoffice:invoice_detail", kwargs={"invoice_id": after.pk})).content.decode()
    assert 'data-testid="registry-flag"' in flagged and CANCELED_ON in flagged
    clean = admin.get(reverse("backoffice:invoice_detail", kwargs={"invoice_id": before.pk})).content.decode()
    assert 'data-testid="registry-flag"' not in clean
    assert Alert.objects.filter(organization=demo, kind=AlertKind.BUYER_REGISTRATION_INVALID).count() == 2
    settings_page = admin.get("/billing/settings/").content.decode()
    assert "デモセラー株式会社" in settings_page and 'data-testid="own-registry-invalid"' not in settings_page
