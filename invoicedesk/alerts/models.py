"""Alerts for operators and admins: one per (organization, kind, subject), acknowledged by a person."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from invoicedesk.accounts.models import Organization
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.core.models import ChoiceLabels
from invoicedesk.core.money import Money


class AlertKind(models.TextChoices):
    REFUND_FAILED_AFTER_SUCCESS = "refund_failed_after_success", _("A refund failed after it had succeeded")
    REFUND_MADE_OUTSIDE = "refund_made_outside", _("A refund was made outside invoicedesk")
    # A second Stripe refund carrying the reference of one of ours: the buyer got the money twice.
    REFUND_DUPLICATED_AT_STRIPE = "refund_duplicated_at_stripe", _("A duplicate refund was made at Stripe")
    REFUND_AWAITING_STRIPE = "refund_awaiting_stripe", _("A refund has awaited Stripe's confirmation for over an hour")
    PAYMENT_DIFFERS = "payment_differs", _("A payment differs from what was due")
    REFUND_PENDING_INSUFFICIENT_FUNDS = (
        "refund_pending_insufficient_funds",
        _("A refund waits: the Stripe account's balance is not enough"),
    )
    STRIPE_CHARGES_DISABLED = (
        "stripe_charges_disabled",
        _("Stripe disabled charges on the organization's Stripe account"),
    )
    STRIPE_ACCOUNT_DISCONNECTED = "stripe_account_disconnected", _("The organization's Stripe account was disconnected")
    DISPUTE_OPENED = "dispute_opened", _("The buyer's bank opened a dispute on a payment")
    DISPUTE_DUE_SOON = "dispute_due_soon", _("A dispute must be answered in Stripe within 3 days")
    AUDIT_CHAIN_BROKEN = "audit_chain_broken", _("The audit trail does not verify: a record was changed or removed")
    # The National Tax Agency's registry says a buyer's number was not valid on the date of one of its invoices.
    BUYER_REGISTRATION_INVALID = (
        "buyer_registration_invalid",
        _("A buyer's registration number was not valid on the sale's date"),
    )
    # The registry says the organization's own number is not (or no longer) valid: its return invoices would
    # carry a number buyers cannot use.
    OWN_REGISTRATION_INVALID = (
        "own_registration_invalid",
        _("The organization's own registration number is not valid in the National Tax Agency's registry"),
    )


class Alert(ChoiceLabels):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="alerts")
    invoice = models.ForeignKey(BillingInvoice, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(_("alert"), max_length=40, choices=AlertKind.choices)
    # What it is about, so the same thing is alerted once (e.g. the Stripe refund id).
    subject = models.CharField(max_length=255)
    amount = models.BigIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    # Stripe's own words (a failure reason), shown as they are.
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind", "subject"], name="alert_once_per_subject"),
            models.CheckConstraint(condition=Q(kind__in=AlertKind.values), name="alert_kind_valid"),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | Q(acknowledged_by__isnull=False),
                name="alert_acknowledged_by_someone",
            ),
        ]
        indexes = [models.Index(fields=["organization", "acknowledged_at"], name="alert_open")]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject}"

    @property
    def money(self) -> Money | None:
        return Money(self.amount, self.currency) if self.amount is not None and self.currency else None
