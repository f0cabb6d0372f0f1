from django.contrib import admin
from django.http import HttpRequest

from .models import Refund


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin[Refund]):
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Refund | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Refund | None = None) -> bool:
        return False
