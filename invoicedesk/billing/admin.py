from django.contrib import admin

from .models import BillingInvoice, Buyer


@admin.register(Buyer)
class BuyerAdmin(admin.ModelAdmin[Buyer]):
    list_display = ["company_name", "contact_name", "email", "language", "organization"]
    list_filter = ["organization", "language"]
    search_fields = ["company_name", "email"]


@admin.register(BillingInvoice)
class BillingInvoiceAdmin(admin.ModelAdmin[BillingInvoice]):
    list_display = ["number", "buyer", "issue_date", "due_date", "amount", "currency", "payment_method", "organization"]
    list_filter = ["organization", "payment_method"]
    search_fields = ["number", "buyer__company_name"]
    list_select_related = ["buyer", "organization"]
    autocomplete_fields = ["buyer"]
    date_hierarchy = "issue_date"
    show_full_result_count = False
