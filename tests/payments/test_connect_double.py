"""Each seller on its own Stripe account, through the Connect test double (issue 20, items 6 and 7).

The double (invoicedesk/devtools/connect_double.py) answers Stripe's Connect API over HTTP in front of localstripe,
with one localstripe per connected account: these tests go through the app's real gateway and the SDK's real
transport, and ask each account through the double, as one would ask Stripe with that account's header.
"""

import html
import io
import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import stripe
from django.core.management import call_command
from django.test import Client
from pytest_django.live_server_helper import LiveServer

from invoicedesk.accounts.models import Membership, Organization, Role, User
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.devtools.localstripe import ConnectDouble
from invoicedesk.payments.models import ConnectedAccount, PaymentLink
from invoicedesk.refunds.models import Dispute, Refund, RefundClassification, RefundSource, RefundStatus
from invoicedesk.refunds.selectors import refundable_amount
from invoicedesk.refunds.services import RefundInput, refund_request
from invoicedesk.stripe_integration import gateway
from invoicedesk.stripe_integration.models import StripeEvent
from tests import factories, worker

pytestmark = pytest.mark.django_db(transaction=True)

SETTINGS = "/billing/settings/"


def page(client: Client, path: str = SETTINGS) -> str:
    return html.unescape(client.get(path).content.decode())


def onboard(admin: Client, double: ConnectDouble, *, action: str = "complete") -> str:
    """The admin presses "Connect a Stripe account", goes through the double's hosted onboarding and comes back."""
    response = admin.post("/billing/settings/stripe/connect/")
    assert response.status_code == 302
    onboarding = response["Location"]
    assert onboarding.startswith(f"{double.url}/_double/onboarding/")
    shown = requests.get(onboarding, timeout=10)
    assert "Complete" in shown.text and "Leave requirements due" in shown.text
    done = requests.post(onboarding, data={"action": action}, allow_redirects=False, timeout=10)
    assert done.status_code == 303
    back = urlsplit(done.headers["Location"])
    assert back.path == "/billing/settings/stripe/return/"
    assert admin.get(back.path).status_code == 302
    # The link was for one visit: Stripe sends a second one to the refresh URL, where a new link is made.
    again = requests.get(onboarding, allow_redirects=False, timeout=10)
    assert again.status_code == 302 and again.headers["Location"].endswith("/billing/settings/#stripe-account")
    return str(Organization.objects.get(memberships__user__email=_email_of(admin)).stripe_account_id)


def _email_of(client: Client) -> str:
    return str(User.objects.get(pk=client.session["_auth_user_id"]).email)


def seller(name: str, login: Callable[[User], Client], double: ConnectDouble) -> tuple[Organization, Client, str]:
    org = factories.organization(name)
    admin = login(factories.member(org, Role.ADMIN, email=f"admin@{name.split()[0].lower()}.test"))
    account = onboard(admin, double)
    org.refresh_from_db()
    return org, admin, account


def admin_of(org: Organization) -> Membership:
    return Membership.objects.select_related("organization", "user").get(organization=org, role=Role.ADMIN)


def ask(invoice: BillingInvoice, amount: int) -> RefundInput:
    return RefundInput(
        invoice_id=invoice.pk, amount=amount, classification=RefundClassification.PARTIAL, idempotency_key=uuid.uuid4()
    )


def sdk() -> stripe.StripeClient:
    return gateway.stripe_client()


def test_onboarding_completed_on_the_doubles_page_shows_charges_and_payouts_enabled(
    connect_double: ConnectDouble, login: Callable[[User], Client]
) -> None:
    org, admin, account = seller("Alpha Seller", login, connect_double)
    stored = ConnectedAccount.objects.get(organization=org)
    assert stored.stripe_account_id == account and account.startswith("acct_")
    assert (stored.charges_enabled, stored.payouts_enabled, stored.details_submitted, stored.requirements_due) == (
        True,
        True,
        True,
        [],
    )
    text = page(admin)
    assert account in text and "Charges and payouts are enabled." in text
    assert 'data-testid="stripe-continue"' not in text
    # The platform's key lists the account it made; the account is not the platform's own.
    assert [found.id for found in sdk().v1.accounts.list()] == [account]


def test_onboarding_left_with_requirements_due_says_what_stripe_asks_for_and_offers_to_continue(
    connect_double: ConnectDouble, login: Callable[[User], Client]
) -> None:
    org = factories.organization("Beta Seller")
    admin = login(factories.member(org, Role.ADMIN, email="admin@beta.test"))
    onboard(admin, connect_double, action="due")
    stored = ConnectedAccount.objects.get(organization=org)
    assert (stored.charges_enabled, stored.payouts_enabled, stored.details_submitted) == (False, False, True)
    assert stored.requirements_due == ["external_account", "individual.verification.document"]
    text = page(admin)
    assert "Charges are not enabled." in text and "Payouts are not enabled." in text
    assert "individual.verification.document" in text and 'data-testid="stripe-continue"' in text
    # Continuing makes a new Account Link for the same account, and completing it enables the account.
    onboard(admin, connect_double)
    assert ConnectedAccount.objects.get(organization=org).ready
    assert "Charges and payouts are enabled." in page(admin)


def test_a_payment_and_a_refund_of_seller_b_never_reach_seller_a_or_the_platform(
    connect_double: ConnectDouble, login: Callable[[User], Client]
) -> None:
    org_a, _, account_a = seller("Alpha Seller", login, connect_double)
    org_b, _, account_b = seller("Bravo Seller", login, connect_double)
    assert account_a != account_b
    paid_a = factories.pay_through_stripe(factories.invoice(org_a, amount=20_000))
    paid_b = factories.pay_through_stripe(factories.invoice(org_b, amount=30_000))
    link_a = PaymentLink.objects.get(invoice=paid_a)
    link_b = PaymentLink.objects.get(invoice=paid_b)
    assert (link_a.stripe_account_id, link_b.stripe_account_id) == (account_a, account_b)
    refund = refund_request(actor=admin_of(org_b), request=ask(paid_b, 7_000))
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED and refund.stripe_refund_id.startswith("re_")

    on_b = {"stripe_account": account_b}
    assert sdk().v1.payment_intents.retrieve(link_b.stripe_payment_intent_id, options=on_b).status == "succeeded"  # type: ignore[arg-type]
    assert sdk().v1.refunds.retrieve(refund.stripe_refund_id, options=on_b).amount == 7_000  # type: ignore[arg-type]
    for elsewhere in ({"stripe_account": account_a}, {}):
        for missing in (
            lambda: sdk().v1.payment_intents.retrieve(link_b.stripe_payment_intent_id, options=elsewhere),  # type: ignore[arg-type]  # noqa: B023
            lambda: sdk().v1.charges.retrieve(link_b.stripe_charge_id, options=elsewhere),  # type: ignore[arg-type]  # noqa: B023
            lambda: sdk().v1.refunds.retrieve(refund.stripe_refund_id, options=elsewhere),  # type: ignore[arg-type]  # noqa: B023
        ):
            with pytest.raises(stripe.InvalidRequestError) as not_there:
                missing()
            assert not_there.value.http_status == 404
        assert refund.stripe_refund_id not in [r.id for r in sdk().v1.refunds.list(options=elsewhere)]  # type: ignore[arg-type]
    # A's own payment is on A, untouched by B's refund.
    on_a = {"stripe_account": account_a}
    assert [r.id for r in sdk().v1.refunds.list(options=on_a)] == []  # type: ignore[arg-type]
    assert sdk().v1.charges.retrieve(link_a.stripe_charge_id, options=on_a).amount_refunded == 0  # type: ignore[arg-type]
    assert sdk().v1.charges.retrieve(link_b.stripe_charge_id, options=on_b).amount_refunded == 7_000  # type: ignore[arg-type]


def test_idempotency_keys_are_kept_per_account_as_stripe_keeps_them(
    connect_double: ConnectDouble, login: Callable[[User], Client]
) -> None:
    _, _, account_a = seller("Alpha Seller", login, connect_double)
    _, _, account_b = seller("Bravo Seller", login, connect_double)
    url = f"{connect_double.url}/v1/payment_intents"
    body = {"amount": "1000", "currency": "jpy", "payment_method_types[]": "card"}

    def post(account: str, data: dict[str, str]) -> requests.Response:
        headers = {"Authorization": "Bearer sk_test_x", "Idempotency-Key": "order-1", "Stripe-Account": account}
        return requests.post(url, data=data, headers=headers, timeout=10)

    first_a, again_a, first_b = post(account_a, body), post(account_a, body), post(account_b, body)
    assert first_a.status_code == again_a.status_code == first_b.status_code == 200
    assert again_a.json()["id"] == first_a.json()["id"] and again_a.headers["Idempotent-Replayed"] == "true"
    assert first_b.json()["id"] != first_a.json()["id"] and "Idempotent-Replayed" not in first_b.headers
    other = post(account_a, {**body, "amount": "2000"})
    assert other.status_code == 400 and other.json()["error"]["type"] == "idempotency_error"


def test_reconcile_finds_a_refund_made_on_seller_bs_own_account_and_records_it_on_bs_payment_only(
    connect_double: ConnectDouble, login: Callable[[User], Client]
) -> None:
    org_a, _, account_a = seller("Alpha Seller", login, connect_double)
    org_b, _, account_b = seller("Bravo Seller", login, connect_double)
    paid_a = factories.pay_through_stripe(factories.invoice(org_a, number="INV-A-1", amount=40_000))
    paid_b = factories.pay_through_stripe(factories.invoice(org_b, number="INV-B-1", amount=40_000))
    link_a = PaymentLink.objects.get(invoice=paid_a)
    link_b = PaymentLink.objects.get(invoice=paid_b)
    # The seller refunds in its own Stripe Dashboard: on its account, outside invoicedesk.
    outside = sdk().v1.refunds.create(
        params={"charge": link_b.stripe_charge_id, "amount": 4_000},
        options={"stripe_account": account_b},
    )

    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("reconcile_stripe", stdout=out, stderr=io.StringIO())
    assert exited.value.code == 1
    report = out.getvalue()
    assert re.search(rf"INV-B-1 +refund_missing_here +{outside.id} .* 4000 succeeded +True", report), report
    assert "INV-A-1" not in report

    call_command("reconcile_stripe", "--fix", stdout=io.StringIO(), stderr=io.StringIO())
    recorded = Refund.objects.get(stripe_refund_id=outside.id)
    assert (recorded.payment_link_id, recorded.source, recorded.amount) == (
        link_b.pk,
        RefundSource.STRIPE_DASHBOARD,
        4_000,
    )
    link_a.refresh_from_db()
    link_b.refresh_from_db()
    assert (link_a.amount_refunded, link_b.amount_refunded) == (0, 4_000)
    assert not Refund.objects.filter(payment_link=link_a).exists()
    assert org_a.stripe_account_id == account_a  # each asked on its own account


def test_an_injected_dispute_reaches_the_connect_endpoint_signed_for_the_sellers_account(
    connect_double: ConnectDouble, login: Callable[[User], Client], live_server: LiveServer, settings: Any
) -> None:
    connect_double.register_connect_webhook(
        url=f"{live_server.url}/stripe/connect-webhook/", secret=settings.STRIPE_CONNECT_WEBHOOK_SECRET
    )
    org_b, admin_b, account_b = seller("Bravo Seller", login, connect_double)
    assert StripeEvent.objects.get(type="account.updated").account == account_b  # from the onboarding page
    paid = factories.pay_through_stripe(factories.invoice(org_b, amount=50_000))
    link = PaymentLink.objects.get(invoice=paid)

    opened = connect_double.inject(
        f"/_double/accounts/{account_b}/disputes",
        {"payment_intent": link.stripe_payment_intent_id, "status": "needs_response", "due_by": 1_900_000_000},
    )
    worker.run_worker()  # the event the double delivered to the live server
    event = StripeEvent.objects.get(type="charge.dispute.created")
    assert event.account == account_b and event.payload["data"]["object"]["id"] == opened["id"]
    dispute = Dispute.objects.get()
    assert (dispute.payment_link_id, dispute.amount, dispute.status) == (link.pk, 50_000, "needs_response")
    assert refundable_amount(link).amount == 0
    # Stripe itself refuses a refund of the disputed charge on that account.
    with pytest.raises(stripe.InvalidRequestError) as refused:
        sdk().v1.refunds.create(
            params={"payment_intent": link.stripe_payment_intent_id, "amount": 1_000},
            options={"stripe_account": account_b},
        )
    assert refused.value.code == "charge_disputed"

    connect_double.inject(
        f"/_double/accounts/{account_b}/disputes",
        {"id": opened["id"], "status": "won", "event": "charge.dispute.closed"},
    )
    worker.run_worker()
    assert Dispute.objects.get().status == "won"
    assert refundable_amount(link).amount == 50_000
    assert "Disputed" not in page(admin_b, f"/billing/invoices/{paid.pk}/")


def test_a_pending_reason_injected_on_the_account_is_said_and_its_later_success_arrives_as_a_connect_event(
    connect_double: ConnectDouble, login: Callable[[User], Client], live_server: LiveServer, settings: Any
) -> None:
    connect_double.register_connect_webhook(
        url=f"{live_server.url}/stripe/connect-webhook/", secret=settings.STRIPE_CONNECT_WEBHOOK_SECRET
    )
    org_b, _, account_b = seller("Bravo Seller", login, connect_double)
    paid = factories.pay_through_stripe(factories.invoice(org_b, amount=50_000))
    connect_double.inject(
        f"/_double/accounts/{account_b}/refund_outcome", {"status": "pending", "pending_reason": "insufficient_funds"}
    )
    refund = refund_request(actor=admin_of(org_b), request=ask(paid, 10_000))
    refund.refresh_from_db()
    assert (refund.status, refund.pending_reason) == (RefundStatus.PENDING, "insufficient_funds")

    connect_double.inject(
        f"/_double/accounts/{account_b}/refunds/{refund.stripe_refund_id}",
        {"status": "succeeded", "pending_reason": None},
    )
    worker.run_worker()
    assert StripeEvent.objects.filter(type="charge.refund.updated", account=account_b).exists()
    refund.refresh_from_db()
    assert (refund.status, refund.pending_reason) == (RefundStatus.SUCCEEDED, "")


def test_the_connect_form_may_send_the_admin_to_stripes_onboarding(
    org: Organization, login: Callable[[User], Client]
) -> None:
    """Chromium holds a form's redirect to CSP form-action: Stripe's onboarding host must be allowed there."""
    admin = login(factories.member(org, Role.ADMIN, email="csp-admin@example.test"))
    policy = admin.get(SETTINGS)["Content-Security-Policy"]
    form_action = next(part for part in policy.split(";") if part.strip().startswith("form-action"))
    assert "'self'" in form_action and "https://connect.stripe.com" in form_action
