"""An admin of a new organization connects its own Stripe account in the browser (issue 20): "Connect a Stripe
account" on Settings, Stripe's hosted onboarding (the Connect double's page, another origin), and back on Settings
with charges and payouts enabled; the onboarding's `account.updated` reached the Connect endpoint for that account.
Then the add-on: its button stays disabled, saying why, until the commerce disclosure page is published; once it
is, the admin subscribes."""

from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from invoicedesk.accounts.models import AddonContract, Role
from invoicedesk.devtools.localstripe import ConnectDouble
from invoicedesk.payments.models import ConnectedAccount
from invoicedesk.stripe_integration.models import StripeEvent
from tests import factories


@pytest.mark.django_db(transaction=True)
def test_an_admin_connects_a_stripe_account_through_the_hosted_onboarding(
    page: Page, live_server: LiveServer, connect_double: ConnectDouble, settings: Any
) -> None:
    connect_double.register_connect_webhook(
        url=f"{live_server.url}/stripe/connect-webhook/", secret=settings.STRIPE_CONNECT_WEBHOOK_SECRET
    )
    org = factories.organization("Nagoya Parts K.K.", addon=False)
    factories.member(org, Role.ADMIN, email="owner@nagoya.test")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email address").fill("owner@nagoya.test")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/billing/settings/")
    expect(page.get_by_test_id("stripe-account-state")).to_contain_text(
        "No Stripe account of this organization is connected"
    )
    page.get_by_role("button", name="Connect a Stripe account").click()

    # Stripe's hosted onboarding: the double's page, on its own origin.
    expect(page.get_by_test_id("onboarding-account")).to_contain_text("acct_")
    assert page.url.startswith(f"{connect_double.url}/_double/onboarding/")
    account_id = page.get_by_test_id("onboarding-account").inner_text()
    page.screenshot(path="var/e2e/connect-onboarding.png", full_page=True)
    page.get_by_role("button", name="Complete").click()

    page.wait_for_url(f"{live_server.url}/billing/settings/**")
    expect(page.get_by_test_id("stripe-account-state")).to_have_text("Charges and payouts are enabled.")
    expect(page.get_by_text(account_id).first).to_be_visible()
    expect(page.get_by_test_id("stripe-continue")).to_have_count(0)
    org.refresh_from_db()
    assert org.stripe_account_id == account_id
    assert ConnectedAccount.objects.get(organization=org).ready
    assert StripeEvent.objects.filter(type="account.updated", account=account_id).exists()

    # The add-on: the account is ready, but the commerce disclosure page is not published yet.
    subscribe = page.get_by_test_id("addon-subscribe")
    expect(subscribe).to_be_disabled()
    expect(page.get_by_test_id("addon-missing")).to_contain_text("commerce disclosure")
    page.get_by_label("Commerce disclosure page URL").fill("https://nagoya-parts.example/legal/tokushoho")
    page.get_by_role("button", name="Save settings").click()
    expect(subscribe).to_be_enabled()
    subscribe.click()
    expect(page.get_by_test_id("addon-state")).to_contain_text("Active since")
    page.screenshot(path="var/e2e/connect-addon-subscribed.png", full_page=True)
    assert AddonContract.objects.filter(organization=org).count() == 1
