"""Per-request user language and current organization."""

from __future__ import annotations

import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from .selectors import memberships_of

SESSION_ORGANIZATION_KEY = "organization_id"
SESSION_RENEWED_KEY = "renewed_at"


class SessionRenewalMiddleware:
    """Keeps a session in use alive (SESSION_COOKIE_AGE of idleness ends it) with at most one write every
    SESSION_RENEW_SECONDS, instead of a write on every request: most page views then write nothing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        user = getattr(request, "user", None)
        # Only a signed-in user's session: writing to any other (an unknown or expired cookie) would store a new one.
        if user is not None and user.is_authenticated:
            now = int(time.time())
            if now - session.get(SESSION_RENEWED_KEY, 0) >= settings.SESSION_RENEW_SECONDS:
                session[SESSION_RENEWED_KEY] = now  # modified: saved, with a new expiry, after the response
        return self.get_response(request)


class UserLanguageMiddleware:
    """A signed-in user's saved language wins over the browser's Accept-Language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class CurrentOrganizationMiddleware:
    """Sets `request.membership` (the user's membership in the current organization) or None.

    The current organization is the one chosen in the session, else the first
    the user belongs to. Every tenant-scoped view reads it from here. Times are shown in
    that organization's time zone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        request.memberships = []  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # All of them in one query: the organization menu lists them too.
            memberships = list(memberships_of(user))
            chosen = request.session.get(SESSION_ORGANIZATION_KEY)
            membership = next((m for m in memberships if m.organization_id == chosen), None)
            if membership is None and memberships:
                membership = memberships[0]
            # Set by django-otp's OTPMiddleware: this session passed the second factor. The services read it from the
            # membership they are given (accounts.twofactor).
            is_verified = getattr(user, "is_verified", None)
            verified = bool(is_verified is not None and is_verified())
            for each in memberships:
                each.second_factor_verified = verified
            request.membership = membership  # type: ignore[attr-defined]
            request.memberships = memberships  # type: ignore[attr-defined]
            if membership is not None:
                timezone.activate(ZoneInfo(membership.organization.time_zone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
