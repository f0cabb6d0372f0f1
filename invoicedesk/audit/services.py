from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models

from .chain import AUDIT_CHAIN, chain_insert
from .models import AuditAction, AuditEntry


def audit_record(
    *,
    action: AuditAction,
    target: models.Model,
    organization: models.Model | None = None,
    organization_id: int | None = None,
    actor: AbstractBaseUser | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditEntry:
    """Write an audit row, the next link of its organization's chain; call it inside the transaction that makes
    the change, after its row locks (the chain's head stays locked until commit)."""
    entry = AuditEntry(
        organization_id=organization.pk if organization is not None else organization_id,
        # By id: audit sits below accounts and knows the user model only as settings.AUTH_USER_MODEL.
        actor_id=actor.pk if actor is not None else None,
        action=action,
        object_type=target._meta.label,
        object_id=str(target.pk),
        before=before or {},
        after=after or {},
        ip_address=ip_address,
    )
    return chain_insert(AUDIT_CHAIN, entry)
