from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from invoicedesk.core.forms import MoneyAmountField, set_currency
from invoicedesk.core.money import Money

from .models import RefundClassification, RefundReason
from .services import RefundInput


class RefundForm(forms.Form):
    """The Refund Billing Amount modal: the operator states the amount to return."""

    classification = forms.ChoiceField(
        label=_("Refund type"),
        choices=RefundClassification.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose Full refund or Partial refund.")},
    )
    amount = MoneyAmountField(label=_("Refund Amount"))
    reason = forms.ChoiceField(
        label=_("Reason (optional)"), required=False, choices=[("", _("No reason given")), *RefundReason.choices]
    )
    memo = forms.CharField(
        label=_("Internal memo (optional, not sent to the buyer)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # Issued by the server and signed for this person in this organization: a key it did not issue is refused
    # like any tampered form, without saying whether such a key was ever used.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=200)
    # The Refundable Amount shown with this form (minor units): the classification is checked against it.
    shown_refundable = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    # The payment's state this form was shown for (refunds.controls.payment_state): a stale form is refused.
    payment_state = forms.CharField(widget=forms.HiddenInput, max_length=64)
    # Shown once the same amount was refunded on this payment within 24 hours: the operator says it is meant.
    confirm_repeat = forms.BooleanField(
        required=False, label=_("Yes, refund this amount again: the buyer is owed two separate returns")
    )

    def __init__(
        self,
        *args: Any,
        currency: str,
        refundable: Money,
        payment_state: str = "",
        rates: tuple[int, ...] = (),
        signed_for: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._key_signer = signing.Signer(salt=f"invoicedesk.refunds.form-key:{signed_for}")
        # An invoice with more than one consumption tax rate: the operator may say how much returns at each.
        self.rates = rates if len(rates) > 1 else ()
        for rate in self.rates:
            self.fields[f"split_{rate}"] = MoneyAmountField(
                label=_("At %(rate)s%%") % {"rate": rate}, required=False, allow_zero=True
            )
        set_currency(self, currency)
        self.refundable = refundable
        self.fields["amount"].widget.attrs["data-refundable"] = refundable.plain()
        # Screen readers read the hint and the live preview (which carries the amount's errors) with the field.
        self.fields["amount"].widget.attrs["aria-describedby"] = "amount-hint refund-preview"
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", self._key_signer.sign(str(uuid.uuid4())))
            self.initial.setdefault("shown_refundable", refundable.amount)
            self.initial.setdefault("payment_state", payment_state)

    def clean_idempotency_key(self) -> uuid.UUID:
        try:
            return uuid.UUID(self._key_signer.unsign(self.cleaned_data["idempotency_key"]))
        except (signing.BadSignature, ValueError):
            raise forms.ValidationError("not issued here", code="invalid") from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # Hidden fields have no place to show an error: a tampered or stale form is said once, at the top.
        hidden = ("idempotency_key", "shown_refundable", "payment_state")
        tampered = [self.errors.pop(name) for name in hidden if name in self.errors]
        if tampered:
            self.add_error(None, _("This form is no longer valid. Close it and open the Refund form again."))
        if data.get("amount") is None and "amount" not in self.errors:
            if data.get("classification") == RefundClassification.FULL:
                # Full refund fills in the Refundable Amount shown, with or without JavaScript.
                shown = data.get("shown_refundable")
                data["amount"] = shown if shown is not None else self.refundable.amount
            else:
                self.add_error("amount", _("Enter the amount to return to the buyer."))
        return data

    @property
    def split_fields(self) -> list[forms.BoundField]:
        return [self[f"split_{rate}"] for rate in self.rates]

    def rate_split(self) -> dict[str, int]:
        """The operator's split, or {} when they left it to the pro-rata default (every box empty)."""
        chosen = {str(rate): self.cleaned_data.get(f"split_{rate}") for rate in self.rates}
        if all(value is None for value in chosen.values()):
            return {}
        return {rate: int(value or 0) for rate, value in chosen.items()}

    def refund_input(self, *, invoice_id: int) -> RefundInput:
        data = self.cleaned_data
        return RefundInput(
            invoice_id=invoice_id,
            amount=data["amount"],
            classification=RefundClassification(data["classification"]),
            reason=data.get("reason") or "",
            memo=(data.get("memo") or "").strip(),
            idempotency_key=data["idempotency_key"],
            shown_refundable=data.get("shown_refundable"),
            expected_state=data["payment_state"],
            confirm_repeat=bool(data.get("confirm_repeat")),
            rate_split=self.rate_split(),
        )

    def asks_repeat(self) -> bool:
        """Whether the modal shows the "refund again" tick: once asked for, and while ticked."""
        return "confirm_repeat" in self.errors or bool(self.data.get("confirm_repeat"))
