"""The Audit log in people's words: what happened to what, the object linked to its page, and each change as
"label: before → after" with the fields' own labels and choice labels in the reader's language.

The entry stores raw values (the CSV keeps them as they are); this module only reads them. Objects are loaded
once per page and per kind, within the reader's organization.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from invoicedesk.accounts.models import AddonContract, Membership, Organization
from invoicedesk.alerts.models import Alert
from invoicedesk.audit.models import AuditEntry
from invoicedesk.core.money import Money
from invoicedesk.core.text import moment_text
from invoicedesk.documents.models import RefundDocument
from invoicedesk.payments.models import PaymentLink
from invoicedesk.refunds.controls import hold_reasons_text
from invoicedesk.refunds.models import Dispute, DisputeReason, DisputeStatus, Refund

# Keys the services write that are not a field of the object (or whose field label says less).
_LABELS: dict[str, Any] = {
    "classification": gettext_lazy("Refund type"),
    "amount_paid": gettext_lazy("Amount paid"),
    "paid_currency": gettext_lazy("Currency"),
    "payment_intent": gettext_lazy("Stripe payment"),
    "stripe_refund_id": gettext_lazy("Stripe refund ID"),
    "code": gettext_lazy("Stripe's code"),
    "comment": gettext_lazy("Comment"),
    "hold_reasons": gettext_lazy("Why it waits for approval"),
    "duplicates": gettext_lazy("Possible duplicate of"),
    "expires_at": gettext_lazy("Link expires at"),
    "email": gettext_lazy("Email address"),
    "new_account": gettext_lazy("New account"),
    "api_keys_revoked": gettext_lazy("API keys revoked"),
    "acknowledged": gettext_lazy("Acknowledged"),
    "subject": gettext_lazy("Subject"),
    "number": gettext_lazy("Document number"),
    "corrects": gettext_lazy("Corrects"),
    "amounts_by_rate": gettext_lazy("Amounts by tax rate"),
    "sha256": "SHA-256",
    "prefix": gettext_lazy("Key prefix"),
    "name": gettext_lazy("Name"),
    "stripe_account_id": gettext_lazy("Stripe account"),
    "stripe_dispute_id": gettext_lazy("Stripe dispute ID"),
    "charges_enabled": gettext_lazy("Charges enabled"),
    "payouts_enabled": gettext_lazy("Payouts enabled"),
    "commerce_disclosure_url": gettext_lazy("Commerce disclosure page"),
}
# Fields stored as Stripe's words, with no choices on the field: their labels, where we have one.
_STRIPE_CHOICES: dict[tuple[type[models.Model], str], type[models.TextChoices]] = {
    (Dispute, "status"): DisputeStatus,
    (Dispute, "reason"): DisputeReason,
}
# Kinds of object with no page here, by the words the UI uses for them.
_KINDS: dict[str, Any] = {"api.ApiKey": gettext_lazy("API key"), "accounts.User": gettext_lazy("User")}
# Said by the object's own description already.
_HIDDEN = {"payment_link", "refund"}
_MONEY_KEYS = {"amount", "amount_paid", "refund_approval_amount", "refund_daily_limit_per_person"}


@dataclass(frozen=True)
class Change:
    label: str
    before: str  # "" when the entry has no value before
    after: str  # "" when the entry has no value after

    def __str__(self) -> str:
        if self.before and self.after:
            return _("%(label)s: %(before)s → %(after)s") % {
                "label": self.label,
                "before": self.before,
                "after": self.after,
            }
        return _("%(label)s: %(value)s") % {"label": self.label, "value": self.after or self.before}


@dataclass(frozen=True)
class Described:
    subject: SafeString  # what the entry is about, linked to its page where it has one
    currency: str | None = None
    model: type[models.Model] | None = None


@dataclass(frozen=True)
class AuditRow:
    when: str
    actor: str
    action: str
    subject: SafeString
    changes: tuple[Change, ...]
    ip_address: str


def _invoice_url(invoice_id: int, tab: str = "") -> str:
    url = reverse("backoffice:invoice_detail", kwargs={"invoice_id": invoice_id})
    return f"{url}?tab={tab}" if tab else url


def _link(text: str, url: str) -> SafeString:
    return format_html('<a href="{}">{}</a>', url, text)


def _refunds(ids: list[str], organization_id: int) -> dict[str, Described]:
    found = Refund.objects.filter(organization_id=organization_id, pk__in=ids).select_related("payment_link__invoice")
    return {
        str(refund.pk): Described(
            _link(
                _("Refund of %(amount)s on %(number)s")
                % {"amount": refund.money.format(), "number": refund.payment_link.invoice.number},
                _invoice_url(refund.payment_link.invoice_id, "transactions"),
            ),
            refund.currency,
            Refund,
        )
        for refund in found
    }


def _links(ids: list[str], organization_id: int) -> dict[str, Described]:
    found = PaymentLink.objects.filter(invoice__organization_id=organization_id, pk__in=ids).select_related("invoice")
    return {
        str(link.pk): Described(
            _link(
                _("Online Payment Link of %(number)s") % {"number": link.invoice.number},
                _invoice_url(link.invoice_id),
            ),
            link.currency,
            PaymentLink,
        )
        for link in found
    }


def _documents(ids: list[str], organization_id: int) -> dict[str, Described]:
    found = RefundDocument.objects.filter(organization_id=organization_id, pk__in=ids).select_related(
        "refund__payment_link__invoice"
    )
    return {
        str(document.pk): Described(
            _link(
                _("Qualified return invoice %(document)s on %(number)s")
                % {"document": document.number, "number": document.refund.payment_link.invoice.number},
                _invoice_url(document.refund.payment_link.invoice_id, "transactions"),
            ),
            document.refund.currency,
            RefundDocument,
        )
        for document in found
    }


def _organizations(ids: list[str], organization_id: int) -> dict[str, Described]:
    found = Organization.objects.filter(pk=organization_id, pk__in=ids)
    settings_url = reverse("backoffice:organization_settings")
    return {
        str(org.pk): Described(
            _link(_("Settings of %(name)s") % {"name": org.name}, settings_url), org.currency, Organization
        )
        for org in found
    }


def _memberships(ids: list[str], organization_id: int) -> dict[str, Described]:
    found = Membership.objects.filter(organization_id=organization_id, pk__in=ids).select_related("user")
    members_url = reverse("backoffice:organization_settings") + "#members"
    return {
        str(m.pk): Described(_link(_("Member %(email)s") % {"email": m.user.email}, members_url), None, Membership)
        for m in found
    }


def _alerts(ids: list[str], organization_id: int) -> dict[str, Described]:
    found = Alert.objects.filter(organization_id=organization_id, pk__in=ids)
    alerts_url = reverse("alerts:alert_list")
    return {
        str(alert.pk): Described(
            _link(_("Alert: %(kind)s") % {"kind": alert.get_kind_display()}, alerts_url), alert.currency or None, Alert
        )
        for alert in found
    }


def _disputes(ids: list[str], organization_id: int) -> dict[str, Described]:
    found = Dispute.objects.filter(organization_id=organization_id, pk__in=ids).select_related("payment_link__invoice")
    return {
        str(dispute.pk): Described(
            _link(
                _("Dispute of %(amount)s on %(number)s")
                % {"amount": dispute.money.format(), "number": dispute.payment_link.invoice.number},
                _invoice_url(dispute.payment_link.invoice_id, "transactions"),
            ),
            dispute.currency,
            Dispute,
        )
        for dispute in found
    }


def _addon_contracts(ids: list[str], organization_id: int) -> dict[str, Described]:
    found = AddonContract.objects.filter(organization_id=organization_id, pk__in=ids)
    addon_url = reverse("backoffice:organization_settings") + "#addon"
    return {
        str(contract.pk): Described(_link(str(_("Stripe Credit Card Payment Add-on")), addon_url), None, AddonContract)
        for contract in found
    }


_LOADERS: dict[str, Callable[[list[str], int], dict[str, Described]]] = {
    Refund._meta.label: _refunds,
    PaymentLink._meta.label: _links,
    RefundDocument._meta.label: _documents,
    Organization._meta.label: _organizations,
    Membership._meta.label: _memberships,
    Alert._meta.label: _alerts,
    Dispute._meta.label: _disputes,
    AddonContract._meta.label: _addon_contracts,
}


def _fallback(entry: AuditEntry) -> Described:
    """An object of a kind without a page here (a user signing in, a row changed in the admin site)."""
    email = (entry.after or {}).get("email") or (entry.before or {}).get("email")
    if entry.object_type == Membership._meta.label and email:  # removed since: the entry still names them
        return Described(format_html("{}", _("Member %(email)s") % {"email": email}), None, Membership)
    try:
        model = apps.get_model(entry.object_type)
    except (LookupError, ValueError):
        return Described(format_html("{}", entry.object_type))
    if email:
        return Described(format_html("{}", email), None, model)
    kind = str(_KINDS.get(entry.object_type) or capfirst(str(model._meta.verbose_name)))
    # An API key's entries name it (the api app sits beside this one, so its rows are not loaded here).
    name = (entry.after or {}).get("name") or (entry.before or {}).get("name") or entry.object_id
    return Described(format_html("{} {}", kind, name), None, model)


def _label(key: str, model: type[models.Model] | None) -> str:
    if key in _LABELS:
        return str(_LABELS[key])
    if model is not None:
        try:
            field = model._meta.get_field(key)
        except FieldDoesNotExist:
            field = None
        if isinstance(field, models.Field):
            return capfirst(str(field.verbose_name))
    return capfirst(key.replace("_", " "))


def _choice_label(key: str, value: object, model: type[models.Model] | None) -> str | None:
    if model is None:
        return None
    stripe_choices = _STRIPE_CHOICES.get((model, key))
    if stripe_choices is not None:
        # A word of Stripe's newer than our labels shows as Stripe says it.
        return str(stripe_choices(value).label) if value in stripe_choices.values else None
    try:
        field = model._meta.get_field(key)
    except FieldDoesNotExist:
        return None
    for choice, label in getattr(field, "flatchoices", None) or ():
        if choice == value:
            return str(label)
    return None


def _value(key: str, value: object, described: Described) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if key in _MONEY_KEYS and isinstance(value, int) and described.currency:
        return Money(value, described.currency).format()
    if key == "hold_reasons" and isinstance(value, list):
        try:
            return "; ".join(hold_reasons_text(value))
        except (KeyError, TypeError, ValueError):
            return ", ".join(str(v) for v in value)
    if key == "amounts_by_rate" and isinstance(value, list) and described.currency:
        currency = described.currency
        return ", ".join(
            _("%(rate)s%%: %(amount)s (tax %(tax)s)")
            % {"rate": rate, "amount": Money(int(amount), currency).format(), "tax": Money(int(tax), currency).format()}
            for rate, amount, tax in value
        )
    if key == "sha256" and isinstance(value, str):
        return value[:12] + "…"
    if isinstance(value, str) and key.endswith("_at"):
        try:
            return moment_text(datetime.fromisoformat(value))
        except ValueError:
            return value
    label = _choice_label(key, value, described.model)
    if label is not None:
        return label
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def changes(entry: AuditEntry, described: Described) -> tuple[Change, ...]:
    before: Mapping[str, object] = entry.before or {}
    after: Mapping[str, object] = entry.after or {}
    keys = [*after, *(key for key in before if key not in after)]
    found = (
        Change(
            _label(key, described.model),
            _value(key, before[key], described) if key in before else "",
            _value(key, after[key], described) if key in after else "",
        )
        for key in keys
        if key not in _HIDDEN
    )
    # A field with no value on either side says nothing ("Reason: —").
    return tuple(change for change in found if {change.before, change.after} - {"", "—"})


def _described(entries: Iterable[AuditEntry]) -> dict[tuple[str, str], Described]:
    wanted: dict[tuple[str, int], list[str]] = defaultdict(list)
    for entry in entries:
        if entry.object_type in _LOADERS and entry.organization_id is not None:
            wanted[(entry.object_type, entry.organization_id)].append(entry.object_id)
    found: dict[tuple[str, str], Described] = {}
    for (object_type, organization_id), ids in wanted.items():
        numeric = [i for i in ids if i.isdigit()]
        for object_id, described in _LOADERS[object_type](numeric, organization_id).items():
            found[(object_type, object_id)] = described
    return found


def audit_rows(entries: list[AuditEntry]) -> list[AuditRow]:
    described = _described(entries)
    rows = []
    for entry in entries:
        about = described.get((entry.object_type, entry.object_id)) or _fallback(entry)
        rows.append(
            AuditRow(
                when=moment_text(entry.created_at, "seconds"),
                actor=str(entry.actor) if entry.actor_id else "invoicedesk",
                action=str(entry.get_action_display()),
                subject=about.subject,
                changes=changes(entry, about),
                ip_address=entry.ip_address or "",
            )
        )
    return rows
