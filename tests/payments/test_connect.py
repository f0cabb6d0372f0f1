"""Connect onboarding (issue 20, item 1): an admin connects the organization's own Stripe account through Stripe's
hosted onboarding; its state is Stripe's, stored on the return and on `account.updated`.

`ConnectLike` answers Stripe's documented `/v1/accounts` and `/v1/account_links` at the SDK's http_client
boundary (localstripe has no accounts); events are signed here as Stripe signs Connect events (`account` set).
"""

import html
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from invoicedesk.accounts.models import Membership, Organization, Role, User
from invoicedesk.alerts.models import Alert, AlertKind
from invoicedesk.audit.models import AuditAction, AuditEntry
from invoicedesk.core.errors import ErrorCode, ServiceError
from invoicedesk.payments.models import ConnectedAccount, PaymentLink
from invoicedesk.payments.services import payment_link_issue
from invoicedesk.refunds.models import RefundClassification, RefundStatus
from invoicedesk.refunds.services import RefundInput, refund_request
from invoicedesk.stripe_integration.models import StripeEvent
from tests import factories, worker
from tests.stripe_support import ConnectLike, signature_header, stripe_http_client

pytestmark = pytest.mark.django_db(transaction=True)

SETTINGS = "/billing/settings/"


@pytest.fixture
def connect_like(stripe_server: Any) -> Any:
    client = ConnectLike()
    with stripe_http_client(client):
        yield client


@pytest.fixture
def admin_client(org: Organization, login: Callable[[User], Client]) -> Client:
    return login(factories.member(org, Role.ADMIN, email="admin@example.test"))


def page(client: Client, path: str = SETTINGS) -> str:
    return html.unescape(client.get(path).content.decode())


def deliver_connect_event(settings: Any, event_type: str, obj: dict[str, Any], account: str) -> None:
    payload = json.dumps(
        {
            "id": f"evt_{uuid.uuid4().hex[:12]}",
            "object": "event",
            "type": event_type,
            "account": account,
            "created": 1_780_000_000,
            "api_version": "2025-01-27.acacia",
            "data": {"object": obj},
            "livemode": False,
        }
    ).encode()
    response = Client().post(
        "/stripe/connect-webhook/",
        payload,
        content_type="application/json",
        headers={"stripe-signature": signature_header(payload, settings.STRIPE_CONNECT_WEBHOOK_SECRET)},
    )
    assert response.status_code == 200
    worker.run_worker()


def test_an_admin_connects_an_account_and_onboarding_enables_it(
    org: Organization, admin_client: Client, connect_like: ConnectLike, settings: Any
) -> None:
    assert "No Stripe account of this organization is connected" in page(admin_client)
    response = admin_client.post("/billing/settings/stripe/connect/")
    assert response.status_code == 302
    org.refresh_from_db()
    account_id = org.stripe_account_id
    assert account_id in connect_like.accounts
    assert response["Location"] == ConnectLike.ONBOARDING + account_id
    link = connect_like.account_links[-1]
    assert link["type"] == "account_onboarding"
    assert link["return_url"].endswith("/billing/settings/stripe/return/")
    assert link["refresh_url"].endswith("/billing/settings/#stripe-account")
    assert AuditEntry.objects.filter(action=AuditAction.STRIPE_ACCOUNT_CONNECT).count() == 1

    # A second press (or a second tab) continues the same account: Stripe replays the creation under its key.
    admin_client.post("/billing/settings/stripe/connect/")
    assert len(connect_like.accounts) == 1

    # Back from Stripe with details still due: Settings says what Stripe asks for.
    connect_like.require(account_id, "external_account")
    assert admin_client.get("/billing/settings/stripe/return/").status_code == 302
    stored = ConnectedAccount.objects.get(organization=org)
    assert (stored.charges_enabled, stored.payouts_enabled, stored.requirements_due) == (
        False,
        False,
        ["external_account"],
    )
    text = page(admin_client)
    assert "Charges are not enabled." in text and "external_account" in text
    assert 'data-testid="stripe-continue"' in text

    # Stripe finishes it later and says so with a Connect event.
    deliver_connect_event(settings, "account.updated", connect_like.complete(account_id), account=account_id)
    stored.refresh_from_db()
    assert stored.ready and stored.requirements_due == []
    text = page(admin_client)
    assert "Charges and payouts are enabled." in text and 'data-testid="stripe-continue"' not in text


def test_japanese_admin_reads_the_state_in_japanese(
    org: Organization, connect_like: ConnectLike, login: Callable[[User], Client]
) -> None:
    admin = login(factories.member(org, Role.ADMIN, email="ja-admin@example.test", language="ja"))
    assert "Stripeアカウントを接続" in page(admin)
    admin.post("/billing/settings/stripe/connect/")
    admin.get("/billing/settings/stripe/return/")
    assert "オンボーディングが完了していません" in page(admin)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.OPERATOR, Role.APPROVER])
def test_only_admins_connect(
    org: Organization, role: Role, connect_like: ConnectLike, login: Callable[[User], Client]
) -> None:
    client = login(factories.member(org, role))
    assert client.post("/billing/settings/stripe/connect/").status_code == 403
    assert client.get("/billing/settings/stripe/return/").status_code == 403
    assert not connect_like.accounts
    org.refresh_from_db()
    assert org.stripe_account_id == ""


def test_an_account_set_by_hand_is_taken_as_it_is(
    org: Organization, admin_client: Client, connect_like: ConnectLike
) -> None:
    existing = connect_like.complete(
        json.loads(connect_like.request("post", "http://x/v1/accounts", {}, "email=a%40b.test")[0])["id"]
    )
    Organization.objects.filter(pk=org.pk).update(stripe_account_id=existing["id"])
    admin_client.post("/billing/settings/stripe/connect/")
    assert len(connect_like.accounts) == 1
    assert ConnectedAccount.objects.get(organization=org).ready


def test_an_event_for_an_account_of_no_organization_is_stored_and_ignored(
    org: Organization, connect_like: ConnectLike, settings: Any
) -> None:
    stranger = {"id": "acct_unknown", "object": "account", "charges_enabled": True}
    deliver_connect_event(settings, "account.updated", stranger, account="acct_unknown")
    assert StripeEvent.objects.get().account == "acct_unknown"
    assert not ConnectedAccount.objects.exists()


def connected(org: Organization, admin_client: Client, connect_like: ConnectLike, settings: Any) -> str:
    """The organization's account, connected and onboarded (charges and payouts enabled)."""
    admin_client.post("/billing/settings/stripe/connect/")
    org.refresh_from_db()
    deliver_connect_event(
        settings, "account.updated", connect_like.complete(org.stripe_account_id), account=org.stripe_account_id
    )
    assert ConnectedAccount.objects.get(organization=org).ready
    return org.stripe_account_id


def ask(invoice: Any, amount: int) -> RefundInput:
    return RefundInput(
        invoice_id=invoice.pk,
        amount=amount,
        classification=RefundClassification.PARTIAL,
        idempotency_key=uuid.uuid4(),
    )


def test_charges_disabled_later_stop_new_links_with_the_reason_and_an_alert_but_not_refunds(
    org: Organization, admin_client: Client, connect_like: ConnectLike, settings: Any
) -> None:
    account_id = connected(org, admin_client, connect_like, settings)
    org.refresh_from_db()
    paid = factories.pay_through_stripe(factories.invoice(org, amount=20_000))
    deliver_connect_event(
        settings, "account.updated", connect_like.require(account_id, "individual.verification.document"), account_id
    )
    alert = Alert.objects.get(kind=AlertKind.STRIPE_CHARGES_DISABLED)
    assert "individual.verification.document" in alert.detail
    admin = Membership.objects.select_related("organization", "user").get(user__email="admin@example.test")
    unpaid = factories.invoice(org, amount=5000, link_status=None)
    with pytest.raises(ServiceError) as refused:
        payment_link_issue(actor=admin, invoice_id=unpaid.pk)
    assert refused.value.code is ErrorCode.STRIPE_ACCOUNT_NOT_READY
    assert "Stripe has not enabled charges" in refused.value.message
    refund = refund_request(actor=admin, request=ask(paid, 1000))  # a settled payment stays refundable
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED


def test_a_disconnected_account_stops_links_and_refunds_with_the_reason(
    org: Organization, admin_client: Client, connect_like: ConnectLike, settings: Any
) -> None:
    account_id = connected(org, admin_client, connect_like, settings)
    org.refresh_from_db()
    paid = factories.pay_through_stripe(factories.invoice(org, amount=20_000))
    application = {"id": "ca_platform", "object": "application", "name": "invoicedesk"}
    deliver_connect_event(settings, "account.application.deauthorized", application, account=account_id)
    deliver_connect_event(settings, "account.application.deauthorized", application, account=account_id)
    assert ConnectedAccount.objects.get(organization=org).deauthorized_at is not None
    assert Alert.objects.filter(kind=AlertKind.STRIPE_ACCOUNT_DISCONNECTED).count() == 1

    detail = page(admin_client, f"/billing/invoices/{paid.pk}/")
    assert "This organization's Stripe account was disconnected on" in detail
    assert "refund in the Stripe Dashboard" in detail and 'data-testid="refund-button"' not in detail
    admin = Membership.objects.select_related("organization", "user").get(user__email="admin@example.test")
    with pytest.raises(ServiceError) as refused:
        refund_request(actor=admin, request=ask(paid, 1000))
    assert refused.value.code is ErrorCode.STRIPE_ACCOUNT_DISCONNECTED
    assert "disconnected on" in refused.value.message and "refund in the Stripe Dashboard" in refused.value.message
    unpaid = factories.invoice(org, amount=5000, link_status=None)
    with pytest.raises(ServiceError, match="disconnected on"):
        payment_link_issue(actor=admin, invoice_id=unpaid.pk)
    text = page(admin_client)
    assert "Disconnected from invoicedesk on" in text and 'data-testid="stripe-continue"' not in text


def test_after_a_disconnection_an_admin_connects_a_new_account_and_old_refunds_still_say_where_to_go(
    org: Organization, admin_client: Client, connect_like: ConnectLike, settings: Any
) -> None:
    old_id = connected(org, admin_client, connect_like, settings)
    org.refresh_from_db()
    old_paid = factories.pay_through_stripe(factories.invoice(org, amount=20_000))
    assert PaymentLink.objects.get(invoice=old_paid).stripe_account_id == old_id
    application = {"id": "ca_platform", "object": "application", "name": "invoicedesk"}
    deliver_connect_event(settings, "account.application.deauthorized", application, account=old_id)
    text = page(admin_client)
    assert 'data-testid="stripe-reconnect"' in text and "Connect a new Stripe account" in text

    response = admin_client.post("/billing/settings/stripe/connect/")
    org.refresh_from_db()
    new_id = org.stripe_account_id
    assert new_id != old_id and new_id in connect_like.accounts
    assert response["Location"] == ConnectLike.ONBOARDING + new_id
    admin_client.post("/billing/settings/stripe/connect/")  # pressed again: continues the same new account
    assert len(connect_like.accounts) == 2
    old, new = (
        ConnectedAccount.objects.get(stripe_account_id=old_id),
        ConnectedAccount.objects.get(stripe_account_id=new_id),
    )
    assert old.organization_id == new.organization_id == org.pk
    assert old.deauthorized_at is not None
    assert (new.deauthorized_at, new.ready) == (None, False)  # onboarding to do
    entry = AuditEntry.objects.filter(action=AuditAction.STRIPE_ACCOUNT_CONNECT).latest("id")
    assert (entry.before, entry.after) == ({"stripe_account_id": old_id}, {"stripe_account_id": new_id})
    assert AuditEntry.objects.filter(action=AuditAction.STRIPE_ACCOUNT_CONNECT).count() == 2

    deliver_connect_event(settings, "account.updated", connect_like.complete(new_id), account=new_id)
    new.refresh_from_db()
    assert new.ready
    text = page(admin_client)
    assert "Charges and payouts are enabled." in text and new_id in text and "Disconnected" not in text

    # The old account's payment stays on it: its refund is refused with the reason, pointing to its Dashboard.
    admin = Membership.objects.select_related("organization", "user").get(user__email="admin@example.test")
    with pytest.raises(ServiceError) as refused:
        refund_request(actor=admin, request=ask(old_paid, 1000))
    assert refused.value.code == "stripe_account_disconnected"
    assert "refund in the Stripe Dashboard" in refused.value.message
    detail = page(admin_client, f"/billing/invoices/{old_paid.pk}/")
    assert "This organization's Stripe account was disconnected on" in detail

    # New links and payments go to the new account, and their refunds are done here.
    unpaid = factories.invoice(org, amount=5000, link_status=None)
    link = payment_link_issue(actor=admin, invoice_id=unpaid.pk)
    assert link.stripe_account == new_id
    new_paid = factories.pay_through_stripe(factories.invoice(org, amount=30_000))
    assert PaymentLink.objects.get(invoice=new_paid).stripe_account_id == new_id
    refund = refund_request(actor=admin, request=ask(new_paid, 1000))
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED


def test_a_connected_account_is_not_replaced_while_it_stays_connected(
    org: Organization, admin_client: Client, connect_like: ConnectLike, settings: Any
) -> None:
    account_id = connected(org, admin_client, connect_like, settings)
    admin_client.post("/billing/settings/stripe/connect/")
    org.refresh_from_db()
    assert org.stripe_account_id == account_id and len(connect_like.accounts) == 1
    assert ConnectedAccount.objects.filter(organization=org).count() == 1
