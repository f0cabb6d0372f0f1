"""Every webhook event Stripe delivered, stored once by its id."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StripeEventStatus(models.TextChoices):
    RECEIVED = "RECEIVED", _("Received")
    PROCESSED = "PROCESSED", _("Processed")
    # No app handles this type: kept for the record and for reconciliation.
    IGNORED = "IGNORED", _("Ignored")
    FAILED = "FAILED", _("Failed")

    @classmethod
    def done(cls) -> list[StripeEventStatus]:
        return [cls.PROCESSED, cls.IGNORED]


class StripeEvent(models.Model):
    """A webhook event by its Stripe id (unique): a repeated delivery is acknowledged and ignored."""

    stripe_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    account = models.CharField(max_length=255, blank=True)
    payload = models.JSONField()
    created_at_stripe = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=StripeEventStatus.choices, default=StripeEventStatus.RECEIVED)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    # Failed runs so far, and when the retry job may queue it again (backing off; see services).
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["processed_at"], name="stripe_event_processed"),
            # The workers' queue (services._claim_due): only the events still waiting, in order.
            models.Index(
                fields=["id"],
                condition=Q(status__in=["RECEIVED", "FAILED"]),
                name="stripe_event_waiting",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=StripeEventStatus.values), name="stripe_event_status_valid"),
            models.CheckConstraint(
                condition=~Q(status__in=StripeEventStatus.done()) | Q(processed_at__isnull=False),
                name="stripe_event_done_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stripe_id} {self.type}"
