"""The Refunds tab: every refund of the organization, by refund date, amount, buyer, status and type together."""

import csv
import io
import uuid
from datetime import UTC, datetime

import pytest
from django.test import Client

from invoicedesk.accounts.models import Organization, Role
from invoicedesk.payments.models import PaymentLinkStatus
from invoicedesk.refunds.models import Refund, RefundStatus
from tests import factories
from tests.http import streamed_text

pytestmark = pytest.mark.django_db


def refund(invoice, amount: int, status: str, when: datetime, classification: str = "PARTIAL") -> Refund:
    return Refund.objects.create(
        organization=invoice.organization,
        payment_link=invoice.payment_link,
        amount=amount,
        currency="JPY",
        classification=classification,
        status=status,
        idempotency_key=uuid.uuid4(),
        requested_at=when,
        succeeded_at=when if status == RefundStatus.SUCCEEDED else None,
    )


@pytest.fixture
def refunds(org: Organization, other_org: Organization) -> None:
    sakura = factories.buyer(org, "Sakura Trading Co., Ltd.", email="billing@sakura-trading.example")
    fuji = factories.buyer(org, "Fuji Components K.K.", email="ap@fuji.example")
    paid = {"link_status": PaymentLinkStatus.PARTIALLY_REFUNDED, "amount": 110_000}
    a = factories.invoice(org, number="INV-S-1", bill_to=sakura, **paid)  # type: ignore[arg-type]
    b = factories.invoice(org, number="INV-F-1", bill_to=fuji, **paid)  # type: ignore[arg-type]
    refund(a, 22_000, RefundStatus.SUCCEEDED, datetime(2026, 5, 10, 3, 0, tzinfo=UTC))
    refund(a, 5_000, RefundStatus.FAILED, datetime(2026, 5, 20, 3, 0, tzinfo=UTC))
    refund(b, 22_000, RefundStatus.SUCCEEDED, datetime(2026, 6, 1, 3, 0, tzinfo=UTC))
    theirs = factories.invoice(other_org, number="INV-S-1", bill_to=factories.buyer(other_org, "Sakura"), **paid)  # type: ignore[arg-type]
    refund(theirs, 22_000, RefundStatus.SUCCEEDED, datetime(2026, 5, 10, 3, 0, tzinfo=UTC))


def test_filters_combine_and_stay_in_the_organization(refunds: None, operator_client: Client) -> None:
    listing = operator_client.get("/billing/refunds/").content.decode()
    assert listing.count('href="/billing/invoices/') == 3  # never the other organization's
    found = operator_client.get(
        "/billing/refunds/",
        {"refunded_from": "2026-05-01", "refunded_to": "2026-05-31", "amount_min": "20,000", "buyer": "sakura"},
    ).content.decode()
    assert found.count('href="/billing/invoices/') == 1 and "¥22,000" in found and "INV-S-1" in found
    failed = operator_client.get("/billing/refunds/", {"status": "FAILED"}).content.decode()
    assert failed.count('href="/billing/invoices/') == 1 and "¥5,000" in failed
    refused = operator_client.get("/billing/refunds/", {"refunded_from": "2026-06-01", "refunded_to": "2026-05-01"})
    assert 'data-testid="refunded_to-error"' in refused.content.decode()


def test_the_csv_holds_the_whole_result_for_a_period(refunds: None, operator_client: Client) -> None:
    response = operator_client.get("/billing/refunds/", {"refunded_from": "2026-05-01", "format": "csv"})
    assert response.streaming and "refunds-" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(streamed_text(response))))
    assert rows[0][:3] == ["Refund date", "Billing Invoice No.", "Bill to"]
    assert sorted((row[1], row[4], row[7]) for row in rows[1:]) == [
        ("INV-F-1", "22000", "Succeeded"),
        ("INV-S-1", "22000", "Succeeded"),
        ("INV-S-1", "5000", "Failed"),
    ]
    assert rows[-1][0].startswith("2026-05-10T12:00:00+09:00")  # the organization's time zone


def test_viewers_see_the_tab_too(refunds: None, org: Organization) -> None:
    client = Client()
    client.force_login(factories.member(org, Role.VIEWER))
    assert 'data-testid="refunds-tab"' in client.get("/billing/").content.decode()
    assert client.get("/billing/refunds/").status_code == 200


def test_the_search_box_finds_refunds_by_invoice_buyer_amount_and_stripe_id(
    refunds: None, operator_client: Client
) -> None:
    Refund.objects.filter(amount=5_000).update(stripe_refund_id="re_3FailedOne")
    for term, expected in [("S-1", 2), ("fuji", 1), ("ap@fuji", 1), ("5000", 1), ("¥22,000", 2), ("re_3Failed", 1)]:
        page = operator_client.get("/billing/refunds/", {"q": term}).content.decode()
        assert page.count('href="/billing/invoices/') == expected, term
    marked = operator_client.get("/billing/refunds/", {"q": "fuji"}).content.decode()
    assert "<mark>Fuji</mark>" in marked
