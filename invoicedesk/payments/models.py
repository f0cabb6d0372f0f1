"""Online payment links and the payment transaction history."""

from __future__ import annotations

import secrets
from datetime import datetime

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from invoicedesk.accounts.models import AddonContract, Organization
from invoicedesk.billing.models import BillingInvoice
from invoicedesk.core.models import ChoiceLabels
from invoicedesk.core.money import Money


def new_link_token() -> str:
    return secrets.token_urlsafe(32)


class PaymentLinkStatus(models.TextChoices):
    UNPAID = "UNPAID", _("UNPAID")
    PAID = "PAID", _("PAID")
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED", _("PARTIALLY REFUNDED")
    REFUNDED = "REFUNDED", _("REFUNDED")
    EXPIRED = "EXPIRED", _("EXPIRED")
    CANCELED = "CANCELED", _("CANCELED")

    @classmethod
    def settled(cls) -> list[PaymentLinkStatus]:
        """Statuses in which money was received."""
        return [cls.PAID, cls.PARTIALLY_REFUNDED, cls.REFUNDED]

    @classmethod
    def after_payment(cls, *, amount_paid: int, amount_refunded: int) -> PaymentLinkStatus:
        """The status of a paid link is a pure function of what was paid and refunded."""
        if amount_paid <= 0:
            raise ValueError("a link with no payment has no refund status")
        if not 0 <= amount_refunded <= amount_paid:
            raise ValueError(f"refunded {amount_refunded} outside 0..{amount_paid}")
        if amount_refunded == 0:
            return cls.PAID
        if amount_refunded < amount_paid:
            return cls.PARTIALLY_REFUNDED
        return cls.REFUNDED


class PaymentLink(ChoiceLabels):
    """The invoice's online payment link: one per invoice, public at /pay/<token>."""

    invoice = models.OneToOneField(BillingInvoice, on_delete=models.CASCADE, related_name="payment_link")
    token = models.CharField(max_length=64, unique=True, default=new_link_token, editable=False)
    status = models.CharField(
        _("Online Payment Link Status"),
        max_length=32,
        choices=PaymentLinkStatus.choices,
        default=PaymentLinkStatus.UNPAID,
    )
    expires_at = models.DateTimeField(_("expires at"))
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True)
    # The Stripe account the PaymentIntent was made on ("" for the platform's own): refunds and checks of this
    # payment go there, even after the organization connects (or changes) its own account.
    stripe_account_id = models.CharField(max_length=255, blank=True)
    stripe_charge_id = models.CharField(max_length=255, blank=True)
    amount_paid = models.BigIntegerField(_("amount paid"), default=0)
    # The currency Stripe charged, stored with the payment: refunds follow the money Stripe holds, not
    # whatever the invoice says later. Empty until paid.
    paid_currency = models.CharField(_("paid currency"), max_length=3, blank=True)
    amount_refunded = models.BigIntegerField(_("amount refunded"), default=0)
    # The card that paid, as Stripe reports it (brand "visa", last four digits): what a buyer quotes on the phone.
    card_brand = models.CharField(_("card brand"), max_length=32, blank=True)
    card_last4 = models.CharField(_("card last four digits"), max_length=4, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    # Stripe's processing fee on the charge (its balance transaction), in `stripe_fee_currency` (Stripe's settlement
    # currency): null until Stripe's answer carried it. Stripe keeps it when the payment is refunded.
    stripe_fee = models.BigIntegerField(_("Stripe fee"), null=True, blank=True)
    stripe_fee_tax = models.BigIntegerField(default=0)
    stripe_fee_currency = models.CharField(max_length=3, blank=True)
    stripe_balance_transaction_id = models.CharField(max_length=255, blank=True)
    # The add-on contract the payment was settled under: it keeps the payment
    # refundable after the contract ends.
    addon_contract = models.ForeignKey(
        AddonContract, on_delete=models.PROTECT, null=True, blank=True, related_name="payment_links"
    )
    # Set when something about the payment needs a person's eye, e.g. Stripe
    # received a different amount than was due, or money came in after the
    # link was canceled.
    review_note = models.TextField(_("needs review"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=PaymentLinkStatus.values), name="payment_link_status_valid"),
            models.CheckConstraint(condition=Q(amount_paid__gte=0), name="payment_link_amount_paid_non_negative"),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0) & Q(amount_refunded__lte=models.F("amount_paid")),
                name="payment_link_refunded_within_paid",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=PaymentLinkStatus.settled())
                | (Q(amount_paid__gt=0) & Q(paid_at__isnull=False)),
                name="payment_link_settled_has_payment",
            ),
            models.CheckConstraint(
                condition=Q(status__in=PaymentLinkStatus.settled()) | (Q(amount_paid=0) & Q(amount_refunded=0)),
                name="payment_link_unsettled_has_no_money",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=PaymentLinkStatus.settled()) | ~Q(paid_currency=""),
                name="payment_link_settled_has_currency",
            ),
        ]
        indexes = [
            models.Index(fields=["status"], name="payment_link_status"),
            # The invoice search's "last four digits"; Stripe ids get prefix indexes on PostgreSQL (migration 0005).
            models.Index(fields=["card_last4"], condition=~Q(card_last4=""), name="payment_link_card_last4"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} ({self.status})"

    @property
    def currency(self) -> str:
        """The payment's currency once paid (as Stripe charged it), the invoice's before."""
        return self.paid_currency or self.invoice.currency

    @property
    def paid(self) -> Money:
        return Money(self.amount_paid, self.currency)

    @property
    def refunded(self) -> Money:
        return Money(self.amount_refunded, self.currency)

    @property
    def net_paid(self) -> Money:
        return Money(self.amount_paid - self.amount_refunded, self.currency)

    @property
    def is_settled(self) -> bool:
        return self.status in PaymentLinkStatus.settled()

    def is_expired_at(self, moment: datetime) -> bool:
        return self.status == PaymentLinkStatus.UNPAID and self.expires_at <= moment

    @property
    def stripe_account(self) -> str | None:
        """The account every Stripe call about this payment carries: the one its PaymentIntent was made on; before
        there is one, the organization's."""
        if self.stripe_payment_intent_id:
            return self.stripe_account_id or None
        return self.invoice.organization.stripe_account_id or None

    @property
    def stripe_idempotency_key(self) -> str:
        """One PaymentIntent per issued link: a re-issued link (new token) gets a new one."""
        return f"payment-link-{self.pk}-{self.token[:12]}"


class ConnectedAccount(models.Model):
    """An organization's own Stripe account (Stripe Connect, direct charges), as Stripe last described it.

    One connected at a time per organization; after the seller disconnects it (`deauthorized_at`), an admin may
    connect a new one and the old row stays: its payments keep its id (`PaymentLink.stripe_account_id`), and their
    refunds are refused with the reason that account was disconnected."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="connected_accounts")
    stripe_account_id = models.CharField(max_length=255, unique=True)
    charges_enabled = models.BooleanField(default=False)
    payouts_enabled = models.BooleanField(default=False)
    details_submitted = models.BooleanField(default=False)
    # What Stripe still asks for (requirements.past_due + currently_due), as Stripe names it.
    requirements_due = models.JSONField(default=list, blank=True)
    disabled_reason = models.CharField(max_length=100, blank=True)
    # When the seller disconnected it from our platform (`account.application.deauthorized`): nothing more can be
    # done on it through us; its payments are refunded in the Stripe Dashboard.
    deauthorized_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(deauthorized_at__isnull=True),
                name="connected_account_one_per_organization",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stripe_account_id} ({self.organization_id})"

    @property
    def ready(self) -> bool:
        return self.charges_enabled and self.payouts_enabled and self.deauthorized_at is None


class TransactionKind(models.TextChoices):
    LINK_ISSUED = "LINK_ISSUED", _("Payment link issued")
    LINK_CANCELED = "LINK_CANCELED", _("Payment link canceled")
    LINK_EXPIRED = "LINK_EXPIRED", _("Payment link expired")
    PAYMENT = "PAYMENT", _("Payment")
    PAYMENT_FAILED = "PAYMENT_FAILED", _("Payment failed")
    REFUND = "REFUND", _("Refund")
    REFUND_UPDATE = "REFUND_UPDATE", _("Refund update")
    NOTIFICATION = "NOTIFICATION", _("Buyer notification")
    DISPUTE = "DISPUTE", _("Dispute")


class PaymentTransaction(ChoiceLabels):
    """Append-only history shown on the Payment Transaction tab."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    payment_link = models.ForeignKey(PaymentLink, on_delete=models.CASCADE, related_name="transactions")
    kind = models.CharField(_("type"), max_length=32, choices=TransactionKind.choices)
    amount = models.BigIntegerField(_("amount"), null=True, blank=True)
    currency = models.CharField(max_length=3)
    status = models.CharField(_("status"), max_length=32, blank=True)
    stripe_reference = models.CharField(_("Stripe reference"), max_length=255, blank=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Who acted when it was not a user of ours, e.g. "Stripe".
    actor_label = models.CharField(max_length=100, blank=True)
    # [[message code, {parameter: value}], …]: rendered in the reader's language by payments.history.
    message_parts = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["payment_link", "created_at"], name="transaction_link_time")]
        # Append-only: on PostgreSQL the database refuses an UPDATE or DELETE of a history row.
        triggers = [
            pgtrigger.Protect(name="payment_transaction_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency}"

    @property
    def money(self) -> Money | None:
        return None if self.amount is None else Money(self.amount, self.currency)

    @property
    def actor(self) -> str:
        return str(self.actor_user) if self.actor_user_id else self.actor_label
