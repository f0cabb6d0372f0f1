"""Money that refunds hold and have not returned (awaiting approval, awaiting Stripe) is shown where money is shown:
the detail page's payment card, the invoice list's Refunded column and the Refunds tab, in English and Japanese."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from invoicedesk.accounts.models import AddonContract, Organization, Role, User
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus
from invoicedesk.refunds.models import Refund, RefundSource, RefundStatus
from invoicedesk.refunds.selectors import held_money, held_money_of_links
from tests import factories

pytestmark = pytest.mark.django_db

# 10:04 in Tokyo, the organization's time zone.
REQUESTED_AT = datetime(2026, 12, 5, 1, 4, tzinfo=UTC)


def _refund(
    invoice: BillingInvoice,
    amount: int,
    status: str,
    *,
    by: User | None = None,
    requested_at: datetime = REQUESTED_AT,
    **fields: Any,
) -> Refund:
    return Refund.objects.create(
        organization=invoice.organization,
        payment_link=invoice.payment_link,
        amount=amount,
        currency="JPY",
        classification="PARTIAL",
        status=status,
        idempotency_key=uuid.uuid4(),
        requested_by=by,
        requested_at=requested_at,
        **fields,
    )


def _paid(org: Organization, number: str, amount: int = 220_000, refunded: int = 0) -> BillingInvoice:
    invoice = factories.invoice(org, number=number, amount=amount, link_status=PaymentLinkStatus.PAID)
    PaymentLink.objects.filter(invoice=invoice).update(
        addon_contract=AddonContract.objects.get(organization=org),
        amount_refunded=refunded,
        status=PaymentLinkStatus.PARTIALLY_REFUNDED if refunded else PaymentLinkStatus.PAID,
    )
    invoice.payment_link.refresh_from_db()
    return invoice


@pytest.fixture
def held_invoice(org: Organization, operator: User) -> BillingInvoice:
    """INV-2026-0030: ¥220,000 paid, ¥10,000 refunded, ¥60,000 awaiting approval, ¥22,000 awaiting Stripe."""
    invoice = _paid(org, "INV-2026-0030", refunded=10_000)
    _refund(invoice, 10_000, RefundStatus.SUCCEEDED, by=operator, succeeded_at=REQUESTED_AT)
    _refund(invoice, 60_000, RefundStatus.PENDING_APPROVAL, by=operator)
    _refund(invoice, 15_000, RefundStatus.PROCESSING, by=operator)
    _refund(invoice, 7_000, RefundStatus.PENDING, by=operator)
    _refund(invoice, 5_000, RefundStatus.REJECTED, by=operator)  # released: holds nothing
    _refund(invoice, 4_000, RefundStatus.FAILED, by=operator)
    return invoice


def _text(html: str) -> str:
    """The page's text as a reader sees it: tags dropped, blanks collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _testid(html: str, testid: str) -> str:
    match = re.search(rf'<(\w+)[^>]*data-testid="{testid}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, f"no {testid}"
    return _text(match.group(2)).strip()


def test_the_detail_page_says_what_is_held_by_whom_and_how_the_refundable_amount_comes_about(
    held_invoice: BillingInvoice, operator_client: Client
) -> None:
    html = operator_client.get(f"/billing/invoices/{held_invoice.pk}/").content.decode()
    assert _testid(html, "held") == (
        "¥60,000 awaiting approval (requested by operator@example.test at 2026-12-05 10:04 JST) ¥22,000 awaiting Stripe"
    )
    assert _testid(html, "refundable-amount") == "¥128,000"
    assert _testid(html, "refundable-explained") == "= ¥220,000 paid − ¥10,000 refunded − ¥82,000 held"
    assert _testid(html, "refundable-held-note") == "¥82,000 is held by refunds awaiting approval or Stripe."
    assert "¥10,000 of ¥220,000" in _text(html)


def test_the_detail_page_in_japanese(
    held_invoice: BillingInvoice, org: Organization, login: Callable[[User], Client]
) -> None:
    client = login(factories.member(org, Role.VIEWER, email="viewer@example.test", language="ja"))
    html = client.get(f"/billing/invoices/{held_invoice.pk}/").content.decode()
    assert "<dt>保留中</dt>" in html
    assert _testid(html, "held") == (
        "￥60,000 承認待ち（operator@example.testが2026-12-05 10:04 JSTに依頼） ￥22,000 Stripeの確認待ち"
    )
    assert _testid(html, "refundable-explained") == "= 支払済み金額 ￥220,000 − 返金済み額 ￥10,000 − 保留中 ￥82,000"
    assert _testid(html, "refundable-held-note") == "￥82,000は承認待ちまたはStripeの確認待ちの返金で保留中です。"


def test_times_follow_the_organizations_time_zone(
    held_invoice: BillingInvoice, org: Organization, login: Callable[[User], Client]
) -> None:
    org.time_zone = "America/New_York"
    org.save(update_fields=["time_zone"])
    client = login(factories.member(org, Role.VIEWER))
    assert "at 2026-12-04 20:04 EST)" in _testid(
        client.get(f"/billing/invoices/{held_invoice.pk}/").content.decode(), "held"
    )


def test_each_request_awaiting_approval_is_named_and_a_dashboard_refund_by_its_source(
    org: Organization, operator: User, operator_client: Client
) -> None:
    invoice = _paid(org, "INV-2026-0031")
    approver = factories.member(org, Role.APPROVER, email="approver@example.test")
    _refund(invoice, 30_000, RefundStatus.PENDING_APPROVAL, by=operator)
    _refund(
        invoice,
        20_000,
        RefundStatus.PENDING_APPROVAL,
        by=approver,
        requested_at=datetime(2026, 12, 6, 0, 0, tzinfo=UTC),
    )
    _refund(invoice, 9_000, RefundStatus.PENDING, source=RefundSource.STRIPE_DASHBOARD)
    held = _testid(operator_client.get(f"/billing/invoices/{invoice.pk}/").content.decode(), "held")
    assert held == (
        "¥30,000 awaiting approval (requested by operator@example.test at 2026-12-05 10:04 JST) "
        "¥20,000 awaiting approval (requested by approver@example.test at 2026-12-06 09:00 JST) "
        "¥9,000 awaiting Stripe"
    )


def test_nothing_held_says_nothing_and_still_explains_the_refundable_amount(
    org: Organization, operator_client: Client
) -> None:
    invoice = _paid(org, "INV-2026-0032", amount=330_000)
    html = operator_client.get(f"/billing/invoices/{invoice.pk}/").content.decode()
    assert 'data-testid="held"' not in html and 'data-testid="refundable-held-note"' not in html
    assert _testid(html, "refundable-explained") == "= ¥330,000 paid − ¥0 refunded − ¥0 held"


def test_the_list_shows_held_money_in_the_refunded_column(
    held_invoice: BillingInvoice, org: Organization, login: Callable[[User], Client], operator_client: Client
) -> None:
    _paid(org, "INV-2026-0033")  # nothing held: only a dash
    html = operator_client.get("/billing/?number=INV-2026-003").content.decode()
    number = r'<td class="mono"[^>]*>(?:<a [^>]*>)?(INV-2026-\d+)(?:</a>)?</td>'
    cells = dict(re.findall(number + r'.*?data-testid="refunded">(.*?)</td>', html, re.S))
    assert _text(cells["INV-2026-0030"]).strip() == (
        "¥10,000 ¥60,000 awaiting approval (requested by operator@example.test at 2026-12-05 10:04 JST) "
        "¥22,000 awaiting Stripe"
    )
    assert _text(cells["INV-2026-0033"]).strip() == "—"

    japanese = login(factories.member(org, Role.VIEWER, language="ja"))
    html = japanese.get("/billing/?number=INV-2026-0030").content.decode()
    assert "￥60,000 承認待ち（operator@example.testが2026-12-05 10:04 JSTに依頼）" in html
    assert "￥22,000 Stripeの確認待ち" in html


def test_the_list_reads_held_money_in_one_query_whatever_the_number_of_rows(
    org: Organization, operator: User, operator_client: Client
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert operator_client.get("/billing/").status_code == 200
        return len(captured)

    first = _paid(org, "INV-Q-0001")
    _refund(first, 1_000, RefundStatus.PENDING_APPROVAL, by=operator)
    queries()  # the session's first request renews it: not a page's own work
    one_row = queries()
    for n in range(2, 8):
        invoice = _paid(org, f"INV-Q-{n:04d}")
        _refund(invoice, 1_000, RefundStatus.PENDING_APPROVAL, by=operator)
        _refund(invoice, 2_000, RefundStatus.PROCESSING, by=operator)
    assert queries() == one_row
    assert operator_client.get("/billing/").content.decode().count("awaiting Stripe") == 6


def test_held_money_stays_in_its_organization(
    held_invoice: BillingInvoice, other_org: Organization, org: Organization
) -> None:
    link = held_invoice.payment_link
    assert held_money_of_links(organization=other_org, links=[link]) == {}
    held = held_money_of_links(organization=org, links=[link])[link.pk]
    assert (held.awaiting_approval.amount, held.awaiting_stripe.amount, held.total.amount) == (60_000, 22_000, 82_000)
    assert [(r.amount.amount, r.requested_by) for r in held.requests] == [(60_000, "operator@example.test")]
    assert held_money(link) == held


def test_the_refunds_tab_shows_what_is_held(
    held_invoice: BillingInvoice, org: Organization, login: Callable[[User], Client]
) -> None:
    client = login(factories.member(org, Role.VIEWER))
    html = client.get("/billing/refunds/").content.decode()
    assert _testid(html, "held-summary") == "Held: ¥60,000 awaiting approval · ¥22,000 awaiting Stripe"
    notes = re.findall(r'<td class="num"[^>]*>(.*?)</td>', html, re.S)
    assert sorted(_text(note).strip() for note in notes) == sorted(
        [
            "¥10,000",
            "¥60,000 awaiting approval",
            "¥15,000 awaiting Stripe",
            "¥7,000 awaiting Stripe",
            "¥5,000",
            "¥4,000",
        ]
    )
    # The summary is of the refunds found.
    succeeded = client.get("/billing/refunds/?status=SUCCEEDED").content.decode()
    assert 'data-testid="held-summary"' not in succeeded
    only_approval = client.get("/billing/refunds/?status=PENDING_APPROVAL").content.decode()
    assert _testid(only_approval, "held-summary") == "Held: ¥60,000 awaiting approval"

    japanese = login(factories.member(org, Role.VIEWER, language="ja"))
    html = japanese.get("/billing/refunds/").content.decode()
    assert _testid(html, "held-summary") == "保留中: ￥60,000 承認待ち · ￥22,000 Stripeの確認待ち"
    assert "承認待ち</small>" in html and "Stripeの確認待ち</small>" in html


def test_the_refunds_tab_leaves_other_organizations_out(
    held_invoice: BillingInvoice, other_org: Organization, login: Callable[[User], Client]
) -> None:
    html = login(factories.member(other_org, Role.VIEWER)).get("/billing/refunds/").content.decode()
    assert 'data-testid="held-summary"' not in html and "¥60,000" not in html
