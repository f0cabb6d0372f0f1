from django.contrib import admin

from invoicedesk.core.admin import ReadOnlyAdminMixin

from .models import StripeEvent


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[StripeEvent]):
    """Read-only: Stripe's events as they were delivered."""

    list_display = ["received_at", "stripe_id", "type", "account", "status", "processed_at", "error"]
    list_filter = ["status", "type"]
    search_fields = ["stripe_id"]
    readonly_fields = [
        "stripe_id",
        "type",
        "account",
        "payload",
        "created_at_stripe",
        "received_at",
        "status",
        "processed_at",
        "error",
    ]
    show_full_result_count = False
