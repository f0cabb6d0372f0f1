"""Pages that show money are never kept by the browser (`Cache-Control: no-store`), so Back never shows a state that
is gone; what is not a page (static files, downloads) keeps its own caching."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.test import Client

from invoicedesk.accounts.models import AddonContract, Organization, Role, User
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.core.caching import NoStoreMiddleware
from invoicedesk.payments.models import PaymentLink, PaymentLinkStatus
from invoicedesk.refunds.models import Refund, RefundStatus
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(org: Organization) -> BillingInvoice:
    invoice = factories.invoice(org, number="INV-2026-0030", amount=220_000, link_status=PaymentLinkStatus.PAID)
    PaymentLink.objects.filter(invoice=invoice).update(addon_contract=AddonContract.objects.get(organization=org))
    return invoice


@pytest.fixture
def held(invoice: BillingInvoice, operator: User) -> Refund:
    return Refund.objects.create(
        organization=invoice.organization,
        payment_link=invoice.payment_link,
        amount=60_000,
        currency="JPY",
        classification="PARTIAL",
        status=RefundStatus.PENDING_APPROVAL,
        idempotency_key=uuid.uuid4(),
        requested_by=operator,
    )


def assert_no_store(response: HttpResponseBase) -> None:
    assert response.status_code < 500
    assert "no-store" in response["Cache-Control"], response.get("Cache-Control")


def test_every_page_that_shows_money_is_sent_with_no_store(
    invoice: BillingInvoice, held: Refund, operator_client: Client, org: Organization, login: Callable[[User], Client]
) -> None:
    pages = [
        "/billing/",
        "/billing/?q=0030",
        f"/billing/invoices/{invoice.pk}/",
        f"/billing/invoices/{invoice.pk}/?tab=transactions",
        "/billing/refunds/",
        f"/billing/invoices/{invoice.pk}/refund/",  # the modal as a page (no JavaScript)
        f"/billing/invoices/{invoice.pk}/refunds/in-flight/",
        f"/billing/invoices/{invoice.pk}/refunds/{held.pk}/progress/",
    ]
    for url in pages:
        response = operator_client.get(url)
        assert response.status_code in (200, 302), url
        assert_no_store(response)
    # The modal and its live preview as htmx swaps them in.
    assert_no_store(operator_client.get(f"/billing/invoices/{invoice.pk}/refund/", headers={"HX-Request": "true"}))
    form = {"classification": "PARTIAL", "amount": "22000", "shown_refundable": "160000"}
    assert_no_store(
        operator_client.post(f"/billing/invoices/{invoice.pk}/refund/", form, headers={"HX-Request": "true"})
    )
    preview = operator_client.post(
        f"/billing/invoices/{invoice.pk}/refund/preview/", form, headers={"HX-Request": "true"}
    )
    assert 'data-testid="refund-preview' in preview.content.decode()
    assert_no_store(preview)

    approver = login(factories.member(org, Role.APPROVER))
    for url in ["/approvals/", f"/approvals/{held.pk}/"]:
        response = approver.get(url)
        assert response.status_code == 200 and "¥60,000" in response.content.decode(), url
        assert_no_store(response)


def test_error_pages_and_the_buyers_pay_page_are_not_kept_either(
    org: Organization, other_org: Organization, operator_client: Client, stripe_server: object
) -> None:
    elsewhere = factories.invoice(other_org)
    not_found = operator_client.get(f"/billing/invoices/{elsewhere.pk}/")
    assert not_found.status_code == 404
    assert_no_store(not_found)
    unpaid = factories.invoice(org)
    pay_page = Client().get(f"/pay/{unpaid.payment_link.token}/")
    assert pay_page.status_code == 200
    assert_no_store(pay_page)


def test_what_is_not_a_page_keeps_its_own_caching() -> None:
    def answer(response: HttpResponse) -> HttpResponse:
        return NoStoreMiddleware(lambda request: response)(HttpRequest())  # type: ignore[return-value]

    stylesheet = answer(HttpResponse("body {}", content_type="text/css"))
    assert not stylesheet.has_header("Cache-Control")
    download = answer(HttpResponse("a,b\n", content_type="text/csv; charset=utf-8"))
    assert not download.has_header("Cache-Control")
    own = HttpResponse("<p>ok</p>")
    own["Cache-Control"] = "private, max-age=60"
    assert answer(own)["Cache-Control"] == "private, max-age=60"
    page = answer(HttpResponse("<p>¥60,000</p>", content_type="text/html; charset=utf-8"))
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]
