"""Outbox of messages to buyers: one row per (kind, refund), so each is queued once; delivery
is at least once, de-duplicated by Message-ID."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from invoicedesk.accounts.models import Organization
from invoicedesk.alerts.models import Alert
from invoicedesk.core.models import ChoiceLabels
from invoicedesk.refunds.models import Refund


class NotificationKind(models.TextChoices):
    REFUND_SUCCEEDED = "refund_succeeded", _("Refund notice")
    # The buyer was told of a refund that then failed: say it did not go through.
    REFUND_CORRECTION = "refund_correction", _("Refund correction")
    # To the organization's admins: an alert was raised.
    ALERT = "alert", _("Alert to admins")
    # To the organization's approvers: a refund waits for approval.
    APPROVAL_REQUESTED = "approval_requested", _("Approval request")
    # To the requester: the refund was rejected, or expired unapproved.
    APPROVAL_DECIDED = "approval_decided", _("Approval decision")


class NotificationStatus(models.TextChoices):
    PENDING = "PENDING", _("Pending")
    # Handed to the SMTP server, answer not recorded yet: after a crash it is resent with the same Message-ID.
    SENDING = "SENDING", _("Sending")
    SENT = "SENT", _("Delivered")
    RETRYING = "RETRYING", _("Retrying")
    FAILED = "FAILED", _("Failed")
    # Not sent because it stopped being true first (the refund failed before its notice went out).
    CANCELED = "CANCELED", _("Canceled")

    @classmethod
    def done(cls) -> list[NotificationStatus]:
        return [cls.SENT, cls.FAILED, cls.CANCELED]


class Notification(ChoiceLabels):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    refund = models.ForeignKey(Refund, on_delete=models.PROTECT, null=True, blank=True, related_name="notifications")
    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    to_email = models.EmailField()
    language = models.CharField(max_length=2)
    status = models.CharField(max_length=16, choices=NotificationStatus.choices, default=NotificationStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    # The facts the email states, captured when the refund succeeded.
    context = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The message exactly as it went to the SMTP server (MIME, CRLF), and its SHA-256: refund emails are kept as
    # sent (電子帳簿保存法), whatever the templates say later.
    sent_message = models.BinaryField(null=True, blank=True)
    sent_sha256 = models.CharField(max_length=64, blank=True)
    sending_since = models.DateTimeField(null=True, blank=True)
    # The queue's job that marked it SENDING: run again after its worker died, that job takes it up at once.
    sending_job = models.BigIntegerField(null=True, blank=True)
    # When a RETRYING email is due again (its delivery task is queued for then).
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "refund", "to_email"], name="notification_once_per_kind_refund_and_recipient"
            ),
            models.UniqueConstraint(fields=["alert", "to_email"], name="notification_once_per_alert_and_admin"),
            # A buyer's email is about a refund; an admin's is about an alert.
            models.CheckConstraint(
                condition=(Q(kind="alert") & Q(alert__isnull=False) & Q(refund__isnull=True))
                | (~Q(kind="alert") & Q(refund__isnull=False) & Q(alert__isnull=True)),
                name="notification_about_refund_or_alert",
            ),
            models.CheckConstraint(
                condition=~Q(status=NotificationStatus.SENT) | Q(sent_at__isnull=False),
                name="notification_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for refund {self.refund_id} to {self.to_email} ({self.status})"
