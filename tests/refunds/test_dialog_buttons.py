"""The Refund button and the modal's confirm button say what they do; a viewer is told why there is no button;
an admin is not offered to remove themselves."""

from collections.abc import Callable

import pytest
from django.test import Client

from invoicedesk.accounts.models import ApprovalPolicy, Membership, Organization, Role, User
from tests import factories
from tests.api.conftest import paid_invoice_without_stripe
from tests.http import refund_form_fields

pytestmark = pytest.mark.django_db


def _confirmation(client: Client, invoice_id: int) -> str:
    fields = {"classification": "PARTIAL", "amount": "22000", **refund_form_fields(client, invoice_id)}
    return client.post(f"/billing/invoices/{invoice_id}/refund/", {**fields, "step": "confirm"}).content.decode()


def _confirm_button(html: str) -> str:
    start = html.index('data-testid="refund-execute"')
    return html[html.index(">", start) + 1 : html.index("</button>", start)]


def test_the_refund_button_is_a_button_that_opens_the_modal_without_javascript(
    org: Organization, operator_client: Client
) -> None:
    invoice = paid_invoice_without_stripe(org)
    page = operator_client.get(f"/billing/invoices/{invoice.pk}/").content.decode()
    assert '<button type="submit" class="button-danger"' in page and 'data-testid="refund-button"' in page
    assert f'<form method="get" action="/billing/invoices/{invoice.pk}/refund/">' in page


def test_the_confirm_button_says_refund_when_nothing_holds_it(org: Organization, operator_client: Client) -> None:
    invoice = paid_invoice_without_stripe(org)
    assert _confirm_button(_confirmation(operator_client, invoice.pk)) == "Refund"


def test_the_confirm_button_asks_for_approval_when_the_policy_holds_the_refund(
    org: Organization, operator_client: Client
) -> None:
    org.refund_approval_policy = ApprovalPolicy.ALWAYS
    org.save()
    invoice = paid_invoice_without_stripe(org)
    html = _confirmation(operator_client, invoice.pk)
    assert _confirm_button(html) == "Request approval" and 'data-testid="needs-approval"' in html
    operator_client.post("/accounts/language/", {"language": "ja", "next": "/"})
    assert _confirm_button(_confirmation(operator_client, invoice.pk)) == "承認を依頼"


def test_a_viewer_is_told_why_there_is_no_refund_button(org: Organization, login: Callable[[User], Client]) -> None:
    invoice = paid_invoice_without_stripe(org)
    page = login(factories.member(org, Role.VIEWER)).get(f"/billing/invoices/{invoice.pk}/").content.decode()
    assert 'data-testid="refund-button"' not in page
    assert "Your role can view refunds; ask an operator to refund." in page


def test_settings_offer_no_remove_on_ones_own_row(org: Organization, login: Callable[[User], Client]) -> None:
    admin = factories.member(org, Role.ADMIN, email="admin@example.test")
    other = factories.member(org, Role.OPERATOR, email="someone@example.test")
    page = login(admin).get("/billing/settings/").content.decode()
    own = Membership.objects.get(user=admin, organization=org)
    theirs = Membership.objects.get(user=other, organization=org)
    assert f'action="/billing/settings/members/{theirs.pk}/">' in page
    remove_forms = page.count('value="remove"')
    assert remove_forms == 1 and 'data-testid="member-self"' in page
    assert own.pk != theirs.pk


def test_the_amount_hint_uses_the_payments_own_figures(org: Organization, operator_client: Client) -> None:
    invoice = paid_invoice_without_stripe(org, amount=330_000)
    modal = operator_client.get(f"/billing/invoices/{invoice.pk}/refund/").content.decode()
    assert "to return ¥66,000 of ¥330,000, enter 66000, not 264000" in modal and "110,000" not in modal
    operator_client.post("/accounts/language/", {"language": "ja", "next": "/"})
    japanese = operator_client.get(f"/billing/invoices/{invoice.pk}/refund/").content.decode()
    assert "￥330,000のうち￥66,000を返金する場合は 264000 ではなく 66000 と入力します" in japanese
