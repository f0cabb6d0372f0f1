from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What will use the key, e.g. “order system”."))
    expires_on = forms.DateField(
        label=_("Expires on (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def expires_at(self) -> datetime | None:
        day = self.cleaned_data.get("expires_on")
        # The key works through the whole day it expires on, in the organization's time zone.
        return timezone.make_aware(datetime.combine(day, time.max)) if day else None
