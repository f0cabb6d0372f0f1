from typing import Any

from django.http import HttpRequest

from .selectors import approvals_pending


def approvals(request: HttpRequest) -> dict[str, Any]:
    """The menu's count of refunds waiting for approval, for approvers."""
    membership = getattr(request, "membership", None)
    if membership is None or not membership.role_enum.can_approve_refund:
        return {}
    return {
        "can_approve": True,
        "pending_approval_count": approvals_pending(organization=membership.organization).count(),
    }
