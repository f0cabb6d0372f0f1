from django.contrib import admin

from invoicedesk.core.admin import ReadOnlyAdminMixin

from .models import Alert


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Alert]):
    """Read-only: alerts are raised by the services and acknowledged on the Alerts page (audited)."""

    list_display = ["created_at", "organization", "kind", "subject", "amount", "currency", "acknowledged_at"]
    list_filter = ["kind", "organization"]
    search_fields = ["subject", "invoice__number"]
    show_full_result_count = False
