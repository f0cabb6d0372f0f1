from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class TestCardForm(forms.Form):
    """Test mode only (localstripe): a card number the server turns into a PaymentMethod (see test_cards)."""

    number = forms.CharField(label=_("Card number"), max_length=23, initial="4242 4242 4242 4242")
    expiry = forms.CharField(label=_("Expiry (MM/YY)"), max_length=7, initial="12/30")
    cvc = forms.CharField(label=_("CVC"), max_length=4, initial="123")

    def clean_number(self) -> str:
        digits = re.sub(r"[\s-]", "", self.cleaned_data["number"])
        if not re.fullmatch(r"\d{16}", digits):
            raise forms.ValidationError(_("Enter the 16 digits of the card number."))
        return digits

    def clean_expiry(self) -> tuple[int, int]:
        match = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*", self.cleaned_data["expiry"])
        if not match or not 1 <= int(match[1]) <= 12:
            raise forms.ValidationError(_("Enter the expiry as MM/YY."))
        year = int(match[2])
        return int(match[1]), year + 2000 if year < 100 else year

    def clean_cvc(self) -> str:
        cvc = str(self.cleaned_data["cvc"]).strip()
        if not re.fullmatch(r"\d{3}", cvc):
            raise forms.ValidationError(_("Enter the 3-digit security code."))
        return cvc

    def card(self) -> dict[str, Any]:
        month, year = self.cleaned_data["expiry"]
        return {
            "number": self.cleaned_data["number"],
            "exp_month": month,
            "exp_year": year,
            "cvc": self.cleaned_data["cvc"],
        }
