"""What raising an alert calls, explicitly, in the app above that owns the follow-up (core.hooks)."""

from __future__ import annotations

from typing import Protocol

from invoicedesk.core.hooks import Hook

from .models import Alert


class AlertEvent(Protocol):
    def __call__(self, *, alert: Alert) -> object: ...


# alerts.services.alert_raise, inside the transaction that raises a new alert: notifications emails the
# organization's admins (registered in NotificationsConfig.ready()).
alert_raised: Hook[AlertEvent] = Hook("alerts.alert_raised")
