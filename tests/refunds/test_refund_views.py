"""The operator's path through the modal with Django's test client: form, preview, confirmation, execution.

Tests that execute a refund commit for real (transaction=True): the Stripe call runs on commit,
inside the request, and the page reports its outcome."""

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from invoicedesk.accounts.models import Organization, Role, User
from invoicedesk.billing.models import BillingInvoice, PaymentMethod
from invoicedesk.payments.models import PaymentLinkStatus
from invoicedesk.refunds.models import Refund, RefundStatus
from tests import factories
from tests.http import refund_form_fields

pytestmark = pytest.mark.django_db


def url(invoice: BillingInvoice, suffix: str = "") -> str:
    return f"/billing/invoices/{invoice.pk}/{suffix}"


def form_key(html: str) -> str:
    match = re.search(r'name="idempotency_key" value="([0-9a-f-]{36}:[\w-]+)"', html)
    assert match, "the form carries an idempotency key"
    return match[1]


def test_detail_page_shows_refundable_amount_and_the_refund_button(
    operator_client: Client, paid_invoice: BillingInvoice
) -> None:
    html = operator_client.get(url(paid_invoice)).content.decode()
    assert 'data-testid="refundable-amount">¥110,000' in html
    assert 'data-testid="refund-button"' in html


def test_viewer_sees_no_refund_button_and_gets_403(
    paid_invoice: BillingInvoice, org: Organization, login: Callable[[User], Client]
) -> None:
    viewer = login(factories.member(org, Role.VIEWER))
    assert 'data-testid="refund-button"' not in viewer.get(url(paid_invoice)).content.decode()
    assert viewer.get(url(paid_invoice, "refund/")).status_code == 403
    response = viewer.post(
        url(paid_invoice, "refund/"),
        {"classification": "PARTIAL", "amount": "1000", "idempotency_key": str(uuid.uuid4()), "step": "execute"},
    )
    assert response.status_code == 403
    assert not Refund.objects.exists()


@pytest.mark.parametrize(
    ("method", "words"),
    [
        (PaymentMethod.BANK_TRANSFER, "out of scope"),
        (PaymentMethod.CARD_AT_ORDER, "out of scope"),
    ],
)
def test_out_of_scope_invoices_say_why(operator_client: Client, org: Organization, method: str, words: str) -> None:
    inv = factories.invoice(org, payment_method=method)
    detail = operator_client.get(url(inv)).content.decode()
    assert 'data-testid="refund-button"' not in detail and words in detail
    assert words in operator_client.get(url(inv, "refund/")).content.decode()


def test_unpaid_invoice_offers_no_refund_and_says_why(operator_client: Client, org: Organization) -> None:
    inv = factories.invoice(org, link_status=PaymentLinkStatus.UNPAID)
    html = operator_client.get(url(inv)).content.decode()
    assert "has not been paid through its link" in html and 'data-testid="refund-button"' not in html


def test_another_organizations_invoice_is_404(operator_client: Client, other_org: Organization) -> None:
    inv = factories.invoice(other_org, link_status=PaymentLinkStatus.PAID)
    assert operator_client.get(url(inv, "refund/")).status_code == 404
    assert operator_client.post(url(inv, "refund/preview/"), {"classification": "FULL"}).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_whole_path_partial_then_full(operator_client: Client, paid_invoice: BillingInvoice) -> None:
    form = operator_client.get(url(paid_invoice, "refund/")).content.decode()
    for text in [
        "Refund Billing Amount",
        "INV-2026-0001",
        "Sakura Trading Co., Ltd.",
        "¥110,000",
        "Full refund",
        "Partial refund",
        "not the balance to keep",
        "to return ¥22,000 of ¥110,000, enter 22000, not 88000",
    ]:
        assert text in form, text
    key = form_key(form)
    fields = {
        "classification": "PARTIAL",
        "amount": "２２，０００",
        "reason": "requested_by_customer",
        "memo": "2 units returned",
        **refund_form_fields(operator_client, paid_invoice.pk),
        "idempotency_key": key,
    }

    preview = operator_client.post(url(paid_invoice, "refund/preview/"), fields).content.decode()
    assert "¥22,000" in preview and "¥88,000" in preview and "PARTIALLY REFUNDED" in preview

    confirm = operator_client.post(url(paid_invoice, "refund/"), {**fields, "step": "confirm"}).content.decode()
    for text in [
        "Please confirm the refund",
        "INV-2026-0001",
        "Sakura Trading Co., Ltd.",
        "¥22,000",
        "Partial refund",
        "billing@sakura-trading.example",
        'value="22000"',
    ]:
        assert text in confirm, text
    assert not Refund.objects.exists()

    done = operator_client.post(url(paid_invoice, "refund/"), {**fields, "amount": "22000", "step": "execute"})
    assert done.status_code == 302 and done["Location"].endswith("?tab=transactions")
    page = operator_client.get(done["Location"]).content.decode()
    assert "Refunded ¥22,000" in page and "PARTIALLY REFUNDED" in page
    for text in [
        "Refunds",
        "Partial refund",
        "Succeeded",
        "re_",
        "operator@example.test",
        "Requested by customer",
        "2 units returned",
        "billing@sakura-trading.example",
        "Delivered",
    ]:
        assert text in page, text
    assert len(mail.outbox) == 1

    # The rest: Full fills the Refundable Amount even without JavaScript (amount left empty).
    second_form = refund_form_fields(operator_client, paid_invoice.pk)
    assert second_form["idempotency_key"] != key
    operator_client.post(
        url(paid_invoice, "refund/"),
        {"classification": "FULL", "amount": "", **second_form, "step": "execute"},
    )
    paid_invoice.payment_link.refresh_from_db()
    assert paid_invoice.payment_link.status == PaymentLinkStatus.REFUNDED
    listing = operator_client.get("/billing/", {"status": "REFUNDED"}).content.decode()
    assert "INV-2026-0001" in listing
    detail = operator_client.get(url(paid_invoice)).content.decode()
    assert "refunded in full" in detail and 'data-testid="refund-button"' not in detail


@pytest.mark.parametrize(
    ("amount", "classification", "field", "message"),
    [
        ("", "PARTIAL", "amount", "Enter the amount to return"),
        ("0", "PARTIAL", "amount", "greater than zero"),
        ("-100", "PARTIAL", "amount", "cannot be negative"),
        ("100.5", "PARTIAL", "amount", "no fractional unit"),
        ("abc", "PARTIAL", "amount", "as a number"),
        ("120000", "PARTIAL", "amount", "cannot exceed the Refundable Amount of ¥110,000"),
        ("22000", "FULL", "classification", "choose Partial refund"),
        ("110000", "PARTIAL", "classification", "choose Full refund"),
        ("22000", "", "classification", "Choose Full refund or Partial refund"),
    ],
)
def test_every_input_error_is_shown_next_to_its_field_and_changes_nothing(
    operator_client: Client,
    paid_invoice: BillingInvoice,
    amount: str,
    classification: str,
    field: str,
    message: str,
) -> None:
    for step in ("confirm", "execute"):
        response = operator_client.post(
            url(paid_invoice, "refund/"),
            {
                "classification": classification,
                "amount": amount,
                **refund_form_fields(operator_client, paid_invoice.pk),
                "step": step,
            },
        )
        assert response.status_code == 200
        assert message in " ".join(response.context["form"].errors[field])
        assert f'data-testid="{field}-error">' in response.content.decode()
    assert not Refund.objects.exists()
    paid_invoice.payment_link.refresh_from_db()
    assert paid_invoice.payment_link.status == PaymentLinkStatus.PAID


def test_japanese_operator_gets_japanese_errors(
    paid_invoice: BillingInvoice, org: Organization, login: Callable[[User], Client]
) -> None:
    client = login(factories.member(org, Role.OPERATOR, language="ja"))
    response = client.post(
        url(paid_invoice, "refund/"),
        {
            "classification": "PARTIAL",
            "amount": "120000",
            **refund_form_fields(client, paid_invoice.pk),
            "step": "confirm",
        },
    )
    html = response.content.decode()
    assert "請求金額の返金" in html and "返金可能額" in html
    assert "返金額は返金可能額（￥110,000）を超えられません。" in html


@pytest.mark.django_db(transaction=True)
def test_double_submit_of_the_execute_step_refunds_once(operator_client: Client, paid_invoice: BillingInvoice) -> None:
    fields = {
        "classification": "PARTIAL",
        "amount": "10000",
        **refund_form_fields(operator_client, paid_invoice.pk),
        "step": "execute",
    }
    operator_client.post(url(paid_invoice, "refund/"), fields)
    operator_client.post(url(paid_invoice, "refund/"), fields)
    assert Refund.objects.get().status == RefundStatus.SUCCEEDED
    assert len(mail.outbox) == 1


def test_a_form_key_posted_again_with_another_amount_is_refused_not_taken_for_the_first(
    operator_client: Client, org: Organization
) -> None:
    # Paid without Stripe (the refund is recorded, not executed): what matters is what the second post says.
    invoice = factories.invoice(org, link_status=PaymentLinkStatus.PAID)
    link = invoice.payment_link
    link.addon_contract = org.addon_contracts.first()
    link.save(update_fields=["addon_contract"])
    first = {"classification": "PARTIAL", "amount": "10000", **refund_form_fields(operator_client, invoice.pk)}
    first["step"] = "execute"
    assert operator_client.post(url(invoice, "refund/"), first).status_code == 302
    second = operator_client.post(url(invoice, "refund/"), {**first, "amount": "20000"})
    html = second.content.decode()
    assert second.status_code == 200
    assert "already used to request a refund of ¥10,000, so ¥20,000 was not refunded" in html
    assert "Refunded ¥20,000" not in html
    assert list(Refund.objects.values_list("amount", flat=True)) == [10_000]
    # The same post again (a double click) is still the first refund, not an error.
    assert operator_client.post(url(invoice, "refund/"), first).status_code == 302
    assert Refund.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_htmx_gets_the_modal_alone_and_an_hx_redirect(operator_client: Client, paid_invoice: BillingInvoice) -> None:
    modal = operator_client.get(url(paid_invoice, "refund/"), headers={"hx-request": "true"}).content.decode()
    assert modal.lstrip().startswith('<div class="modal-backdrop">') and "<html" not in modal
    response = operator_client.post(
        url(paid_invoice, "refund/"),
        {
            "classification": "FULL",
            "amount": "110000",
            **refund_form_fields(operator_client, paid_invoice.pk),
            "step": "execute",
        },
        headers={"hx-request": "true"},
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"/billing/invoices/{paid_invoice.pk}/?tab=transactions"


def test_back_returns_to_the_form_with_the_values(operator_client: Client, paid_invoice: BillingInvoice) -> None:
    form = refund_form_fields(operator_client, paid_invoice.pk)
    key = form["idempotency_key"]
    html = operator_client.post(
        url(paid_invoice, "refund/"),
        {"classification": "PARTIAL", "amount": "22000", **form, "step": "edit"},
    ).content.decode()
    assert 'name="amount" value="22000"' in html and key in html and "Please confirm" not in html


@pytest.mark.django_db(transaction=True)
def test_timeout_tells_the_operator_to_wait_and_offers_no_second_refund(
    operator_client: Client, paid_invoice: BillingInvoice, settings: Any
) -> None:
    from tests.stripe_support import FaultyHTTPClient, stripe_http_client

    faulty = FaultyHTTPClient(fail=lambda method, u: "timeout" if u.endswith("/v1/refunds") else None)
    with stripe_http_client(faulty):
        response = operator_client.post(
            url(paid_invoice, "refund/"),
            {
                "classification": "FULL",
                "amount": "110000",
                **refund_form_fields(operator_client, paid_invoice.pk),
                "step": "execute",
            },
            follow=True,
        )
    html = response.content.decode()
    assert "awaiting confirmation from Stripe" in html
    assert "do not refund it again" in html
    assert 'data-testid="refund-button"' not in html
