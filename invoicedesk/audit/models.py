from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from invoicedesk.core.models import ChoiceLabels


class AuditAction(models.TextChoices):
    """Every action the audit trail records; services name theirs from here, never as free strings."""

    PAYMENT_LINK_ISSUE = "payment_link.issue", _("Payment link issued")
    PAYMENT_LINK_CANCEL = "payment_link.cancel", _("Payment link canceled")
    PAYMENT_RECORD = "payment.record", _("Payment recorded from Stripe")
    REFUND_REQUEST = "refund.request", _("Refund requested")
    REFUND_STRIPE_RESULT = "refund.stripe_result", _("Stripe's answer on a refund recorded")
    REFUND_STRIPE_FAILED = "refund.stripe_failed", _("Stripe refused a refund")
    REFUND_FOUND_AT_STRIPE = "refund.found_at_stripe", _("A refund made outside invoicedesk recorded")
    ALERT_ACKNOWLEDGE = "alert.acknowledge", _("Alert acknowledged")
    REFUND_APPROVE = "refund.approve", _("Refund approved")
    REFUND_REJECT = "refund.reject", _("Refund rejected")
    REFUND_CANCEL = "refund.cancel", _("Refund request canceled")
    REFUND_EXPIRE = "refund.expire", _("Refund request expired unapproved")
    ORGANIZATION_SETTINGS = "organization.settings", _("Organization settings changed")
    STRIPE_ACCOUNT_CONNECT = "stripe_account.connect", _("Stripe account connected")
    ADDON_SUBSCRIBE = "addon.subscribe", _("Stripe Credit Card Payment Add-on subscribed")
    ADDON_CANCEL = "addon.cancel", _("Stripe Credit Card Payment Add-on canceled")
    DISPUTE_OPEN = "dispute.open", _("Dispute opened at Stripe")
    DISPUTE_CHANGE = "dispute.change", _("Dispute's status changed at Stripe")
    DISPUTE_WON = "dispute.won", _("Dispute won")
    DISPUTE_LOST = "dispute.lost", _("Dispute lost")
    MEMBER_INVITE = "member.invite", _("Member invited")
    MEMBER_ROLE = "member.role", _("Member's role changed")
    MEMBER_REMOVE = "member.remove", _("Member removed")
    ADMIN_ADD = "admin.add", _("Added in the admin site")
    ADMIN_CHANGE = "admin.change", _("Changed in the admin site")
    ADMIN_DELETE = "admin.delete", _("Deleted in the admin site")
    DOCUMENT_ISSUE = "document.issue", _("Return invoice issued")
    DOCUMENT_CORRECT = "document.correct", _("Return invoice corrected")
    LOGIN = "auth.login", _("Signed in")
    LOGOUT = "auth.logout", _("Signed out")
    LOGIN_FAILED = "auth.login_failed", _("Failed sign-in")
    TWO_FACTOR_ENROL = "two_factor.enrol", _("Two-factor sign-in set up")
    TWO_FACTOR_RECOVERY_CODES = "two_factor.recovery_codes", _("Recovery codes made")
    TWO_FACTOR_RECOVERY_CODE_USED = "two_factor.recovery_code_used", _("Signed in with a recovery code")
    TWO_FACTOR_FAILED = "two_factor.failed", _("Wrong two-factor code")
    TWO_FACTOR_RESET = "two_factor.reset", _("Member's two-factor sign-in reset")
    API_KEY_CREATE = "api_key.create", _("API key created")
    API_KEY_REVOKE = "api_key.revoke", _("API key revoked")
    API_KEY_NEW_IP = "api_key.new_ip", _("API key used from a new IP address")
    ACCOUNTING_EXPORT = "accounting.export", _("Accounting export downloaded")
    ACCOUNTING_SETTINGS = "accounting.settings", _("Accounting settings changed")


# The previous hash of a chain's first link.
GENESIS_HASH = "0" * 64


class ChainedRecord(models.Model):
    """A link of its organization's hash chain (audit.chain): the SHA-256 of its content and of the link before.

    Written once, at insert, by audit.chain.chain_insert; `manage.py verify_audit` recomputes every link, so a row
    changed or removed by someone with the owner's rights shows.
    """

    previous_hash = models.CharField(max_length=64, editable=False, default="")
    chain_hash = models.CharField(max_length=64, editable=False, default="")

    class Meta:
        abstract = True


class ChainHead(models.Model):
    """The last link of one chain and its length. A writer locks this row (FOR UPDATE) before it adds a link, so
    concurrent writers of one organization queue instead of forking the chain. Its own row, never the
    Organization's: every insert that references an organization takes a share lock on that row (FK check), and
    an update of it would wait behind them all. The length also shows entries removed from a chain's end."""

    chain = models.CharField(max_length=64, unique=True)  # "audit:<organization id>", "audit:-" (no organization)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    length = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.chain} ({self.length})"


class AuditVerification(models.Model):
    """One run of `manage.py verify_audit` (nightly in the worker, or by hand): when, over what, what was broken.

    `breaks` lists the first broken link of each chain that does not hold:
    [{"chain": "audit", "organization": 4, "entry": 123, "reason": "changed"}, …]; empty when all held.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    links_checked = models.BigIntegerField(default=0)
    breaks = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"verification {self.started_at:%Y-%m-%d %H:%M} ({len(self.breaks)} broken)"


class AuditEntry(ChoiceLabels, ChainedRecord):
    """Append-only: who did what to which object, with the state before and after; a link of its organization's
    hash chain (entries of no organization, such as sign-ins, form one chain of their own).

    No code path updates or deletes an entry; on PostgreSQL the database itself refuses (a pgtrigger), and the
    application's role may only SELECT and INSERT it (core.db_roles).
    """

    organization = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+", null=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    action = models.CharField(max_length=64, choices=AuditAction.choices)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]
        verbose_name_plural = "audit entries"
        triggers = [pgtrigger.Protect(name="audit_entry_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]
        constraints = [models.CheckConstraint(condition=~models.Q(chain_hash=""), name="audit_entry_chained")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_type}#{self.object_id}"
