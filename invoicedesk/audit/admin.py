"""Django admin for support staff. Every change made here lands in the audit trail, in the same transaction.

The editable admins of organizations, add-on contracts, people and memberships are registered here rather than in
accounts: they must write audit entries, and audit is the layer above accounts. Billing's admin uses the same base.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import QuerySet
from django.forms import BaseModelFormSet, ModelForm, PasswordInput
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from invoicedesk.accounts.models import AddonContract, Membership, Organization, User
from invoicedesk.core.admin import ReadOnlyAdminMixin
from invoicedesk.core.http import client_ip
from invoicedesk.core.named_tasks import enqueue_named_with_work

from .models import AuditAction, AuditEntry
from .services import audit_record

# Never copied into the audit trail: the entry says the field changed, not what it holds.
SECRET_FIELDS = frozenset({"password", "password1", "password2", "usable_password"})


class _AuditJSONEncoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, models.Model):
            return o.pk
        if isinstance(o, QuerySet | list | tuple | set):
            return [self.default(item) if isinstance(item, models.Model) else item for item in o]
        return super().default(o)


def _is_secret(form: ModelForm[Any], field: str) -> bool:
    widget = form.fields[field].widget if field in form.fields else None
    return field in SECRET_FIELDS or isinstance(widget, PasswordInput)


def _values(form: ModelForm[Any], values: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    shown = {field: ("(changed)" if _is_secret(form, field) else values.get(field)) for field in fields}
    return dict(json.loads(json.dumps(shown, cls=_AuditJSONEncoder)))


def _organization_id(obj: models.Model) -> int | None:
    if isinstance(obj, Organization):
        return obj.pk
    organization_id = getattr(obj, "organization_id", None)
    return organization_id if isinstance(organization_id, int) else None


def _ip(request: HttpRequest) -> str | None:
    return client_ip(request)


def _record_form(request: HttpRequest, form: ModelForm[Any], *, added: bool) -> None:
    """Audit a saved admin form (a page or an inline row): the fields it changed, before and after."""
    changed = form.changed_data
    if not added and not changed:
        return
    audit_record(
        action=AuditAction.ADMIN_ADD if added else AuditAction.ADMIN_CHANGE,
        target=form.instance,
        organization_id=_organization_id(form.instance),
        actor=request.user if isinstance(request.user, User) else None,
        before={} if added else _values(form, form.initial, changed),
        after=_values(form, form.cleaned_data, changed),
        ip_address=_ip(request),
    )


def _record_deletion(request: HttpRequest, obj: models.Model) -> None:
    audit_record(
        action=AuditAction.ADMIN_DELETE,
        target=obj,
        organization_id=_organization_id(obj),
        actor=request.user if isinstance(request.user, User) else None,
        before={"object": str(obj)},
        ip_address=_ip(request),
    )


class AuditedModelAdmin(admin.ModelAdmin[Any]):
    """Writes an audit entry for every add, change and delete, inline rows included."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        _record_form(request, form, added=not change)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        _record_deletion(request, obj)  # before the row and its primary key are gone
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for obj in queryset:
                _record_deletion(request, obj)
            super().delete_queryset(request, queryset)

    def save_formset(self, request: HttpRequest, form: Any, formset: BaseModelFormSet[Any, Any], change: bool) -> None:
        deleted = [row for row in formset.deleted_forms if row.instance.pk is not None]
        for row in deleted:
            _record_deletion(request, row.instance)
        saved = [
            (row, row.instance.pk is None)
            for row in formset.forms
            if row not in formset.deleted_forms and row.has_changed()
        ]
        super().save_formset(request, form, formset, change)
        for row, added in saved:
            _record_form(request, row, added=added)


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
                ip_address=_ip(request),
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


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[AuditEntry]):
    """Read-only: the audit trail is append-only."""

    list_display = ["created_at", "actor", "action", "object_type", "object_id", "organization", "ip_address"]
    list_filter = ["action", "object_type", "organization"]
    search_fields = ["object_id", "actor__email"]
    show_full_result_count = False


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
