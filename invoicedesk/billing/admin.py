from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from invoicedesk.audit.admin import AuditedModelAdmin

from .models import BillingInvoice, Buyer, InvoiceLine
from .services import buyer_registration_number_entered


@admin.register(Buyer)
class BuyerAdmin(AuditedModelAdmin):
    list_display = ["company_name", "contact_name", "email", "language", "organization"]
    list_filter = ["organization", "language"]
    search_fields = ["company_name", "email"]

    def save_model(self, request: HttpRequest, obj: Buyer, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if "invoice_registration_number" in form.changed_data:
            buyer_registration_number_entered(obj)


def _has_payment_link(obj: BillingInvoice | None) -> bool:
    return (
        obj is not None
        and obj.pk is not None
        and BillingInvoice.objects.filter(pk=obj.pk, payment_link__isnull=False).exists()
    )


class InvoiceLineInline(admin.TabularInline[InvoiceLine, BillingInvoice]):
    """The lines decide the amounts per tax rate on return invoices: fixed once the invoice has a payment link."""

    model = InvoiceLine
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: BillingInvoice | None = None) -> bool:
        return not _has_payment_link(obj)

    def has_change_permission(self, request: HttpRequest, obj: BillingInvoice | None = None) -> bool:
        return not _has_payment_link(obj)

    def has_delete_permission(self, request: HttpRequest, obj: BillingInvoice | None = None) -> bool:
        return not _has_payment_link(obj)


@admin.register(BillingInvoice)
class BillingInvoiceAdmin(AuditedModelAdmin):
    list_display = ["number", "buyer", "issue_date", "due_date", "amount", "currency", "payment_method", "organization"]
    list_filter = ["organization", "payment_method"]
    search_fields = ["number", "buyer__company_name"]
    list_select_related = ["buyer", "organization"]
    autocomplete_fields = ["buyer"]
    date_hierarchy = "issue_date"
    show_full_result_count = False
    inlines = [InvoiceLineInline]

    def get_readonly_fields(self, request: HttpRequest, obj: BillingInvoice | None = None) -> list[str]:
        # Once an invoice has a payment link, its money is what the buyer was asked for and what Stripe holds:
        # changing its amount, currency or method behind the refund procedure would make refunds lie.
        if (
            obj is not None
            and obj.pk is not None
            and BillingInvoice.objects.filter(pk=obj.pk, payment_link__isnull=False).exists()
        ):
            return ["organization", "number", "amount", "currency", "payment_method"]
        return []

    def has_delete_permission(self, request: HttpRequest, obj: BillingInvoice | None = None) -> bool:
        return obj is None or not BillingInvoice.objects.filter(pk=obj.pk, payment_link__isnull=False).exists()
