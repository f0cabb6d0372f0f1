"""Money: an integer count of a currency's minor unit plus its ISO 4217 code.

Never a float. Minor units are Stripe's (core.currencies), so an amount means the
same here and at Stripe. Parsing accepts what operators type (full-width digits, thousands
separators, the currency's sign or code) and refuses anything that could mean
another amount or another currency, with a message that names the problem and
shows how to write the amount.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, total_ordering

from babel import Locale
from babel.numbers import NumberPattern, format_decimal, get_currency_symbol, list_currencies
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext_lazy as _

from .currencies import minor_unit_digits

# What an operator may type, read strictly so that no input means two amounts (docs: "Amounts" in README.md):
#   [sign] [currency mark] [sign] digits [decimals] [currency mark]
# Digits are ASCII or full-width; commas separate thousands, only in groups of three; a dot starts the decimals,
# and only for currencies that have them (at most as many digits as the currency has). The marks must name the
# form's currency (its code, its sign, 円 for JPY). "1.000,00" (a European thousands dot) is refused, not guessed.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {
    0x3000: " ",  # ideographic space
    0xFFE5: "¥",  # full-width yen sign
    0xFFE0: "¢",
    0xFFE1: "£",
    0x2212: "-",  # minus sign
    0x00A0: " ",  # no-break space, as babel may put between sign and number
    0x202F: " ",
}
_SHAPE = re.compile(
    r"^(?P<sign1>[-+]?)\s*(?P<prefix>[^0-9\s.,+-]*?)\s*(?P<sign2>[-+]?)\s*"
    r"(?P<number>[0-9.,]*[0-9][0-9.,]*)\s*(?P<suffix>[^0-9\s.,+-]*)$"
)
_GROUPED = re.compile(r"^[0-9]{1,3}(?:,[0-9]{3})+$")
# Marks accepted beside the form's currency besides its code and babel's signs for it in English and Japanese.
_EXTRA_MARKS = {"JPY": frozenset({"円", "¥"}), "USD": frozenset({"US$"})}
# Signs that name some currency: refused when they are not the form's.
_FOREIGN_SIGNS = frozenset("$€£¥₩₹₽₺₫₱₪฿₦₴₡₲₵₸¢元円") | {"US$", "CA$", "A$", "NZ$", "HK$", "CN¥", "R$", "MX$", "NT$"}


# The largest amount anything here takes, in minor units (forms and the API): ¥999,999,999,999 or $9,999,999,999.99
# is past any invoice, and far inside the bigint columns amounts are stored in.
MAX_AMOUNT = 999_999_999_999


class MoneyError(ValueError):
    """Input that cannot be an amount of money; `message` is shown to the operator."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@cache
def _marks(currency: str) -> frozenset[str]:
    """How an amount of `currency` may be marked: its code, its signs in English and Japanese, 円 for JPY."""
    signs = {get_currency_symbol(currency, locale).translate(_FULL_WIDTH) for locale in ("en_US", "ja_JP")}
    return frozenset({currency, *signs, *_EXTRA_MARKS.get(currency, ())})


def _marks_currency(mark: str, currency: str) -> bool:
    return mark.upper() in {m.upper() for m in _marks(currency)}


def _names_a_currency(mark: str) -> bool:
    return (
        mark in _FOREIGN_SIGNS
        or mark.upper() in _FOREIGN_SIGNS
        or mark.upper() in _currency_codes()
        or any(unicodedata.category(char) == "Sc" for char in mark)
    )


@cache
def _currency_codes() -> frozenset[str]:
    return frozenset(list_currencies())


def how_to_write(currency: str, language: str | None = None) -> str:
    """How to write an amount of `currency`, e.g. 'Write it like 22000, 22,000 or ¥22,000.'"""
    digits = minor_unit_digits(currency)
    example = Money(22_000 if digits == 0 else 123_450 * 10 ** (digits - 2), currency)
    grouped = format_decimal(example.decimal, format="#,##0" + ("." + "0" * digits if digits else ""), locale="en_US")
    return str(
        _("Write it like %(plain)s, %(grouped)s or %(formatted)s.")
        % {"plain": example.plain(), "grouped": grouped, "formatted": example.format(language)}
    )


def _with_how_to(problem: object, currency: str) -> str:
    return f"{problem} {how_to_write(currency)}"


def _locale_for(language: str | None) -> str:
    language = language or get_language() or "en"
    if language.startswith("ja"):
        return "ja_JP"
    if language.startswith("en"):
        return "en_US"
    return to_locale(language)


@cache
def _currency_format(locale: str) -> tuple[Locale, NumberPattern]:
    """What babel's `format_currency` looks up on every call (a third of its time): the locale and its standard
    currency pattern, which never change."""
    parsed = Locale.parse(locale)
    return parsed, parsed.currency_formats["standard"]


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
        """Parse a positive amount typed by an operator, e.g. '２２，０００', '¥22,000', 'JPY 22,000', '22000円'.

        Anything that could be read as another amount ('1.000' or '10,00' for JPY), another currency's sign or
        code, or digits other than 0-9 and full-width ０-９ is refused with a message saying how to write it.
        """
        typed = (text or "").translate(_FULL_WIDTH).strip()
        if not typed:
            raise MoneyError("required", _with_how_to(_("Enter an amount."), currency))
        if any(char.isdigit() and not "0" <= char <= "9" for char in typed) or any(
            unicodedata.category(char) == "No" for char in typed
        ):
            raise MoneyError("digits", _with_how_to(_("Use the digits 0-9 (full-width ０-９ are fine)."), currency))
        shape = _SHAPE.match(typed)
        if shape is None:
            if not any("0" <= char <= "9" for char in typed) and _marks_currency(typed, currency):
                raise MoneyError("required", _with_how_to(_("Enter an amount."), currency))
            raise MoneyError("invalid", _with_how_to(_("Enter the amount as a number."), currency))
        for mark in (shape["prefix"], shape["suffix"]):
            if mark and not _marks_currency(mark, currency):
                if _names_a_currency(mark):
                    raise MoneyError(
                        "currency",
                        _with_how_to(
                            _("“%(mark)s” is not %(currency)s: this amount is in %(currency)s.")
                            % {"mark": mark, "currency": currency},
                            currency,
                        ),
                    )
                raise MoneyError("invalid", _with_how_to(_("Enter the amount as a number."), currency))
        if (shape["sign1"] and shape["sign2"]) or shape["number"].endswith("."):
            raise MoneyError("invalid", _with_how_to(_("Enter the amount as a number."), currency))
        digits = minor_unit_digits(currency)
        whole, dot, fraction = shape["number"].partition(".")
        if dot and digits == 0:
            raise MoneyError(
                "fraction",
                _with_how_to(
                    _(
                        "%(currency)s has no fractional unit (and a dot does not separate thousands): "
                        "enter a whole number."
                    )
                    % {"currency": currency},
                    currency,
                ),
            )
        if ("," in whole and not _GROUPED.match(whole)) or "," in fraction or "." in fraction or not whole:
            raise MoneyError(
                "grouping",
                _with_how_to(
                    _("Commas separate thousands, in groups of three digits from the right%(decimals)s.")
                    % {"decimals": _(", and a dot starts the decimals") if digits else ""},
                    currency,
                ),
            )
        if dot and not 1 <= len(fraction) <= digits:
            raise MoneyError(
                "fraction",
                _with_how_to(
                    _("%(currency)s allows at most %(digits)d decimal places.")
                    % {"currency": currency, "digits": digits},
                    currency,
                ),
            )
        if "-" in (shape["sign1"], shape["sign2"]) and whole.replace(",", "").strip("0") + fraction.strip("0"):
            raise MoneyError("negative", _with_how_to(_("The amount cannot be negative."), currency))
        amount = int(whole.replace(",", "") + fraction.ljust(digits, "0"))
        if amount == 0:
            raise MoneyError("zero", _with_how_to(_("The amount must be greater than zero."), currency))
        return cls(amount, currency)

    @property
    def decimal(self) -> Decimal:
        return Decimal(self.amount).scaleb(-minor_unit_digits(self.currency))

    def format(self, language: str | None = None) -> str:
        """Locale-aware, e.g. '¥110,000' in English and '￥110,000' in Japanese: babel's `format_currency`, with the
        locale and its pattern looked up once (`_currency_format`)."""
        locale, pattern = _currency_format(_locale_for(language))
        return str(pattern.apply(self.decimal, locale, currency=self.currency, currency_digits=True))

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
