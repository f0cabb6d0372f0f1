from typing import Any

from django.http import HttpRequest

from .selectors import addon_state, memberships_of


def tenancy(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = getattr(request, "membership", None)
    return {
        "current_membership": membership,
        "user_memberships": getattr(request, "memberships", None) or memberships_of(user),
        # The organization menu says whether card payments are on; the detail page explains what that means.
        "addon": addon_state(organization=membership.organization) if membership is not None else None,
    }
