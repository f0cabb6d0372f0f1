"""Sign-ins, sign-outs and failed sign-ins go to the audit trail (Django's auth signals, connected in
AccountsConfig.ready())."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from invoicedesk.audit.chain import AUDIT_CHAIN, chain_insert
from invoicedesk.audit.models import AuditAction, AuditEntry
from invoicedesk.core.http import client_ip

from .models import User


def _ip(request: HttpRequest | None) -> str | None:
    return client_ip(request) if request is not None else None


def _record(action: AuditAction, user: User | None, request: HttpRequest | None, after: dict[str, Any]) -> None:
    # The membership is not known yet at sign-in: these entries belong to no organization.
    entry = AuditEntry(
        actor=user,
        action=action,
        object_type="accounts.User",
        object_id=str(user.pk) if user is not None else "",
        after=after,
        ip_address=_ip(request),
    )
    chain_insert(AUDIT_CHAIN, entry)


def on_login(sender: Any, *, request: HttpRequest, user: User, **kwargs: Any) -> None:
    _record(AuditAction.LOGIN, user, request, {"email": user.email})


def on_logout(sender: Any, *, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        _record(AuditAction.LOGOUT, user, request, {"email": user.email})


def on_login_failed(
    sender: Any, *, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    email = str(credentials.get("username") or credentials.get("email") or "")
    _record(AuditAction.LOGIN_FAILED, User.objects.filter(email__iexact=email).first(), request, {"email": email})
