"""Organizations (tenants), the people in them, and the add-on contract."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from invoicedesk.core.models import ChoiceLabels
from invoicedesk.core.tax import RegistrationProblem, Rounding, registration_number_problem


class Language(models.TextChoices):
    JAPANESE = "ja", _("Japanese")
    ENGLISH = "en", _("English")


class UserManager(BaseUserManager["User"]):
    """Users sign in with their email address; there is no separate username."""

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    username = None  # type: ignore[assignment]
    email = models.EmailField(_("email address"), unique=True)
    # Blank: follow the browser's Accept-Language.
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.email


class ApprovalPolicy(models.TextChoices):
    NONE = "none", _("No approval: refunds execute at once")
    ALWAYS = "always", _("Every refund needs approval")
    ABOVE = "above", _("Refunds of a threshold or more need approval")


def validate_time_zone(name: str) -> None:
    if name not in zoneinfo.available_timezones():
        raise ValidationError(_("%(name)s is not a time zone (use an IANA name such as Asia/Tokyo).") % {"name": name})


REGISTRATION_PROBLEMS = {
    RegistrationProblem.PREFIX: _("%(value)s is not a registration number: it must start with T."),
    RegistrationProblem.CHARACTERS: _("%(value)s is not a registration number: after the T come digits only."),
    RegistrationProblem.LENGTH: _("%(value)s is not a registration number: it is T and 13 digits."),
    RegistrationProblem.CHECK_DIGIT: _(
        "%(value)s is not a registration number: its check digit (the first digit after T) does not match "
        "the other twelve. Check it against the registration notice."
    ),
}


def validate_registration_number(value: str) -> None:
    problem = registration_number_problem(value)
    if problem is not None:
        raise ValidationError(REGISTRATION_PROBLEMS[problem] % {"value": value})


def validate_commerce_disclosure_url(value: str) -> None:
    """The published commerce disclosure page (特定商取引法に基づく表記): an https address. Plain http only in
    development, where the page may be served from this machine."""
    schemes = ["https", "http"] if settings.ENVIRONMENT == "development" else ["https"]
    message = (
        _("Enter the full address of the page, starting with https:// (http:// is accepted in development only).")
        if settings.ENVIRONMENT == "development"
        else _("Enter the full address of the page, starting with https://.")
    )
    URLValidator(schemes=schemes, message=message)(value)


class TaxRounding(models.TextChoices):
    DOWN = Rounding.DOWN.value, _("Round down")
    HALF_UP = Rounding.HALF_UP.value, _("Round half up")
    UP = Rounding.UP.value, _("Round up")


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=200)
    currency = models.CharField(_("currency"), max_length=3, default="JPY")
    contact_email = models.EmailField(_("contact email"), blank=True)
    # Stripe Connect: when set, every Stripe call for this seller carries this account.
    stripe_account_id = models.CharField(max_length=255, blank=True)
    # Maker-checker for refunds, judged on the whole payment (refunds.controls).
    refund_approval_policy = models.CharField(
        _("refund approval"), max_length=16, choices=ApprovalPolicy.choices, default=ApprovalPolicy.NONE
    )
    # With ABOVE: a refund needs approval when, with it, the payment will have returned this amount (minor units)
    # or this percentage of what was paid, or more, whichever is set.
    refund_approval_threshold_amount = models.BigIntegerField(null=True, blank=True)
    refund_approval_threshold_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    refund_approval_expiry_hours = models.PositiveIntegerField(default=72)
    # Optional: what one person may refund per day (the organization's time zone) without an approver, in the
    # organization's currency (minor units); refunds past it wait for approval (refunds.controls).
    refund_daily_limit_per_person = models.BigIntegerField(_("daily refund limit per person"), null=True, blank=True)
    # Refunds made outside invoicedesk (the Stripe Dashboard, another system): email the buyer as for our own.
    email_buyer_on_outside_refunds = models.BooleanField(_("email the buyer about refunds made outside"), default=True)
    # Pages and emails show times in the seller's zone, named ("2026-05-01 10:00 JST").
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Tokyo", validators=[validate_time_zone])
    # The Qualified Invoice System: what a qualified (return) invoice must show about its issuer.
    invoice_registration_number = models.CharField(
        _("registration number"), max_length=14, blank=True, validators=[validate_registration_number]
    )
    invoice_issuer_name = models.CharField(_("name on qualified invoices"), max_length=200, blank=True)
    invoice_issuer_address = models.CharField(_("address on qualified invoices"), max_length=300, blank=True)
    # Return invoices are owed for refunds of 10,000 JPY or more; some sellers give one for every refund.
    return_invoices_always = models.BooleanField(_("issue a return invoice for every refund"), default=False)
    tax_rounding = models.CharField(
        _("consumption tax rounding"), max_length=8, choices=TaxRounding.choices, default=TaxRounding.DOWN
    )
    # Approvers and admins must pass a second factor (TOTP) before approving, changing settings or members, or
    # making API keys (accounts.twofactor). On for new organizations; the migration left existing ones as they were.
    require_two_factor = models.BooleanField(_("require two-factor sign-in for approvers and admins"), default=True)
    # Where the seller publishes what the Act on Specified Commercial Transactions asks of online sellers: the
    # Stripe Credit Card Payment Add-on needs it (payments.addon).
    commerce_disclosure_url = models.URLField(
        _("commerce disclosure page"),
        max_length=500,
        blank=True,
        validators=[validate_commerce_disclosure_url],
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="organization_currency_iso4217"),
            models.CheckConstraint(
                condition=~Q(refund_approval_policy=ApprovalPolicy.ABOVE)
                | Q(refund_approval_threshold_amount__isnull=False)
                | Q(refund_approval_threshold_percent__isnull=False),
                name="organization_approval_above_has_threshold",
            ),
            models.CheckConstraint(
                condition=Q(refund_approval_threshold_percent__isnull=True)
                | Q(refund_approval_threshold_percent__lte=100),
                name="organization_approval_percent_at_most_100",
            ),
            models.CheckConstraint(
                condition=Q(refund_daily_limit_per_person__isnull=True) | Q(refund_daily_limit_per_person__gt=0),
                name="organization_daily_limit_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    VIEWER = "viewer", _("Viewer")
    OPERATOR = "operator", _("Operator")
    APPROVER = "approver", _("Approver")
    ADMIN = "admin", _("Admin")
    # Reads like a viewer and exports the books (accounting.views); changes nothing.
    ACCOUNTANT = "accountant", _("Accountant")

    @property
    def can_request_refund(self) -> bool:
        return self in (Role.OPERATOR, Role.ADMIN)

    @property
    def can_see_alerts(self) -> bool:
        """Operators and admins look after what Stripe did differently."""
        return self in (Role.OPERATOR, Role.ADMIN)

    @property
    def can_approve_refund(self) -> bool:
        return self in (Role.APPROVER, Role.ADMIN)

    @property
    def can_manage_payment_links(self) -> bool:
        return self in (Role.OPERATOR, Role.ADMIN)

    @property
    def can_administer(self) -> bool:
        return self is Role.ADMIN

    @property
    def can_export_accounting(self) -> bool:
        return self in (Role.ADMIN, Role.ACCOUNTANT)


class Membership(ChoiceLabels):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(default=timezone.now)
    # Not stored: whether the session acting with this membership passed the second factor. Only the web request's
    # middleware sets it (CurrentOrganizationMiddleware), so a membership loaded any other way (an API key, a
    # script) counts as unverified, and accounts.twofactor.require_second_factor refuses it where that matters.
    second_factor_verified: bool = False

    class Meta:
        ordering = ["organization__name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique_user_organization"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


class AddonContract(models.Model):
    """The Stripe Credit Card Payment Add-on. `ends_at` is null while it is active."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="addon_contracts")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="addon_contract_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.organization}: {self.starts_at:%Y-%m-%d} – {self.ends_at:%Y-%m-%d}"
            if self.ends_at
            else (f"{self.organization}: {self.starts_at:%Y-%m-%d} –")
        )

    def is_valid_at(self, moment: datetime) -> bool:
        return self.starts_at <= moment and (self.ends_at is None or moment < self.ends_at)
