from django.contrib import admin

from invoicedesk.core.admin import ReadOnlyAdminMixin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[AuditEntry]):
    """Read-only: the audit trail is append-only."""

    list_display = ["created_at", "actor", "action", "object_type", "object_id", "organization", "ip_address"]
    list_filter = ["action", "object_type", "organization"]
    search_fields = ["object_id", "actor__email"]
    show_full_result_count = False
