from django.contrib import admin

from invoicedesk.core.admin import ReadOnlyAdminMixin

from .models import PaymentLink, PaymentTransaction


@admin.register(PaymentLink)
class PaymentLinkAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[PaymentLink]):
    """Read-only: links move only through the payment services (issue, cancel, Stripe's word)."""

    list_display = ["invoice", "status", "amount_paid", "amount_refunded", "paid_at", "expires_at"]
    list_filter = ["status"]
    search_fields = ["invoice__number", "stripe_payment_intent_id", "stripe_charge_id"]
    list_select_related = ["invoice"]
    raw_id_fields = ["invoice", "addon_contract"]
    # Amounts and status move only through the payment and refund services.
    readonly_fields = [
        "token",
        "status",
        "amount_paid",
        "amount_refunded",
        "paid_at",
        "stripe_payment_intent_id",
        "stripe_charge_id",
        "addon_contract",
    ]
    show_full_result_count = False


@admin.register(PaymentTransaction)
class PaymentTransactionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[PaymentTransaction]):
    """Read-only: the history is append-only."""

    list_display = ["created_at", "kind", "amount", "currency", "status", "stripe_reference", "actor_user"]
    list_filter = ["kind", "organization"]
    search_fields = ["stripe_reference", "payment_link__invoice__number"]
    show_full_result_count = False
