"""Two webhook endpoints, one store: the platform's events at /stripe/webhook/ and connected accounts' events at
/stripe/connect-webhook/, each checked with the signing secret Stripe gave that endpoint. Stripe signs a
Connect event (one with `account`) as it does here; both ways in (the WSGI intake, Django's view) are tried."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from invoicedesk.accounts.models import Organization
from invoicedesk.alerts.models import Alert, AlertKind
from invoicedesk.payments.models import ConnectedAccount
from invoicedesk.stripe_integration.models import StripeEvent, StripeEventStatus
from tests import worker
from tests.stripe_support import event_payload, signature_header, through_wsgi

pytestmark = pytest.mark.django_db(transaction=True)

PLATFORM = "/stripe/webhook/"
CONNECT = "/stripe/connect-webhook/"
PLATFORM_SECRET = "whsec_test_platform"
CONNECT_SECRET = "whsec_test_connect"


@pytest.fixture(autouse=True)
def _secrets(settings: Any) -> None:
    settings.STRIPE_WEBHOOK_SECRET = PLATFORM_SECRET
    settings.STRIPE_CONNECT_WEBHOOK_SECRET = CONNECT_SECRET


def connect_event(event_type: str, obj: dict[str, Any], *, account: str, event_id: str) -> bytes:
    event = json.loads(event_payload(event_type, obj, event_id=event_id))
    return json.dumps({**event, "account": account}).encode()


def via_wsgi(path: str, payload: bytes, secret: str) -> tuple[int, bytes]:
    response = through_wsgi("POST", path, payload, {"Stripe-Signature": signature_header(payload, secret)})
    worker.run_worker()
    return response.status_code, response.content


def via_django(path: str, payload: bytes, secret: str) -> tuple[int, bytes]:
    header = signature_header(payload, secret)
    response = Client().post(path, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)
    worker.run_worker()
    return response.status_code, response.content


WAYS_IN = pytest.mark.parametrize("post", [via_wsgi, via_django], ids=["wsgi-intake", "django-view"])
Post = Callable[[str, bytes, str], tuple[int, bytes]]


@WAYS_IN
def test_a_connect_event_signed_with_the_connect_secret_is_stored_with_its_account(post: Post) -> None:
    payload = connect_event("customer.created", {"id": "cus_1"}, account="acct_seller_1", event_id="evt_connect_1")
    assert post(CONNECT, payload, CONNECT_SECRET) == (200, b"ok")
    assert post(CONNECT, payload, CONNECT_SECRET) == (200, b"duplicate")
    stored = StripeEvent.objects.get()
    assert (stored.stripe_id, stored.account, stored.status) == ("evt_connect_1", "acct_seller_1", "IGNORED")


@WAYS_IN
def test_each_endpoint_refuses_what_was_signed_with_the_other_ones_secret(post: Post) -> None:
    connect = connect_event("customer.created", {"id": "cus_1"}, account="acct_seller_1", event_id="evt_c")
    platform = event_payload("customer.created", {"id": "cus_2"}, event_id="evt_p")
    assert post(CONNECT, connect, PLATFORM_SECRET) == (400, b"invalid signature")
    assert post(PLATFORM, platform, CONNECT_SECRET) == (400, b"invalid signature")
    assert post(PLATFORM, connect, CONNECT_SECRET) == (400, b"invalid signature")
    assert not StripeEvent.objects.exists()
    # Each one's own secret is taken: the refusals above were the secrets', not the events'.
    assert post(PLATFORM, platform, PLATFORM_SECRET) == (200, b"ok")
    assert post(CONNECT, connect, CONNECT_SECRET) == (200, b"ok")
    assert sorted(StripeEvent.objects.values_list("stripe_id", flat=True)) == ["evt_c", "evt_p"]


@WAYS_IN
def test_without_its_secret_the_connect_endpoint_takes_nothing(post: Post, settings: Any) -> None:
    # An HMAC under an empty key is one anybody can make.
    settings.STRIPE_CONNECT_WEBHOOK_SECRET = ""
    payload = connect_event("customer.created", {"id": "cus_1"}, account="acct_seller_1", event_id="evt_nokey")
    assert post(CONNECT, payload, "") == (400, b"invalid signature")
    assert not StripeEvent.objects.exists()


def test_a_connect_event_reaches_the_organization_owning_its_account_and_an_unknown_account_changes_nothing(
    org: Organization, other_org: Organization
) -> None:
    owned = ConnectedAccount.objects.create(
        organization=org, stripe_account_id="acct_owned", charges_enabled=True, payouts_enabled=True
    )
    ConnectedAccount.objects.create(
        organization=other_org, stripe_account_id="acct_other", charges_enabled=True, payouts_enabled=True
    )
    application = {"id": "ca_platform", "object": "application", "name": "invoicedesk"}
    for account, event_id in (("acct_owned", "evt_deauth_owned"), ("acct_nobody", "evt_deauth_nobody")):
        payload = connect_event("account.application.deauthorized", application, account=account, event_id=event_id)
        assert via_wsgi(CONNECT, payload, CONNECT_SECRET) == (200, b"ok")

    owned.refresh_from_db()
    assert owned.deauthorized_at is not None
    alerts = Alert.objects.filter(kind=AlertKind.STRIPE_ACCOUNT_DISCONNECTED)
    assert list(alerts.values_list("organization_id", "subject")) == [(org.pk, "acct_owned")]
    assert ConnectedAccount.objects.get(stripe_account_id="acct_other").deauthorized_at is None
    # Both are stored and done; the unknown account's was handled by leaving everything alone.
    stored = dict(StripeEvent.objects.values_list("account", "status"))
    assert stored == {"acct_owned": StripeEventStatus.PROCESSED, "acct_nobody": StripeEventStatus.PROCESSED}


def test_what_is_not_a_post_to_the_connect_endpoint_goes_to_django() -> None:
    refused = through_wsgi("GET", CONNECT)
    assert refused.status_code == 405 and refused.headers["Allow"] == "POST"
