"""API keys: made on the user's page (shown once, stored hashed), revoked there, expiring, audited; 401 for
anything but a good key; the role of the key's user; the rate limit per key."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from invoicedesk.accounts.models import Membership, Organization, Role, User
from invoicedesk.api.models import ApiKey
from invoicedesk.audit.models import AuditAction, AuditEntry
from tests import factories

from .conftest import ApiClient, key_for

pytestmark = pytest.mark.django_db


def test_a_key_made_on_the_page_is_shown_once_stored_hashed_and_works(
    operator: User, login: Callable[[User], Client], org: Organization
) -> None:
    page = login(operator)
    assert 'href="/accounts/api-keys/"' in page.get("/billing/").content.decode()
    made = page.post("/accounts/api-keys/", {"name": "order system", "expires_on": ""}, follow=True)
    assert made.redirect_chain == [("/accounts/api-keys/", 302)]
    html = made.content.decode()
    secret = re.search(r'data-testid="api-key-secret">(idk_[^<]+)<', html)
    assert secret, html
    assert made["Cache-Control"] == "no-store"
    key = ApiKey.objects.get()
    assert key.organization == org and key.user == operator and key.expires_at is None
    assert key.key_hash == hashlib.sha256(secret[1].encode()).hexdigest() and secret[1] not in str(key.__dict__)
    assert secret[1].startswith(f"idk_{key.prefix}_")
    again = page.get("/accounts/api-keys/").content.decode()
    assert secret[1] not in again and f"idk_{key.prefix}_…" in again
    assert ApiClient(secret[1]).get("/invoices").status_code == 200
    refused = page.post("/accounts/api-keys/", {"name": "  ", "expires_on": "2020-01-01"}).content.decode()
    assert "must be in the future" in refused or "This field is required" in refused
    assert ApiKey.objects.count() == 1
    created = AuditEntry.objects.get(action=AuditAction.API_KEY_CREATE)
    assert created.actor == operator and created.after["prefix"] == key.prefix and secret[1] not in str(created.after)


def test_the_page_is_in_japanese_too(org: Organization, login: Callable[[User], Client]) -> None:
    user = factories.member(org, Role.OPERATOR, language="ja")
    html = login(user).get("/accounts/api-keys/").content.decode()
    assert "APIキー" in html and "API keys" not in html


def test_revoked_and_expired_keys_and_bad_keys_get_401(
    operator: User, org: Organization, login: Callable[[User], Client]
) -> None:
    secret = key_for(operator, org)
    key = ApiKey.objects.get()
    page = login(operator)
    assert page.post(f"/accounts/api-keys/{key.pk}/revoke/").status_code == 302
    revoked = ApiClient(secret).get("/invoices")
    assert revoked.status_code == 401 and revoked.json()["code"] == "unauthenticated"
    assert revoked["WWW-Authenticate"] == "Bearer"
    assert AuditEntry.objects.filter(action=AuditAction.API_KEY_REVOKE, object_id=str(key.pk)).count() == 1

    expiring = key_for(operator, org, expires_at=timezone.now() + timedelta(days=1))
    assert ApiClient(expiring).get("/invoices").status_code == 200
    ApiKey.objects.filter(revoked_at__isnull=True).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert ApiClient(expiring).get("/invoices").status_code == 401

    assert ApiClient(secret[:-2] + "xx").get("/invoices").status_code == 401
    assert ApiClient("idk_nothing_here").get("/invoices").status_code == 401
    missing = Client().get("/api/v1/invoices")
    assert missing.status_code == 401 and missing.json()["code"] == "unauthenticated"


def test_someone_elses_key_cannot_be_revoked(
    operator: User, org: Organization, login: Callable[[User], Client]
) -> None:
    key_for(operator, org)
    stranger = login(factories.member(org, Role.ADMIN))
    assert stranger.post(f"/accounts/api-keys/{ApiKey.objects.get().pk}/revoke/").status_code == 404
    assert ApiKey.objects.get().revoked_at is None


def test_a_key_stops_working_when_its_user_leaves_the_organization(operator: User, org: Organization) -> None:
    secret = key_for(operator, org)
    Membership.objects.filter(user=operator).delete()
    assert ApiClient(secret).get("/invoices").status_code == 401


def test_a_key_acts_with_its_users_current_role(operator: User, org: Organization) -> None:
    client = ApiClient(key_for(operator, org))
    assert client.get("/alerts").status_code == 200
    Membership.objects.filter(user=operator).update(role=Role.VIEWER)
    refused = client.get("/alerts")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"


def test_last_use_is_kept_and_a_new_address_is_audited_once(operator: User, org: Organization) -> None:
    secret = key_for(operator, org)
    for _ in range(3):
        ApiClient(secret, ip="198.51.100.1").get("/invoices")
    ApiClient(secret, ip="198.51.100.2").get("/invoices")
    key = ApiKey.objects.get()
    assert key.last_used_at is not None and key.last_used_ip == "198.51.100.2"
    new_ip = AuditEntry.objects.filter(action=AuditAction.API_KEY_NEW_IP).order_by("id")
    assert [entry.ip_address for entry in new_ip] == ["198.51.100.1", "198.51.100.2"]


def test_rate_limit_per_key_with_retry_after(
    operator: User, org: Organization, settings: pytest.FixtureRequest
) -> None:
    settings.API_RATE_LIMIT_PER_MINUTE = 3  # type: ignore[attr-defined]
    client = ApiClient(key_for(operator, org))
    other = ApiClient(key_for(operator, org))
    assert [client.get("/invoices").status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get("/invoices")
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 60 and limited.json()["details"]["retry_after"] == int(
        limited["Retry-After"]
    )
    assert other.get("/invoices").status_code == 200  # per key, not per user
    ApiKey.objects.filter(pk=ApiKey.objects.order_by("id").first().pk).update(  # type: ignore[union-attr]
        rate_window_start=timezone.now() - timedelta(minutes=2)
    )
    assert client.get("/invoices").status_code == 200  # a new window


def test_the_docs_use_the_session_with_csrf(operator: User, login: Callable[[User], Client], org: Organization) -> None:
    page = login(operator)
    docs = page.get("/api/v1/docs")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
    schema = page.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1") and "/api/v1/refunds" in schema["paths"]
    assert page.get("/api/v1/alerts").status_code == 200  # the session authenticates reads
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(operator)
    alert_id = 1
    refused = strict.post(f"/api/v1/alerts/{alert_id}/acknowledge", content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"


def test_messages_come_in_the_keys_users_language(org: Organization) -> None:
    user = factories.member(org, Role.OPERATOR, language="ja")
    missing = ApiClient(key_for(user, org)).get("/invoices/999999")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert missing.json()["message"] == "該当する請求書がありません。"
