"""Buyers and the billing invoices issued to them."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from invoicedesk.accounts.models import Language, Organization, validate_registration_number
from invoicedesk.core.models import ChoiceLabels
from invoicedesk.core.money import Money


class Buyer(models.Model):
    """Bill to: the buyer's company, the person to contact, where their emails go."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="buyers")
    company_name = models.CharField(_("company name"), max_length=200)
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    email = models.EmailField(_("email"))
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.JAPANESE)
    # A registered buyer is owed a qualified return invoice when refunded.
    invoice_registration_number = models.CharField(
        _("registration number"), max_length=14, blank=True, validators=[validate_registration_number]
    )

    class Meta:
        ordering = ["company_name"]
        # A trigram index serves the partial Bill to search for the partial Bill to search
        # (see migration 0002), which Django's Index cannot express.

    def __str__(self) -> str:
        return self.company_name


class PaymentMethod(models.TextChoices):
    ONLINE_PAYMENT_LINK = "online_payment_link", _("Online Payment Link")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CARD_AT_ORDER = "card_at_order", _("Card at order")


class RefundState(models.TextChoices):
    """Invoices with a refund that needs watching, for the list's filter."""

    IN_PROGRESS = "in_progress", _("Refund in progress")
    FAILED = "failed", _("Refund failed")
    AWAITING_APPROVAL = "awaiting_approval", _("Refund awaiting approval")


class BillingInvoice(ChoiceLabels):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invoices")
    number = models.CharField(_("Billing Invoice No."), max_length=64)
    buyer = models.ForeignKey(Buyer, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("Bill to"))
    issue_date = models.DateField(_("Issue date"))
    due_date = models.DateField(_("Due date"))
    amount = models.BigIntegerField(_("Billing Amount"), help_text=_("In the currency's minor unit."))
    currency = models.CharField(_("currency"), max_length=3, default="JPY")
    payment_method = models.CharField(
        _("Payment method"), max_length=32, choices=PaymentMethod.choices, default=PaymentMethod.ONLINE_PAYMENT_LINK
    )
    # What the invoice is for, in the seller's words: the return invoice's "What is refunded" for an invoice without
    # lines (an accountant wants the goods or service named, not just the payment).
    subject = models.CharField(_("what is billed"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-issue_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="invoice_unique_number_per_organization"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_amount_positive"),
            models.CheckConstraint(condition=Q(due_date__gte=F("issue_date")), name="invoice_due_not_before_issue"),
            models.CheckConstraint(condition=Q(payment_method__in=PaymentMethod.values), name="invoice_payment_method"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="invoice_currency_iso4217"),
        ]
        indexes = [
            # Keyset pagination: one index per sortable column, id as tie-breaker.
            models.Index(fields=["organization", "issue_date", "id"], name="invoice_org_issue_date"),
            models.Index(fields=["organization", "due_date", "id"], name="invoice_org_due_date"),
            models.Index(fields=["organization", "amount", "id"], name="invoice_org_amount"),
            # Prefix search on the number uses the unique (organization, number)
            # index; on PostgreSQL a pattern-ops twin makes LIKE 'INV-2026%' use it
            # whatever the collation (migration 0002).
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def billing_amount(self) -> Money:
        return Money(self.amount, self.currency)

    @property
    def is_online_payment_link(self) -> bool:
        return self.payment_method == PaymentMethod.ONLINE_PAYMENT_LINK


class TaxRate(models.IntegerChoices):
    """Japanese consumption tax rates; reduced-rate items are marked ※ on qualified invoices."""

    STANDARD = 10, _("10%")
    REDUCED = 8, _("8% (reduced)")
    EXEMPT = 0, _("0% / exempt")


class InvoiceLine(models.Model):
    """What was sold, tax excluded, at one rate. An invoice's tax is computed once per rate, not per line."""

    invoice = models.ForeignKey(BillingInvoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=1)
    description = models.CharField(_("description"), max_length=300)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    # Tax excluded; empty for lines recorded before unit prices: the line's amount over its quantity.
    unit_price = models.BigIntegerField(_("unit price"), null=True, blank=True)
    net_amount = models.BigIntegerField(_("amount excluding tax"))
    tax_rate = models.PositiveSmallIntegerField(_("tax rate"), choices=TaxRate.choices, default=TaxRate.STANDARD)

    class Meta:
        ordering = ["invoice", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(net_amount__gte=0), name="invoice_line_amount_not_negative"),
            models.CheckConstraint(condition=Q(tax_rate__in=TaxRate.values), name="invoice_line_tax_rate_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.description} ({self.tax_rate}%)"

    @property
    def shown_unit_price(self) -> int:
        return self.unit_price if self.unit_price is not None else self.net_amount // max(self.quantity, 1)

    @property
    def reduced(self) -> bool:
        return self.tax_rate == TaxRate.REDUCED
