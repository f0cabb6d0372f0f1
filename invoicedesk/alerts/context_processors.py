from typing import Any

from django.http import HttpRequest

from .selectors import open_alert_count


def alerts(request: HttpRequest) -> dict[str, Any]:
    """The menu's count of open alerts, for those who look after them."""
    membership = getattr(request, "membership", None)
    if membership is None or not membership.role_enum.can_see_alerts:
        return {}
    return {"open_alert_count": open_alert_count(organization=membership.organization), "can_see_alerts": True}
