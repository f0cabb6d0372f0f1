"""Money: an integer count of a currency's minor unit plus its ISO 4217 code.

Never a float. Minor units are Stripe's (core.currencies), so an amount means the
same here and at Stripe. Parsing accepts what operators type (full-width digits, thousands
separators, currency signs) and refuses anything ambiguous with a message that
names the problem.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import total_ordering

from babel.numbers import format_currency
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext_lazy as _

from .currencies import minor_unit_digits

# Signs and words an operator may type around a number; NFKC has already turned
# full-width forms (￥, ＄, ２２) into their ASCII or standard equivalents.
_CURRENCY_MARKS = re.compile(r"[¥$€£]|円|JPY|USD|EUR|GBP", re.IGNORECASE)
_NUMBER = re.compile(r"^(?P<sign>[-+−]?)(?P<digits>\d+)(?:\.(?P<fraction>\d+))?$")


class MoneyError(ValueError):
    """Input that cannot be an amount of money; `message` is shown to the operator."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _locale_for(language: str | None) -> str:
    language = language or get_language() or "en"
    if language.startswith("ja"):
        return "ja_JP"
    if language.startswith("en"):
        return "en_US"
    return to_locale(language)


@total_ordering
@dataclass(frozen=True, slots=True)
class Money:
    amount: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError("Money.amount is an integer count of minor units")
        if len(self.currency) != 3 or not self.currency.isupper():
            raise ValueError(f"not an ISO 4217 code: {self.currency!r}")

    @classmethod
    def parse(cls, text: str, currency: str) -> Money:
        """Parse a positive amount typed by an operator, e.g. '２２，０００', '¥22,000'."""
        normalised = unicodedata.normalize("NFKC", text or "")
        normalised = _CURRENCY_MARKS.sub("", normalised)
        normalised = re.sub(r"[\s,_']", "", normalised)
        if not normalised:
            raise MoneyError("required", str(_("Enter an amount.")))
        match = _NUMBER.match(normalised)
        if match is None:
            raise MoneyError("invalid", str(_("Enter the amount as a number, for example 22000.")))
        digits = minor_unit_digits(currency)
        fraction = match["fraction"] or ""
        if fraction.rstrip("0") and digits == 0:
            raise MoneyError(
                "fraction",
                str(_("%(currency)s has no fractional unit: enter a whole number.") % {"currency": currency}),
            )
        if len(fraction.rstrip("0")) > digits:
            raise MoneyError(
                "fraction",
                str(
                    _("%(currency)s allows at most %(digits)d decimal places.")
                    % {"currency": currency, "digits": digits}
                ),
            )
        try:
            value = Decimal(f"{match['digits']}.{fraction or '0'}")
        except InvalidOperation:  # pragma: no cover - the regex admits only digits
            raise MoneyError("invalid", str(_("Enter the amount as a number, for example 22000."))) from None
        if match["sign"] in ("-", "−") and value != 0:
            raise MoneyError("negative", str(_("The amount cannot be negative.")))
        if value == 0:
            raise MoneyError("zero", str(_("The amount must be greater than zero.")))
        return cls(int(value.scaleb(digits)), currency)

    @property
    def decimal(self) -> Decimal:
        return Decimal(self.amount).scaleb(-minor_unit_digits(self.currency))

    def format(self, language: str | None = None) -> str:
        """Locale-aware, e.g. '¥110,000' in English and '￥110,000' in Japanese."""
        return str(format_currency(self.decimal, self.currency, locale=_locale_for(language)))

    def plain(self) -> str:
        """The amount as an operator would type it back: '22000', '12.34'."""
        return format(self.decimal, "f")

    def _check(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise ValueError(f"currency mismatch: {self.currency} and {other.currency}")
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._check(other).amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._check(other).amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._check(other).amount

    def __str__(self) -> str:
        return self.format()
