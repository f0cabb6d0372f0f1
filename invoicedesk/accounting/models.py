"""How an organization's books name what invoicedesk exports: accounts, sub-accounts and tax categories.

The defaults are common Japanese names (docs/accounting.md says what each is for); an accountant changes them to
the names registered in their own accounting software, which matches names exactly on import.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from invoicedesk.accounts.models import Organization


class TaxAccounting(models.TextChoices):
    INCLUDED = "included", _("Tax included (税込経理)")
    EXCLUDED = "excluded", _("Tax excluded (税抜経理)")


class AccountingSettings(models.Model):
    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="accounting_settings")
    tax_accounting = models.CharField(
        _("consumption tax accounting"), max_length=8, choices=TaxAccounting.choices, default=TaxAccounting.INCLUDED
    )
    # Where Stripe holds the money until it pays out: a receivable with Stripe as sub-account, or a bank account.
    stripe_account = models.CharField(_("account holding Stripe's funds"), max_length=40, default="未収入金")
    stripe_sub_account = models.CharField(_("its sub-account"), max_length=40, blank=True, default="Stripe")
    # What a payment settles: the buyer's receivable booked when the invoice was issued.
    receivable_account = models.CharField(_("receivable account"), max_length=40, default="売掛金")
    # A refund is a sales return or discount (売上高 works too, as a negative sale).
    returns_account = models.CharField(_("sales returns account"), max_length=40, default="売上値引・返品")
    fee_account = models.CharField(_("Stripe fee account"), max_length=40, default="支払手数料")
    # A dispute (chargeback) lost: the buyer's bank kept the money. A loss outside consumption tax, not a sales
    # return (no return invoice is issued for it); docs/accounting.md says why 雑損失 and not 貸倒損失.
    dispute_loss_account = models.CharField(_("lost dispute account"), max_length=40, default="雑損失")
    # Tax-excluded accounting only: where the consumption tax of a return goes.
    tax_account = models.CharField(_("consumption tax account"), max_length=40, default="仮受消費税等")
    tax_category_returns_standard = models.CharField(
        _("tax category of returns at 10%"), max_length=40, default="課税売上返還10%"
    )
    tax_category_returns_reduced = models.CharField(
        _("tax category of returns at 8% (reduced)"), max_length=40, default="課税売上返還8%（軽）"
    )
    # Card processing fees are non-taxable purchases in Japan unless the processor charges consumption tax on them.
    tax_category_fee = models.CharField(_("tax category of Stripe fees"), max_length=40, default="非課仕入")
    tax_category_outside = models.CharField(_("tax category outside consumption tax"), max_length=40, default="対象外")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(tax_accounting__in=TaxAccounting.values), name="accounting_tax_accounting_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"accounting settings of {self.organization}"

    @property
    def tax_included(self) -> bool:
        return self.tax_accounting == TaxAccounting.INCLUDED

    def returns_tax_category(self, rate: int) -> str:
        if rate == 10:
            return self.tax_category_returns_standard
        if rate == 8:
            return self.tax_category_returns_reduced
        return self.tax_category_outside


SETTINGS_FIELDS = [
    "tax_accounting",
    "stripe_account",
    "stripe_sub_account",
    "receivable_account",
    "returns_account",
    "fee_account",
    "dispute_loss_account",
    "tax_account",
    "tax_category_returns_standard",
    "tax_category_returns_reduced",
    "tax_category_fee",
    "tax_category_outside",
]


class RegistryStatus(models.TextChoices):
    """What the National Tax Agency's registry answered about a number the last time it was asked."""

    PENDING = "pending", _("Not checked yet")
    FOUND = "found", _("Registered")
    UNKNOWN = "unknown", _("Not in the registry")
    # The registry did not answer (timeout, 5xx, refused request): what was found before still stands.
    ERROR = "error", _("The registry did not answer")


class RegistryRecord(models.Model):
    """The registry's answer about one registration number (public data, so one row per number, not per tenant)."""

    number = models.CharField(_("registration number"), max_length=14, unique=True)
    status = models.CharField(
        _("registry status"), max_length=8, choices=RegistryStatus.choices, default=RegistryStatus.PENDING
    )
    name = models.CharField(_("name as registered"), max_length=300, blank=True)
    registration_date = models.DateField(_("registration date"), null=True, blank=True)
    # 取消 (the tax office canceled it) and 失効 (the business gave it up): not valid from that date on.
    disposal_date = models.DateField(_("cancellation date"), null=True, blank=True)
    expire_date = models.DateField(_("expiry date"), null=True, blank=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    # Why the last check failed, for the operator; the last good answer is kept beside it.
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=RegistryStatus.values), name="registry_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.status}"

    @property
    def ended_on(self) -> date | None:
        ends = [d for d in (self.disposal_date, self.expire_date) if d is not None]
        return min(ends) if ends else None

    def valid_on(self, day: date) -> bool | None:
        """True/False as the registry's `valid` would answer for `day`; None when we have no answer to judge by."""
        if self.status == RegistryStatus.UNKNOWN:
            return False
        if self.registration_date is None:
            return None
        ended = self.ended_on
        return self.registration_date <= day and (ended is None or day < ended)
