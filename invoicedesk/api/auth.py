"""Who is calling: an API key (`Authorization: Bearer idk_…`) or, for the browser docs page, the signed-in
session with its CSRF token. Either way the caller acts as a Membership: a user with a role in one organization."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer

from invoicedesk.accounts.models import Membership
from invoicedesk.core.http import client_ip

from .keys import api_key_membership, api_key_record_request


class Unauthenticated(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ApiKeyAuth(HttpBearer):
    """An API key made on the API keys page; rate limited per key."""

    def authenticate(self, request: HttpRequest, token: str) -> Membership:
        found = api_key_membership(token)
        if found is None:
            raise Unauthenticated(_("This API key is not valid: it is unknown, revoked or expired."))
        api_key, membership = found
        if membership.user.language:
            # Messages in the key's user's language, as the pages would show them (else Accept-Language).
            translation.activate(membership.user.language)
            request.LANGUAGE_CODE = membership.user.language
        api_key_record_request(api_key, ip_address=client_ip(request))
        return membership


class SessionAuth(APIKeyCookie):
    """The signed-in user's session (the docs page's "Try it out"); unsafe methods need the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a signed-in session there is nothing for CSRF to protect: a request with no credentials at all
        # is 401 `unauthenticated` whatever its method, not a CSRF refusal (403).
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Membership | None:
        if not request.user.is_authenticated:
            return None
        return cast(Membership | None, getattr(request, "membership", None))


def member(request: HttpRequest) -> Membership:
    """The caller's membership, set by whichever authentication succeeded."""
    return cast(Membership, request.auth)  # type: ignore[attr-defined]
