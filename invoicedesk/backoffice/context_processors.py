from typing import Any

from django.http import HttpRequest

from invoicedesk.accounts.selectors import addon_state, memberships_of
from invoicedesk.alerts.selectors import alerts_for
from invoicedesk.refunds.selectors import approvals_pending

from .twofactor_views import second_factor_prompt


def top_bar(request: HttpRequest) -> dict[str, Any]:
    """What every page's top bar shows: the organizations, whether card payments are on (the add-on), and for
    those whose role sees them, how many alerts are open and how many refunds await approval."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = getattr(request, "membership", None)
    context: dict[str, Any] = {
        "current_membership": membership,
        # Read once by CurrentOrganizationMiddleware; a request that did not pass it reads them here.
        "user_memberships": request.memberships if hasattr(request, "memberships") else memberships_of(user),
        "addon": None,
    }
    if membership is None:
        return context
    organization = membership.organization
    role = membership.role_enum
    context["second_factor_prompt"] = second_factor_prompt(request)
    context["addon"] = addon_state(organization=organization)
    if role.can_see_alerts:
        context.update(can_see_alerts=True, open_alert_count=alerts_for(organization=organization).count())
    if role.can_approve_refund:
        context.update(can_approve=True, pending_approval_count=approvals_pending(organization=organization).count())
    return context
