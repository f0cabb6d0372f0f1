"""Sign-in lock-out per (account, address) and per account: django-axes' database handler (settings.AXES_HANDLER).

Axes compares one count with one limit: AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]] makes that count
the failures for this account from this client address (limit AXES_FAILURE_LIMIT). This handler adds the second
rule: once the account has LOGIN_ACCOUNT_FAILURE_LIMIT failures from all addresses within the cool-off, it counts
as at the limit from every address, so guesses spread over many addresses stop too.
"""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


def account_failures(username: str, request: HttpRequest) -> int:
    """Failed sign-ins for the account within the cool-off, from every address."""
    attempts = AccessAttempt.objects.filter(username=username)
    if settings.AXES_COOLOFF_TIME is not None:
        attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
    total: int | None = attempts.aggregate(total=Sum("failures_since_start"))["total"]
    return total or 0


class AccountAndAddressLockout(AxesDatabaseHandler):  # type: ignore[misc]
    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        from_here: int = super().get_failures(request, credentials)
        username = get_client_username(request, credentials)
        if username and account_failures(username, request) >= settings.LOGIN_ACCOUNT_FAILURE_LIMIT:
            limit: int = get_failure_limit(request, credentials)
            return max(from_here, limit)
        return from_here
