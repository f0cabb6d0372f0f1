from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from invoicedesk.accounts.models import Membership
from invoicedesk.accounts.tenancy import tenant_view
from invoicedesk.core.errors import Forbidden
from invoicedesk.core.http import client_ip

from .selectors import alerts_for
from .services import alert_acknowledge


@require_GET
@tenant_view
def alert_list(request: HttpRequest, membership: Membership) -> HttpResponse:
    if not membership.role_enum.can_see_alerts:
        raise Forbidden(_("Your role cannot see alerts."))
    show_all = request.GET.get("show") == "all"
    alerts = alerts_for(organization=membership.organization, include_acknowledged=show_all)[:200]
    return render(request, "alerts/alert_list.html", {"alerts": alerts, "show_all": show_all})


@require_POST
@tenant_view
def alert_ack(request: HttpRequest, membership: Membership, alert_id: int) -> HttpResponse:
    alert_acknowledge(actor=membership, alert_id=alert_id, ip_address=client_ip(request))
    messages.success(request, _("Alert acknowledged."))
    return redirect("alerts:alert_list")
