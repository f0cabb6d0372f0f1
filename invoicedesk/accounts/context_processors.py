from typing import Any

from django.http import HttpRequest

from .selectors import memberships_of


def tenancy(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "current_membership": getattr(request, "membership", None),
        "user_memberships": memberships_of(user),
    }
