"""Idempotency keys of API requests: the first answer is remembered with a fingerprint of the request and
replayed for the same request; the same key with another request is refused (idempotency_key_reused)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from invoicedesk.accounts.models import Organization

from .models import IdempotentRequest

# Refund idempotency keys (UUIDs) made from an organization's API keys: the same client key in two
# organizations gives two different refund keys.
_REFUND_KEY_NAMESPACE = uuid.UUID("5f0c6c1e-9d51-4a3e-9a53-2b8f1d7c0a61")


def refund_key_for(*, organization: Organization, key: str) -> uuid.UUID:
    return uuid.uuid5(_REFUND_KEY_NAMESPACE, f"{organization.pk}:{key}")


@dataclass(frozen=True)
class Remembered:
    fingerprint: str
    status_code: int
    body: Any


def idempotent_request_get(*, organization: Organization, key: str) -> Remembered | None:
    found = IdempotentRequest.objects.filter(organization=organization, key=key).first()
    if found is None:
        return None
    return Remembered(found.fingerprint, found.status_code, found.response_body)


def idempotent_request_remember(
    *, organization: Organization, key: str, fingerprint: str, status_code: int, body: Any
) -> tuple[Remembered, bool]:
    """Store the first answer; if a concurrent request stored one first, that one is the answer (and False)."""
    try:
        with transaction.atomic():
            IdempotentRequest.objects.create(
                organization=organization,
                key=key,
                fingerprint=fingerprint,
                status_code=status_code,
                response_body=body,
            )
    except IntegrityError:
        winner = idempotent_request_get(organization=organization, key=key)
        if winner is not None:
            return winner, False
        raise
    return Remembered(fingerprint, status_code, body), True


def idempotent_requests_purge() -> int:
    """Periodic job: forget answers older than the retention (the refunds themselves keep their keys for ever)."""
    cutoff = timezone.now() - settings.API_IDEMPOTENCY_RETENTION
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted
