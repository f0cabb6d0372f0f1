"""API keys (per user, scoped to one organization) and the answers remembered for idempotency keys."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from invoicedesk.accounts.models import Organization


class ApiKey(models.Model):
    """A secret a program sends as `Authorization: Bearer <key>`; it acts as its user, in one organization.

    Only a SHA-256 hash of the key is stored (keys are long random strings, so a slow hash adds nothing);
    the prefix is shown so the user can tell keys apart.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_keys")
    # The membership it acts through: removing the member revokes the key, and re-adding the person makes a new
    # membership that no old key belongs to (null: its membership was removed).
    membership = models.ForeignKey(
        "accounts.Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="api_keys"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)
    # The rate limit's current window (one minute) and how many requests it has seen.
    rate_window_start = models.DateTimeField(null=True, blank=True)
    rate_window_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable_at(self, moment: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > moment)


class ApiKeyAddress(models.Model):
    """An IP address a key has been used from: the first use from a new one is audited."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="addresses")
    ip_address = models.GenericIPAddressField()
    first_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["api_key", "ip_address"], name="api_key_address_once")]

    def __str__(self) -> str:
        return f"{self.api_key_id} {self.ip_address}"


class IdempotentRequest(models.Model):
    """The first answer to a request made with an `Idempotency-Key`, replayed when the same request comes again.

    Keys are unique per organization. Kept for settings.API_IDEMPOTENCY_RETENTION (at least Stripe's 24 hours).
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # What was asked with the key (a hash of the request): the same key with another request is refused.
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="idempotency_key_once_per_organization"),
            models.CheckConstraint(condition=~Q(key=""), name="idempotency_key_not_empty"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotent_request_created")]

    def __str__(self) -> str:
        return f"{self.organization_id}:{self.key} → {self.status_code}"
