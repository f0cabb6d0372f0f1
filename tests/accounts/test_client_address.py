"""Client addresses behind a proxy: X-Forwarded-For is believed only from TRUSTED_PROXIES, and the address it gives
is the one the lock-out, the API keys and the audit trail use."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory

from invoicedesk.accounts.models import ApprovalPolicy, Organization, Role
from invoicedesk.api.models import ApiKey, ApiKeyAddress
from invoicedesk.audit.models import AuditAction, AuditEntry
from invoicedesk.core.checks import trusted_proxies_are_addresses
from invoicedesk.core.http import client_ip
from invoicedesk.refunds.models import Refund
from tests import factories
from tests.api.conftest import key_for, paid_invoice_without_stripe

PROXY = "10.0.0.2"
ALICE = "203.0.113.9"
BOB = "198.51.100.20"


@pytest.fixture(autouse=True)
def _behind_a_proxy(settings: Any) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]


def through_proxy(client_address: str, **extra: Any) -> Client:
    """A browser at `client_address` reaching the app through the TLS proxy, which appends what it saw."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_address, **extra)


def sign_in(client: Client, email: str, password: str) -> Any:
    return client.post("/accounts/login/", {"username": email, "password": password})


def address(settings: Any, trusted: list[str], remote_addr: str | None, forwarded_for: str | None = None) -> str | None:
    settings.TRUSTED_PROXIES = trusted
    request = RequestFactory().get("/")
    if forwarded_for is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded_for
    if remote_addr is None:
        del request.META["REMOTE_ADDR"]
    else:
        request.META["REMOTE_ADDR"] = remote_addr
    return client_ip(request)


@pytest.mark.django_db
def test_locking_out_one_client_behind_the_proxy_leaves_the_other_signing_in(org: Organization) -> None:
    victim = factories.member(org, Role.OPERATOR, email="victim@example.test")
    bystander = factories.member(org, Role.VIEWER, email="bystander@example.test")
    alice = through_proxy(ALICE)
    for _ in range(django_settings.AXES_FAILURE_LIMIT):
        answer = sign_in(alice, victim.email, "guess")
    assert 'data-testid="locked-out"' in answer.content.decode()
    assert 'data-testid="locked-out"' in sign_in(alice, victim.email, factories.PASSWORD).content.decode()
    # Bob, another client of the same proxy, signs in to the very account Alice was guessing at ...
    assert sign_in(through_proxy(BOB), victim.email, factories.PASSWORD).status_code == 302
    # ... and the other people behind the proxy are not touched either.
    assert sign_in(through_proxy("198.51.100.21"), bystander.email, factories.PASSWORD).status_code == 302

    failed = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED, actor=victim)
    assert failed.count() >= django_settings.AXES_FAILURE_LIMIT
    assert set(failed.values_list("ip_address", flat=True)) == {ALICE}
    assert AuditEntry.objects.get(action=AuditAction.LOGIN, actor=victim).ip_address == BOB


@pytest.mark.django_db
def test_a_client_that_does_not_come_through_the_proxy_cannot_choose_its_address(org: Organization) -> None:
    victim = factories.member(org, Role.OPERATOR, email="victim@example.test")
    # Straight to the app, each guess claiming another forwarded address: all are counted against the real one.
    for attempt in range(django_settings.AXES_FAILURE_LIMIT):
        spoofing = Client(REMOTE_ADDR="192.0.2.66", HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt + 100}")
        answer = sign_in(spoofing, victim.email, "guess")
    assert 'data-testid="locked-out"' in answer.content.decode()
    failed = AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED, actor=victim)
    assert set(failed.values_list("ip_address", flat=True)) == {"192.0.2.66"}
    # Through the proxy, a forged address written before the proxy's own entry is ignored too.
    assert sign_in(through_proxy(f"192.0.2.66, {BOB}"), victim.email, factories.PASSWORD).status_code == 302
    assert AuditEntry.objects.get(action=AuditAction.LOGIN, actor=victim).ip_address == BOB


@pytest.mark.django_db
def test_the_api_and_the_refund_audit_rows_record_the_client_behind_the_proxy(org: Organization) -> None:
    org.refund_approval_policy = ApprovalPolicy.ALWAYS  # held: nothing goes to Stripe
    org.save()
    paid = paid_invoice_without_stripe(org, number="INV-PROXY-1")
    operator = factories.member(org, Role.OPERATOR, email="operator@example.test")
    api = through_proxy(ALICE, HTTP_AUTHORIZATION=f"Bearer {key_for(operator, org)}")
    body = {"invoice_id": paid.pk, "amount": 22_000, "currency": "JPY", "classification": "PARTIAL"}
    created = api.post("/api/v1/refunds", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="proxy-1")
    assert created.status_code == 201, created.content
    key = ApiKey.objects.get()
    assert key.last_used_ip == ALICE
    assert list(ApiKeyAddress.objects.values_list("ip_address", flat=True)) == [ALICE]
    assert AuditEntry.objects.get(action=AuditAction.API_KEY_NEW_IP).ip_address == ALICE
    assert AuditEntry.objects.get(action=AuditAction.REFUND_REQUEST).ip_address == ALICE

    # The same person withdraws the request from a browser elsewhere, through the same proxy.
    browser = through_proxy(BOB)
    assert sign_in(browser, operator.email, factories.PASSWORD).status_code == 302
    refund = Refund.objects.get()
    canceled = browser.post(f"/billing/invoices/{paid.pk}/refunds/{refund.pk}/cancel/")
    assert canceled.status_code == 302
    assert AuditEntry.objects.get(action=AuditAction.REFUND_CANCEL).ip_address == BOB
    assert AuditEntry.objects.get(action=AuditAction.LOGIN, actor=operator).ip_address == BOB


@pytest.mark.parametrize(
    ("trusted", "remote_addr", "forwarded_for", "client"),
    [
        # No proxy configured: the header is anyone's to write, so it is never read.
        ([], "10.0.0.2", ALICE, "10.0.0.2"),
        # Not from a trusted proxy: the peer is the client.
        (["10.0.0.0/24"], "192.0.2.66", ALICE, "192.0.2.66"),
        (["10.0.0.0/24"], "10.0.0.2", ALICE, ALICE),
        # What the client wrote itself is left of the proxy's entry, and ignored.
        (["10.0.0.0/24"], "10.0.0.2", f"6.6.6.6, {ALICE}", ALICE),
        (["10.0.0.0/24"], "10.0.0.2", f"not-an-address, {ALICE}", ALICE),
        # Two proxies of ours (a CDN edge, then the load balancer): both are walked past.
        (["10.0.0.0/24", "192.0.2.10"], "10.0.0.2", f"6.6.6.6, {ALICE}, 192.0.2.10", ALICE),
        # A proxy of ours that forwarded nothing usable: its own address, never a guess.
        (["10.0.0.0/24"], "10.0.0.2", None, "10.0.0.2"),
        (["10.0.0.0/24"], "10.0.0.2", "garbage", "10.0.0.2"),
        (["10.0.0.0/24"], "10.0.0.2", "10.0.0.7", "10.0.0.7"),
        # IPv6, bracketed with a port, and RFC 7239 spelling.
        (["fd00::/8"], "fd00::1", "[2001:db8::5]:443", "2001:db8::5"),
        (["fd00::/8"], "fd00::1", 'for="[2001:db8::6]"', "2001:db8::6"),
        (["10.0.0.2"], "10.0.0.2", ALICE, ALICE),
        (["10.0.0.2"], "10.0.0.3", ALICE, "10.0.0.3"),
        ([], None, None, None),
    ],
)
def test_client_ip(
    settings: Any, trusted: list[str], remote_addr: str | None, forwarded_for: str | None, client: str | None
) -> None:
    assert address(settings, trusted, remote_addr, forwarded_for) == client


def test_an_invalid_trusted_proxy_fails_the_check_naming_it(settings: Any) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.10"]
    assert trusted_proxies_are_addresses(None) == []
    for bad in ("proxy.internal", "10.0.0.5/8", "10.0.0.0/33"):
        settings.TRUSTED_PROXIES = ["10.0.0.0/8", bad]
        errors = trusted_proxies_are_addresses(None)
        assert [error.id for error in errors] == ["invoicedesk.E003"] and repr(bad) in errors[0].msg
        # A process started without the check refuses rather than trusting something nobody meant.
        with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES"):
            address(settings, settings.TRUSTED_PROXIES, "10.0.0.2", ALICE)
