"""Per-request user language and current organization."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from .selectors import membership_get, memberships_of

SESSION_ORGANIZATION_KEY = "organization_id"


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
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            chosen = request.session.get(SESSION_ORGANIZATION_KEY)
            membership = membership_get(user=user, organization_id=chosen) if chosen else None
            if membership is None:
                membership = memberships_of(user).first()
            request.membership = membership  # type: ignore[attr-defined]
            if membership is not None:
                timezone.activate(ZoneInfo(membership.organization.time_zone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
