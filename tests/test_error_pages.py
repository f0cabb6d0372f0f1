"""One error mapping: refusals become styled pages (or htmx partials, or JSON) with the service's message."""

import re
from collections.abc import Callable

import pytest
from django.test import Client

from invoicedesk.accounts.models import Organization, Role, User
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.payments.models import PaymentLinkStatus
from invoicedesk.refunds.models import Refund
from tests import factories
from tests.http import refund_form_fields

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "Your role cannot refund payments."), ("ja", "あなたの権限では返金できません。")],
)
def test_a_viewer_opening_the_refund_url_gets_a_styled_403_with_the_reason(
    org: Organization, login: Callable[[User], Client], language: str, message: str
) -> None:
    invoice = factories.invoice(org, link_status=PaymentLinkStatus.PAID)
    viewer = login(factories.member(org, Role.VIEWER, language=language))
    response = viewer.get(f"/billing/invoices/{invoice.pk}/refund/")
    html = response.content.decode()
    assert response.status_code == 403
    assert 'data-testid="error-page"' in html and message in html
    assert 'class="topbar"' in html  # the app's own page, not Django's
    assert "Traceback" not in html and "DEBUG" not in html


def test_another_organizations_invoice_looks_exactly_like_a_missing_one(
    operator_client: Client, other_org: Organization
) -> None:
    theirs = factories.invoice(other_org, link_status=PaymentLinkStatus.PAID)
    for suffix in ("", "refund/"):
        foreign = operator_client.get(f"/billing/invoices/{theirs.pk}/{suffix}")
        missing = operator_client.get(f"/billing/invoices/999999/{suffix}")
        assert foreign.status_code == missing.status_code == 404
        assert _main(foreign.content) == _main(missing.content)
        assert "No such invoice." in foreign.content.decode()


def _main(html: bytes) -> str:
    """The page's content, without the header (whose language switcher names the address)."""
    match = re.search(r"<main.*</main>", html.decode(), re.S)
    assert match
    return match[0]


def test_htmx_gets_a_partial_and_an_api_client_gets_json(operator_client: Client, other_org: Organization) -> None:
    theirs = factories.invoice(other_org, link_status=PaymentLinkStatus.PAID)
    partial = operator_client.get(f"/billing/invoices/{theirs.pk}/refund/", headers={"HX-Request": "true"})
    assert partial.status_code == 404 and 'role="alertdialog"' in partial.content.decode()
    assert "<html" not in partial.content.decode()
    as_json = operator_client.get(f"/billing/invoices/{theirs.pk}/", headers={"Accept": "application/json"})
    assert as_json.status_code == 404
    assert as_json.json() == {"error": {"code": "not_found", "message": "No such invoice."}}


def test_a_user_in_no_organization_gets_the_styled_403(login: Callable[[User], Client], db: None) -> None:
    lonely = User.objects.create_user("lonely@example.test", "x-password-1")
    html = login(lonely).get("/billing/").content.decode()
    assert "You are not a member of any organization." in html and 'data-testid="error-page"' in html


def _modal_post(client: Client, invoice: BillingInvoice, **fields: str) -> str:
    data = {
        "classification": "PARTIAL",
        "amount": "1000",
        **refund_form_fields(client, invoice.pk),
        "step": "confirm",
        **fields,
    }
    return client.post(f"/billing/invoices/{invoice.pk}/refund/", data, headers={"HX-Request": "true"}).content.decode()


@pytest.mark.parametrize(
    ("fields", "testid", "message"),
    [
        ({"memo": "x" * 2001}, "memo-error", "at most 2000 characters"),
        ({"reason": "because"}, "reason-error", "Select a valid choice"),
        ({"idempotency_key": "not-a-uuid"}, "refund-error", "no longer valid"),
        ({"shown_refundable": "-5"}, "refund-error", "no longer valid"),
        ({"amount": "abc"}, "amount-error", "as a number"),
    ],
)
def test_every_form_error_is_shown_once_next_to_its_field(
    operator_client: Client, paid_invoice: BillingInvoice, fields: dict[str, str], testid: str, message: str
) -> None:
    html = _modal_post(operator_client, paid_invoice, **fields)
    assert f'data-testid="{testid}"' in html and message in html
    assert html.count(message) == 1, html
    # The preview does not load on its own and repeat the message.
    assert 'hx-trigger="load' not in html
    assert not Refund.objects.exists()
