from __future__ import annotations

import unicodedata
import zoneinfo
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from invoicedesk.accounts.models import (
    ApprovalPolicy,
    Role,
    TaxRounding,
    validate_commerce_disclosure_url,
    validate_registration_number,
    validate_time_zone,
)
from invoicedesk.accounts.services import OrganizationSettings
from invoicedesk.audit.models import AuditAction
from invoicedesk.billing.models import PaymentMethod, RefundState
from invoicedesk.billing.selectors import InvoiceFilters, SearchTerm
from invoicedesk.core.forms import MoneyAmountField, set_currency
from invoicedesk.payments.models import PaymentLinkStatus
from invoicedesk.refunds.models import RefundClassification, RefundStatus
from invoicedesk.refunds.search import RefundFilters


def _check_ranges(form: forms.Form, data: dict[str, Any], *, dates: tuple[str, str]) -> None:
    """A search's date range and amount range (amount_min/amount_max) must not end before they start."""
    start, end = data.get(dates[0]), data.get(dates[1])
    if start and end and start > end:
        form.add_error(dates[1], _("The end of the range is before its start."))
    low, high = data.get("amount_min"), data.get("amount_max")
    if low is not None and high is not None and low > high:
        form.add_error("amount_max", _("The end of the range is below its start."))


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
    refund_state = forms.MultipleChoiceField(
        label=_("Refunds"),
        required=False,
        choices=RefundState.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_currency(self, currency)
        self.currency = currency

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _check_ranges(self, data, dates=("issued_from", "issued_to"))
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
            refund_states=tuple(data.get("refund_state") or ()),
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
    refund_daily_limit_per_person = MoneyAmountField(
        label=_("Daily limit per person without approval (optional)"),
        help_text=_(
            "What one person may refund per day without an approver; their refunds past it wait for approval, "
            "whatever the policy above."
        ),
    )
    email_buyer_on_outside_refunds = forms.BooleanField(
        label=_("Email the buyer about refunds made outside invoicedesk (for example in the Stripe Dashboard)"),
        required=False,
    )
    invoice_registration_number = forms.CharField(
        label=_("Qualified invoice issuer registration number"),
        required=False,
        max_length=30,
        help_text=_("T and 13 digits, e.g. T7000012050002."),
    )
    invoice_issuer_name = forms.CharField(label=_("Name on qualified invoices"), required=False, max_length=200)
    invoice_issuer_address = forms.CharField(label=_("Address on qualified invoices"), required=False, max_length=300)
    tax_rounding = forms.ChoiceField(
        label=_("Consumption tax rounding (once per rate per document)"),
        choices=TaxRounding.choices,
        required=False,
        initial=TaxRounding.DOWN,
    )
    return_invoices_always = forms.BooleanField(
        label=_("Issue a qualified return invoice for every refund (not only from 10,000 JPY)"), required=False
    )
    require_two_factor = forms.BooleanField(
        label=_("Require two-factor sign-in for approvers and admins"),
        help_text=_(
            "Approving refunds, changing settings and members, and making API keys then need a code from an "
            "authenticator app in this session; API keys cannot approve."
        ),
        required=False,
    )
    commerce_disclosure_url = forms.CharField(
        label=_("Commerce disclosure page URL (特定商取引法に基づく表記)"),
        required=False,
        max_length=500,
        help_text=_(
            "The page where you publish what the Act on Specified Commercial Transactions requires of online "
            "sellers. The Stripe Credit Card Payment Add-on needs it."
        ),
        validators=[validate_commerce_disclosure_url],
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    time_zone = forms.TypedChoiceField(
        label=_("Time zone for pages and emails"),
        choices=lambda: [(name, name) for name in sorted(zoneinfo.available_timezones())],
        validators=[validate_time_zone],
    )

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_currency(self, currency)

    def clean_invoice_registration_number(self) -> str:
        # Written as printed ("T7-0000-1205-0002", "t 7000…"): keep the letter and the digits only.
        raw = unicodedata.normalize("NFKC", str(self.cleaned_data.get("invoice_registration_number") or ""))
        compact = "".join(ch for ch in raw.upper() if ch == "T" or ch in "0123456789")
        if compact:
            validate_registration_number(compact)
        return compact

    def settings(self) -> OrganizationSettings:
        data = self.cleaned_data
        return OrganizationSettings(
            refund_approval_policy=ApprovalPolicy(data["refund_approval_policy"]),
            refund_approval_threshold_amount=data.get("refund_approval_threshold_amount"),
            refund_approval_threshold_percent=data.get("refund_approval_threshold_percent"),
            refund_approval_expiry_hours=data["refund_approval_expiry_hours"],
            refund_daily_limit_per_person=data.get("refund_daily_limit_per_person"),
            email_buyer_on_outside_refunds=bool(data.get("email_buyer_on_outside_refunds")),
            time_zone=data["time_zone"],
            invoice_registration_number=data.get("invoice_registration_number", ""),
            invoice_issuer_name=data.get("invoice_issuer_name", ""),
            invoice_issuer_address=data.get("invoice_issuer_address", ""),
            tax_rounding=data.get("tax_rounding") or "down",
            return_invoices_always=bool(data.get("return_invoices_always")),
            require_two_factor=bool(data.get("require_two_factor")),
            commerce_disclosure_url=(data.get("commerce_disclosure_url") or "").strip(),
        )


class RefundSearchForm(forms.Form):
    """The Refunds tab's search; every field optional, any combination."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_(
            "Invoice No., company, contact, email, amount, card's last 4 digits, or a Stripe id (pi_…, ch_…, re_…)"
        ),
    )
    refunded_from = forms.DateField(
        label=_("Refunded from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    refunded_to = forms.DateField(
        label=_("Refunded to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    amount_min = MoneyAmountField(label=_("Refund Amount from"))
    amount_max = MoneyAmountField(label=_("Refund Amount to"))
    buyer = forms.CharField(label=_("Bill to"), required=False, max_length=200)
    status = forms.MultipleChoiceField(
        label=_("Status"), required=False, choices=RefundStatus.choices, widget=forms.CheckboxSelectMultiple
    )
    classification = forms.ChoiceField(
        label=_("Refund type"), required=False, choices=[("", _("Any")), *RefundClassification.choices]
    )

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_currency(self, currency)
        self.currency = currency

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _check_ranges(self, data, dates=("refunded_from", "refunded_to"))
        return data

    def filters(self) -> RefundFilters:
        data = self.cleaned_data
        return RefundFilters(
            refunded_from=data.get("refunded_from"),
            refunded_to=data.get("refunded_to"),
            amount_min=data.get("amount_min"),
            amount_max=data.get("amount_max"),
            buyer=(data.get("buyer") or "").strip(),
            statuses=tuple(data.get("status") or ()),
            classification=data.get("classification") or "",
            search=SearchTerm.parse(data.get("q") or "", self.currency),
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
