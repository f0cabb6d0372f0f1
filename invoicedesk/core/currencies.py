"""Currencies as Stripe's API counts them, which is not always as ISO 4217 or babel do.

Stripe takes every amount as an integer of the currency's minor unit, by its own table: zero-decimal
currencies (JPY: 500 means ¥500), three-decimal ones whose last digit must be 0, and two decimals for the rest —
ISK included (ISO says 0; Stripe keeps 2 for backwards compatibility), HUF and TWD too. A charge must also lie
between Stripe's minimum for the currency and 8 digits of minor units. (docs.stripe.com/currencies)
"""

from __future__ import annotations

STRIPE_ZERO_DECIMAL = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"}
)
STRIPE_THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})

# Stripe's minimum charge per currency, in minor units (docs.stripe.com/currencies#minimum-and-maximum-charge-amounts).
STRIPE_MINIMUM_CHARGE = {
    "USD": 50, "AED": 200, "AUD": 50, "BGN": 100, "BRL": 50, "CAD": 50, "CHF": 50, "CZK": 1500, "DKK": 250,
    "EUR": 50, "GBP": 30, "HKD": 400, "HUF": 17500, "INR": 50, "JPY": 50, "MXN": 1000, "MYR": 200, "NOK": 300,
    "NZD": 50, "PLN": 200, "RON": 200, "SEK": 300, "SGD": 50, "THB": 1000,
}  # fmt: skip
# Amounts are at most 8 digits of minor units for most currencies.
STRIPE_MAXIMUM_CHARGE = 99_999_999


def minor_unit_digits(currency: str) -> int:
    """How many decimals one unit of `currency` has in Stripe's API."""
    if currency in STRIPE_ZERO_DECIMAL:
        return 0
    if currency in STRIPE_THREE_DECIMAL:
        return 3
    return 2
