from django.contrib import admin

from invoicedesk.core.admin import ReadOnlyAdminMixin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Notification]):
    """Read-only: the outbox moves only through the delivery worker (queued once per email, delivered at least
    once, de-duplicated by Message-ID)."""

    list_display = ["created_at", "kind", "to_email", "language", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status", "kind", "organization"]
    search_fields = ["to_email", "refund__payment_link__invoice__number"]
    readonly_fields = [
        "organization",
        "kind",
        "refund",
        "to_email",
        "language",
        "status",
        "attempts",
        "last_error",
        "message_id",
        "context",
        "created_at",
        "sent_at",
    ]
    show_full_result_count = False
