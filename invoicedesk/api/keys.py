"""API keys: made (shown once), revoked, and checked on every request — with the rate limit and the audit of
a key used from a new IP address."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from invoicedesk.accounts.models import Membership, User
from invoicedesk.accounts.twofactor import require_second_factor
from invoicedesk.audit.models import AuditAction
from invoicedesk.audit.services import audit_record
from invoicedesk.core.errors import NotFound, ServiceError

from .models import ApiKey, ApiKeyAddress

KEY_PREFIX = "idk_"
RATE_WINDOW = timedelta(minutes=1)


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"rate limited for {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class NewApiKey:
    api_key: ApiKey
    # The whole key: shown once, never stored.
    secret: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic(durable=True)
def api_key_create(
    *, actor: Membership, name: str, expires_at: datetime | None = None, ip_address: str | None = None
) -> NewApiKey:
    """A key for the actor in their current organization, acting with their role there."""
    # A key acts without a second factor from then on: making one needs a session that passed it, where required.
    require_second_factor(actor)
    name = name.strip()
    if not name:
        raise ServiceError(_("Give the key a name, e.g. the system that will use it."), field="name")
    if expires_at is not None and expires_at <= timezone.now():
        raise ServiceError(_("The expiry date must be in the future."), field="expires_at")
    prefix = secrets.token_hex(4)
    secret = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        user=actor.user,
        organization=actor.organization,
        membership=actor,
        name=name,
        prefix=prefix,
        key_hash=_hash(secret),
        expires_at=expires_at,
    )
    audit_record(
        action=AuditAction.API_KEY_CREATE,
        target=api_key,
        organization=actor.organization,
        actor=actor.user,
        after={"name": name, "prefix": prefix, "expires_at": expires_at.isoformat() if expires_at else None},
        ip_address=ip_address,
    )
    return NewApiKey(api_key=api_key, secret=secret)


@transaction.atomic(durable=True)
def api_key_revoke(*, user: User, api_key_id: int, ip_address: str | None = None) -> ApiKey:
    """Revoke one of the user's own keys; it stops working at once."""
    api_key = ApiKey.objects.select_for_update().filter(user=user, pk=api_key_id).first()
    if api_key is None:
        raise NotFound(_("No such API key."))
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        audit_record(
            action=AuditAction.API_KEY_REVOKE,
            target=api_key,
            organization_id=api_key.organization_id,
            actor=user,
            before={"revoked": False},
            after={"revoked": True, "name": api_key.name, "prefix": api_key.prefix},
            ip_address=ip_address,
        )
    return api_key


def api_keys_of(user: User) -> list[ApiKey]:
    return list(ApiKey.objects.filter(user=user).select_related("organization").order_by("-created_at", "-id"))


def api_key_membership(secret: str) -> tuple[ApiKey, Membership] | None:
    """The key and the membership it acts with, or None: unknown, revoked, expired, or its membership removed
    (even if the person was added again since)."""
    if not secret.startswith(KEY_PREFIX):
        return None
    prefix = secret.removeprefix(KEY_PREFIX).partition("_")[0]
    api_key = ApiKey.objects.filter(prefix=prefix).select_related("user").first()
    if api_key is None or not hmac.compare_digest(api_key.key_hash, _hash(secret)):
        return None
    if not api_key.is_usable_at(timezone.now()) or not api_key.user.is_active or api_key.membership_id is None:
        return None
    membership = (
        Membership.objects.select_related("organization", "user")
        .filter(pk=api_key.membership_id, user_id=api_key.user_id, organization_id=api_key.organization_id)
        .first()
    )
    if membership is None:
        return None
    return api_key, membership


def api_key_record_request(api_key: ApiKey, *, ip_address: str | None) -> None:
    """Count the request in the key's one-minute window and note its last use, in one UPDATE (the window is in
    the database, so every web process shares it); the first use from an address the key has not come from is
    audited.

    Raises RateLimited, with the seconds until the window ends, once the key has used its allowance. Under
    concurrent requests the count may be off by a few, never by a window's worth.
    """
    now = timezone.now()
    start = api_key.rate_window_start
    if start is None or start <= now - RATE_WINDOW:
        start, count = now, 1
        ApiKey.objects.filter(pk=api_key.pk).update(
            rate_window_start=now, rate_window_count=1, last_used_at=now, last_used_ip=ip_address
        )
    else:
        count = api_key.rate_window_count + 1
        ApiKey.objects.filter(pk=api_key.pk).update(
            rate_window_count=F("rate_window_count") + 1, last_used_at=now, last_used_ip=ip_address
        )
    if ip_address is not None and ip_address != api_key.last_used_ip:
        _note_address(api_key, ip_address)
    if count > settings.API_RATE_LIMIT_PER_MINUTE:
        raise RateLimited(max(1, math.ceil((start + RATE_WINDOW - now).total_seconds())))


def _note_address(api_key: ApiKey, ip_address: str) -> None:
    if ApiKeyAddress.objects.filter(api_key=api_key, ip_address=ip_address).exists():
        return
    try:
        with transaction.atomic():
            ApiKeyAddress.objects.create(api_key=api_key, ip_address=ip_address)
            audit_record(
                action=AuditAction.API_KEY_NEW_IP,
                target=api_key,
                organization_id=api_key.organization_id,
                actor=api_key.user,
                after={"name": api_key.name, "prefix": api_key.prefix},
                ip_address=ip_address,
            )
    except IntegrityError:
        pass  # another request from that address recorded it first
