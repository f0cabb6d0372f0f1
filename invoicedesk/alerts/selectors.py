from __future__ import annotations

from django.db.models import QuerySet

from invoicedesk.accounts.models import Organization

from .models import Alert


def alerts_for(*, organization: Organization, include_acknowledged: bool = False) -> QuerySet[Alert]:
    alerts = Alert.objects.filter(organization=organization).select_related("invoice", "acknowledged_by")
    return alerts if include_acknowledged else alerts.filter(acknowledged_at__isnull=True)
