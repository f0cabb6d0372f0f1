from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _

from .money import MAX_AMOUNT, Money, MoneyError


class MoneyAmountField(forms.CharField):
    """An amount as operators type it (２２，０００, ¥22,000) → integer minor units, or None when blank.

    The form sets `currency` before validation; errors are Money's messages, in the user's language.
    """

    def __init__(self, *, allow_zero: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.currency = "JPY"
        # A part of a whole (nothing at one tax rate) may be zero; an amount to refund may not.
        self.allow_zero = allow_zero
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def clean(self, value: Any) -> int | None:
        text = super().clean(value)
        if not text.strip():
            return None
        if self.allow_zero and text.strip() in {"0", "０"}:
            return 0
        try:
            amount = Money.parse(text, self.currency).amount
        except MoneyError as error:
            raise forms.ValidationError(error.message, code=error.code) from None
        if amount > MAX_AMOUNT:
            # Past any real amount, and past what the database's integer columns hold.
            raise forms.ValidationError(
                _("The amount is too large: at most %(max)s.") % {"max": Money(MAX_AMOUNT, self.currency).format()},
                code="too_large",
            )
        return amount


def set_currency(form: forms.Form, currency: str) -> None:
    for field in form.fields.values():
        if isinstance(field, MoneyAmountField):
            field.currency = currency
