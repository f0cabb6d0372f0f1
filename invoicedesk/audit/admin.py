"""Django admin for support staff. Every change made here lands in the audit trail, in the same transaction:
`AuditedModelAdmin` is the base of every editable admin (accounts' and billing's), and the audit trail's own admin
is read-only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib import admin
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import QuerySet
from django.forms import BaseModelFormSet, ModelForm, PasswordInput
from django.http import HttpRequest

from invoicedesk.core.admin import ReadOnlyAdminMixin
from invoicedesk.core.http import client_ip

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
    if obj._meta.label == "accounts.Organization":  # named, not imported: accounts is the floor above
        return obj.pk if isinstance(obj.pk, int) else None
    organization_id = getattr(obj, "organization_id", None)
    return organization_id if isinstance(organization_id, int) else None


def _actor(request: HttpRequest) -> AbstractBaseUser | None:
    return request.user if request.user.is_authenticated else None


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
        actor=_actor(request),
        before={} if added else _values(form, form.initial, changed),
        after=_values(form, form.cleaned_data, changed),
        ip_address=_ip(request),
    )


def _record_deletion(request: HttpRequest, obj: models.Model) -> None:
    audit_record(
        action=AuditAction.ADMIN_DELETE,
        target=obj,
        organization_id=_organization_id(obj),
        actor=_actor(request),
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


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[AuditEntry]):
    """Read-only: the audit trail is append-only."""

    list_display = ["created_at", "actor", "action", "object_type", "object_id", "organization", "ip_address"]
    list_filter = ["action", "object_type", "organization"]
    search_fields = ["object_id", "actor__email"]
    show_full_result_count = False
