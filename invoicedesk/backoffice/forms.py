from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from invoicedesk.accounts.models import ApprovalPolicy, Role
from invoicedesk.audit.models import AuditAction
from invoicedesk.billing.models import PaymentMethod
from invoicedesk.billing.selectors import InvoiceFilters, SearchTerm
from invoicedesk.core.forms import MoneyAmountField, set_currency
from invoicedesk.payments.models import PaymentLinkStatus

from .services import OrganizationSettings


class InvoiceSearchForm(forms.Form):
    """The search box of the Billing Invoices tab. Every field is optional."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_(
            "Invoice No., company, contact, email, amount, card's last 4 digits, or a Stripe id (pi_…, ch_…, re_…)"
        ),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    number = forms.CharField(label=_("Billing Invoice No."), required=False, max_length=64)
    bill_to = forms.CharField(label=_("Bill to"), required=False, max_length=200)
    issued_from = forms.DateField(
        label=_("Issued from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    issued_to = forms.DateField(label=_("Issued to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    amount_min = MoneyAmountField(label=_("Billing Amount from"))
    amount_max = MoneyAmountField(label=_("Billing Amount to"))
    status = forms.MultipleChoiceField(
        label=_("Online Payment Link Status"),
        required=False,
        choices=PaymentLinkStatus.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    payment_method = forms.ChoiceField(
        label=_("Payment method"),
        required=False,
        choices=[("", _("Any")), *PaymentMethod.choices],
    )

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_currency(self, currency)
        self.currency = currency

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("issued_from") and data.get("issued_to") and data["issued_from"] > data["issued_to"]:
            self.add_error("issued_to", _("The end of the range is before its start."))
        low, high = data.get("amount_min"), data.get("amount_max")
        if low is not None and high is not None and low > high:
            self.add_error("amount_max", _("The end of the range is below its start."))
        return data

    def filters(self) -> InvoiceFilters:
        """The search to run; call after is_valid(). Invalid fields are left out."""
        data = self.cleaned_data
        return InvoiceFilters(
            number=(data.get("number") or "").strip(),
            bill_to=(data.get("bill_to") or "").strip(),
            issued_from=data.get("issued_from"),
            issued_to=data.get("issued_to"),
            amount_min=data.get("amount_min"),
            amount_max=data.get("amount_max"),
            statuses=tuple(data.get("status") or ()),
            payment_method=data.get("payment_method") or "",
            search=SearchTerm.parse(data.get("q") or "", self.currency),
        )


class OrganizationSettingsForm(forms.Form):
    """Refund approval policy and related settings (admins)."""

    refund_approval_policy = forms.ChoiceField(
        label=_("Refund approval"), choices=ApprovalPolicy.choices, widget=forms.RadioSelect
    )
    refund_approval_threshold_amount = MoneyAmountField(label=_("Amount from which approval is needed"))
    refund_approval_threshold_percent = forms.IntegerField(
        label=_("Share of the payment from which approval is needed (%)"), required=False, min_value=1, max_value=100
    )
    refund_approval_expiry_hours = forms.IntegerField(
        label=_("A request not decided within (hours) expires"), min_value=1, max_value=24 * 30
    )
    email_buyer_on_outside_refunds = forms.BooleanField(
        label=_("Email the buyer about refunds made outside invoicedesk (for example in the Stripe Dashboard)"),
        required=False,
    )

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_currency(self, currency)

    def settings(self) -> OrganizationSettings:
        data = self.cleaned_data
        return OrganizationSettings(
            refund_approval_policy=ApprovalPolicy(data["refund_approval_policy"]),
            refund_approval_threshold_amount=data.get("refund_approval_threshold_amount"),
            refund_approval_threshold_percent=data.get("refund_approval_threshold_percent"),
            refund_approval_expiry_hours=data["refund_approval_expiry_hours"],
            email_buyer_on_outside_refunds=bool(data.get("email_buyer_on_outside_refunds")),
        )


class AuditFilterForm(forms.Form):
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    actor = forms.CharField(label=_("Who (email)"), required=False, max_length=200)
    action = forms.ChoiceField(label=_("Action"), required=False, choices=[("", _("Any")), *AuditAction.choices])
    invoice_number = forms.CharField(label=_("Billing Invoice No."), required=False, max_length=64)


class MemberInviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(label=_("role"), choices=Role.choices, initial=Role.OPERATOR)
