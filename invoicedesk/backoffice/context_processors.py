from collections.abc import Mapping
from typing import Any

from django.db.models import Subquery
from django.http import HttpRequest
from django.utils import timezone

from invoicedesk.accounts.models import Organization
from invoicedesk.accounts.selectors import addon_state_columns, addon_state_from, memberships_of
from invoicedesk.alerts.selectors import alerts_for
from invoicedesk.core.queries import SubqueryCount
from invoicedesk.refunds.selectors import approvals_pending


def top_bar(request: HttpRequest) -> dict[str, Any]:
    """What every page's top bar shows, read in one statement: the organizations, whether card payments are on
    (the add-on), and for those whose role sees them, open alerts and refunds awaiting approval."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = getattr(request, "membership", None)
    context: dict[str, Any] = {
        "current_membership": membership,
        "user_memberships": getattr(request, "memberships", None) or memberships_of(user),
        "addon": None,
    }
    if membership is None:
        return context
    organization = membership.organization
    role = membership.role_enum
    columns: dict[str, Subquery] = addon_state_columns(timezone.now())
    if role.can_see_alerts:
        columns["open_alerts"] = SubqueryCount(alerts_for(organization=organization).values("pk"))
    if role.can_approve_refund:
        columns["pending_approvals"] = SubqueryCount(approvals_pending(organization=organization).values("pk"))
    row: Mapping[str, Any] = Organization.objects.filter(pk=organization.pk).values(**columns).get()
    context["addon"] = addon_state_from(row)
    if role.can_see_alerts:
        context.update(can_see_alerts=True, open_alert_count=row["open_alerts"])
    if role.can_approve_refund:
        context.update(can_approve=True, pending_approval_count=row["pending_approvals"])
    return context
