"""The admin of organizations, add-on contracts, people, memberships and second-factor devices: every change made
here is audited (audit.admin.AuditedModelAdmin, the floor below)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from invoicedesk.audit.admin import AuditedModelAdmin
from invoicedesk.audit.models import AuditAction
from invoicedesk.audit.services import audit_record
from invoicedesk.core.http import client_ip
from invoicedesk.core.named_tasks import enqueue_named_with_work

from .models import AddonContract, Membership, Organization, User

# Roles live on memberships; Django's permission groups are not used, and an unaudited editor of them would be a
# way around the trail.
admin.site.unregister(Group)


class MembershipInline(admin.TabularInline[Membership, User]):
    model = Membership
    extra = 0
    autocomplete_fields = ["organization"]


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin[User]):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "language", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("first_name", "last_name", "language")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        # The admin's password page saves without save_model; its log call is the one hook it offers.
        if request.resolver_match is not None and request.resolver_match.url_name == "auth_user_password_change":
            audit_record(
                action=AuditAction.ADMIN_CHANGE,
                target=obj,
                actor=request.user if isinstance(request.user, User) else None,
                before={"password": "(changed)"},
                after={"password": "(changed)"},
                ip_address=client_ip(request),
            )
        return super().log_change(request, obj, message)


class AddonContractInline(admin.TabularInline[AddonContract, Organization]):
    model = AddonContract
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(AuditedModelAdmin):
    list_display = ["name", "currency", "contact_email", "created_at"]
    search_fields = ["name"]
    inlines = [AddonContractInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Organization | None = None) -> Any:
        # Once an account is connected through Stripe's onboarding, it changes only there (Settings: a new one after
        # a disconnection): a hand edit would leave two accounts connected at once.
        connected = obj is not None and obj.connected_accounts.filter(deauthorized_at=None).exists()
        return [*super().get_readonly_fields(request, obj), *(["stripe_account_id"] if connected else [])]

    def save_model(self, request: HttpRequest, obj: Organization, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if "invoice_registration_number" in form.changed_data and obj.invoice_registration_number:
            # The registry's lookup (the accounting app's task, by name), queued with this save.
            enqueue_named_with_work("accounting.registry_lookup", [obj.invoice_registration_number])


@admin.register(AddonContract)
class AddonContractAdmin(AuditedModelAdmin):
    list_display = ["organization", "starts_at", "ends_at"]
    list_filter = ["organization"]
    autocomplete_fields = ["organization"]


@admin.register(Membership)
class MembershipAdmin(AuditedModelAdmin):
    list_display = ["user", "organization", "role"]
    list_filter = ["role", "organization"]
    search_fields = ["user__email", "organization__name"]
    autocomplete_fields = ["user", "organization"]


# The second factor (django-otp registers editors of its own): support staff see who set it up and delete a
# device for someone who lost their phone (audited, like every change here); they never see a secret, add a device
# for someone, or edit one.
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)


class SecondFactorDeviceAdmin(AuditedModelAdmin):
    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    fields = readonly_fields = ("user", "name", "confirmed", "created_at", "last_used_at")
    search_fields = ["user__email"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


admin.site.register(TOTPDevice, SecondFactorDeviceAdmin)
admin.site.register(StaticDevice, SecondFactorDeviceAdmin)
