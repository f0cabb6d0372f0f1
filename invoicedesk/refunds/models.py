"""Refunds of payments made through an invoice's online payment link."""

from __future__ import annotations

import uuid

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from invoicedesk.accounts.models import Organization
from invoicedesk.core.models import ChoiceLabels
from invoicedesk.core.money import Money
from invoicedesk.payments.models import PaymentLink


class RefundStatus(models.TextChoices):
    PENDING_APPROVAL = "PENDING_APPROVAL", _("Pending approval")
    PROCESSING = "PROCESSING", _("Processing")
    PENDING = "PENDING", _("Pending at Stripe")
    SUCCEEDED = "SUCCEEDED", _("Succeeded")
    FAILED = "FAILED", _("Failed")
    CANCELED = "CANCELED", _("Canceled")
    REJECTED = "REJECTED", _("Rejected")
    EXPIRED = "EXPIRED", _("Expired")

    @classmethod
    def reserving(cls) -> list[RefundStatus]:
        """Statuses whose amount is no longer refundable: requested, in flight or done."""
        return [cls.PENDING_APPROVAL, cls.PROCESSING, cls.PENDING, cls.SUCCEEDED]

    @property
    def is_final(self) -> bool:
        return self in (
            RefundStatus.SUCCEEDED,
            RefundStatus.FAILED,
            RefundStatus.CANCELED,
            RefundStatus.REJECTED,
            RefundStatus.EXPIRED,
        )

    def can_become(self, new: RefundStatus) -> bool:
        return new in _TRANSITIONS[self]


_TRANSITIONS: dict[RefundStatus, set[RefundStatus]] = {
    RefundStatus.PENDING_APPROVAL: {
        RefundStatus.PROCESSING,
        RefundStatus.REJECTED,
        RefundStatus.EXPIRED,
        RefundStatus.CANCELED,  # by the requester, before anyone decided
    },
    RefundStatus.PROCESSING: {RefundStatus.PENDING, RefundStatus.SUCCEEDED, RefundStatus.FAILED, RefundStatus.CANCELED},
    RefundStatus.PENDING: {RefundStatus.SUCCEEDED, RefundStatus.FAILED, RefundStatus.CANCELED},
    # A refund can still fail at the bank after Stripe said it succeeded.
    RefundStatus.SUCCEEDED: {RefundStatus.FAILED, RefundStatus.CANCELED},
    # Stripe is the source of truth: what it later reports wins over what we concluded.
    RefundStatus.FAILED: {RefundStatus.PENDING, RefundStatus.SUCCEEDED, RefundStatus.CANCELED},
    RefundStatus.CANCELED: set(),
    RefundStatus.REJECTED: set(),
    RefundStatus.EXPIRED: set(),
}


class RefundClassification(models.TextChoices):
    FULL = "FULL", _("Full refund")
    PARTIAL = "PARTIAL", _("Partial refund")


class RefundReason(models.TextChoices):
    """Stripe's refund reasons."""

    REQUESTED_BY_CUSTOMER = "requested_by_customer", _("Requested by customer")
    DUPLICATE = "duplicate", _("Duplicate payment")
    FRAUDULENT = "fraudulent", _("Fraudulent")


class RefundPendingReason(models.TextChoices):
    """Stripe's `pending_reason` on a refund left `pending`, in words."""

    PROCESSING = "processing", _("Stripe is processing the refund")
    INSUFFICIENT_FUNDS = (
        "insufficient_funds",
        _("waiting: the Stripe account's balance is not enough; Stripe will take it from the bank account"),
    )
    CHARGE_PENDING = "charge_pending", _("waiting: the payment itself has not settled at Stripe yet")


class RefundSource(models.TextChoices):
    APP = "app", _("invoicedesk")
    STRIPE_DASHBOARD = "stripe_dashboard", _("Stripe Dashboard")


class ReconciliationRun(models.Model):
    """One run of the nightly `reconcile_stripe --fix` in the worker: when, how many links, and what was left for a
    person. Open (no `finished_at`) until every link of it is done; at most one is open at a time."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    differences_left = models.PositiveIntegerField(null=True, blank=True)
    links_total = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            # Never two runs at once, whatever the workers: a second INSERT of an open run waits for the first's
            # commit and fails (an index on a constant, over the open rows only; it holds on an empty table too).
            models.UniqueConstraint(
                models.Value(True), condition=Q(finished_at__isnull=True), name="reconciliation_one_open_run"
            ),
        ]

    def __str__(self) -> str:
        return f"reconciliation {self.started_at:%Y-%m-%d %H:%M}"


class ReconciliationItem(models.Model):
    """One payment link of a run: done once its job has compared (and fixed) it, with what remained. A job run again
    (its worker died) skips the links done, so none is compared twice after it was recorded."""

    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="items")
    payment_link = models.ForeignKey(PaymentLink, on_delete=models.CASCADE, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    # The differences left for this link: [{invoice_number, kind, reference, ours, stripe, fixable}].
    differences = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "payment_link"], name="reconciliation_item_once_per_run"),
        ]
        indexes = [models.Index(fields=["run"], condition=Q(done_at__isnull=True), name="reconciliation_item_undone")]

    def __str__(self) -> str:
        return f"reconciliation {self.run_id} link {self.payment_link_id}"


class Refund(ChoiceLabels):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="refunds")
    payment_link = models.ForeignKey(PaymentLink, on_delete=models.PROTECT, related_name="refunds")
    amount = models.BigIntegerField(_("Refund Amount"))
    currency = models.CharField(max_length=3)
    classification = models.CharField(_("classification"), max_length=16, choices=RefundClassification.choices)
    reason = models.CharField(_("reason"), max_length=32, choices=RefundReason.choices, blank=True)
    memo = models.TextField(_("internal memo"), blank=True)
    status = models.CharField(_("status"), max_length=32, choices=RefundStatus.choices)
    source = models.CharField(max_length=32, choices=RefundSource.choices, default=RefundSource.APP)
    # Made when the form is shown (signed for the person), or derived from an API client's key and its organization
    # (api.idempotency.refund_key_for): a double click or a resubmitted request finds this refund again. Looked up
    # within the organization only; unique across organizations all the same, because it becomes the Stripe
    # idempotency key and organizations without their own connected account share one Stripe account's key space.
    idempotency_key = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    # A hash of what was asked with that key (RefundInput.fingerprint): the same key with another request is refused.
    request_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # The approver's comment when approving or rejecting.
    decision_comment = models.TextField(blank=True)
    # Why the approval policy held it ([{"code": "payment_amount", "returned": …}], refunds.controls.HoldReason).
    hold_reasons = models.JSONField(default=list, blank=True)
    # The operator's split over consumption tax rates ({"10": 5000, "8": 5900}); empty: pro rata (refunds.tax_split).
    rate_split = models.JSONField(default=dict, blank=True)
    stripe_refund_id = models.CharField(max_length=255, blank=True)
    failure_code = models.CharField(max_length=100, blank=True)
    failure_message = models.TextField(blank=True)
    # Why Stripe keeps it `pending` (RefundPendingReason; a value newer than ours is kept as Stripe sent it).
    pending_reason = models.CharField(max_length=32, choices=RefundPendingReason.choices, blank=True)
    # Since when Stripe's answer has been unknown (timeout, 5xx, 409, 429): recovery settles it.
    stripe_unconfirmed_since = models.DateTimeField(null=True, blank=True)
    # The first request to Stripe with this refund's idempotency key: Stripe keeps keys for 24 h from it.
    stripe_first_attempt_at = models.DateTimeField(null=True, blank=True)
    stripe_attempts = models.PositiveIntegerField(default=0)
    # Bumped only when Stripe has forgotten the key (24 h) and shows no refund of ours: see refunds.recovery.
    stripe_key_generation = models.PositiveSmallIntegerField(default=0)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(condition=Q(status__in=RefundStatus.values), name="refund_status_valid"),
            models.CheckConstraint(
                condition=Q(classification__in=RefundClassification.values), name="refund_classification_valid"
            ),
            models.CheckConstraint(condition=Q(reason__in=[*RefundReason.values, ""]), name="refund_reason_valid"),
            models.UniqueConstraint(
                fields=["stripe_refund_id"], condition=~Q(stripe_refund_id=""), name="refund_unique_stripe_id"
            ),
        ]
        indexes = [models.Index(fields=["payment_link", "status"], name="refund_link_status")]
        # Pages waiting on a refund (refunds.live) are woken by the commit that adds it or changes its status.
        triggers = [
            pgtrigger.Trigger(
                name="refund_changed_notify",
                when=pgtrigger.After,
                operation=pgtrigger.Insert | pgtrigger.Update,
                func=(
                    "IF TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM NEW.status"
                    " OR OLD.stripe_unconfirmed_since IS DISTINCT FROM NEW.stripe_unconfirmed_since THEN"
                    " PERFORM pg_notify('invoicedesk_refund', NEW.payment_link_id::text || ':' || NEW.id::text);"
                    " END IF; RETURN NULL;"
                ),
            )
        ]

    def __str__(self) -> str:
        return f"Refund {self.pk} {self.amount} {self.currency} {self.status}"

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)

    @property
    def status_enum(self) -> RefundStatus:
        return RefundStatus(self.status)


class DisputeStatus(models.TextChoices):
    """Stripe's dispute statuses. The `warning_*` ones are inquiries: no money has been withdrawn yet."""

    WARNING_NEEDS_RESPONSE = "warning_needs_response", _("Inquiry: response needed")
    WARNING_UNDER_REVIEW = "warning_under_review", _("Inquiry: under review")
    WARNING_CLOSED = "warning_closed", _("Inquiry closed")
    NEEDS_RESPONSE = "needs_response", _("Response needed")
    UNDER_REVIEW = "under_review", _("Under review")
    APPEAL_NEEDS_RESPONSE = "appeal_needs_response", _("Appeal: response needed")
    APPEAL_UNDER_REVIEW = "appeal_under_review", _("Appeal: under review")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    PREVENTED = "prevented", _("Prevented")

    @classmethod
    def closed(cls) -> list[DisputeStatus]:
        return [cls.WARNING_CLOSED, cls.WON, cls.LOST, cls.PREVENTED]


class DisputeReason(models.TextChoices):
    """Stripe's dispute reasons (what the cardholder told their bank)."""

    BANK_CANNOT_PROCESS = "bank_cannot_process", _("Bank cannot process")
    CHECK_RETURNED = "check_returned", _("Check returned")
    CREDIT_NOT_PROCESSED = "credit_not_processed", _("Credit not processed")
    CUSTOMER_INITIATED = "customer_initiated", _("Customer initiated")
    DEBIT_NOT_AUTHORIZED = "debit_not_authorized", _("Debit not authorized")
    DUPLICATE = "duplicate", _("Duplicate payment")
    FRAUDULENT = "fraudulent", _("Fraudulent")
    GENERAL = "general", _("General")
    INCORRECT_ACCOUNT_DETAILS = "incorrect_account_details", _("Incorrect account details")
    INSUFFICIENT_FUNDS = "insufficient_funds", _("Insufficient funds")
    NONCOMPLIANT = "noncompliant", _("Noncompliant")
    PRODUCT_NOT_RECEIVED = "product_not_received", _("Product not received")
    PRODUCT_UNACCEPTABLE = "product_unacceptable", _("Product unacceptable")
    SUBSCRIPTION_CANCELED = "subscription_canceled", _("Subscription canceled")
    UNRECOGNIZED = "unrecognized", _("Unrecognized")


class Dispute(models.Model):
    """A dispute (chargeback or inquiry) the buyer's bank opened on a payment, as Stripe last reported it.

    Its effect on the Refundable Amount is read by refunds.selectors.dispute_hold, under the link's row lock.
    """

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="disputes")
    payment_link = models.ForeignKey(PaymentLink, on_delete=models.PROTECT, related_name="disputes")
    stripe_dispute_id = models.CharField(max_length=255, unique=True)
    stripe_charge_id = models.CharField(max_length=255, blank=True)
    amount = models.BigIntegerField(_("disputed amount"))
    currency = models.CharField(max_length=3)
    # Stripe's words, kept as they are even when newer than our labels (a new reason or status shows its code).
    reason = models.CharField(_("reason"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=64)
    evidence_due_by = models.DateTimeField(_("respond by"), null=True, blank=True)
    # Stripe's `is_charge_refundable`: while a dispute is open and this is false, Stripe refuses any refund
    # (`charge_disputed`).
    is_charge_refundable = models.BooleanField(default=False)
    created_at_stripe = models.DateTimeField(null=True, blank=True)
    # When we recorded that Stripe decided it lost: the date of its journal entry (accounting.journal).
    lost_at = models.DateTimeField(_("lost at"), null=True, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="dispute_amount_non_negative")]

    def __str__(self) -> str:
        return f"Dispute {self.stripe_dispute_id} {self.amount} {self.currency} {self.status}"

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)

    @property
    def is_open(self) -> bool:
        return self.status not in DisputeStatus.closed()

    @property
    def blocks_refunds(self) -> bool:
        """Stripe refuses refunds of the charge while this dispute stands (`charge_disputed`)."""
        return self.is_open and not self.is_charge_refundable

    @property
    def is_lost(self) -> bool:
        return self.status == DisputeStatus.LOST

    @property
    def status_label(self) -> str:
        return str(DisputeStatus(self.status).label) if self.status in DisputeStatus.values else self.status

    @property
    def reason_label(self) -> str:
        return str(DisputeReason(self.reason).label) if self.reason in DisputeReason.values else self.reason
