from django.contrib import admin

from invoicedesk.core.admin import ReadOnlyAdminMixin

from .models import Refund


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Refund]):
    """Read-only for support staff: refunds move only through the refund services."""

    list_display = [
        "requested_at",
        "payment_link",
        "amount",
        "currency",
        "classification",
        "status",
        "stripe_refund_id",
        "requested_by",
        "organization",
    ]
    list_filter = ["status", "classification", "source", "organization"]
    search_fields = ["stripe_refund_id", "payment_link__invoice__number", "idempotency_key"]
    list_select_related = ["payment_link__invoice", "requested_by", "organization"]
    show_full_result_count = False
