"""Japanese consumption tax, as the Qualified Invoice System counts it: pure functions over integers of yen.

- A qualified invoice issuer's registration number is "T" + 13 digits whose first digit checks the other twelve,
  as corporate numbers do (National Tax Agency: 9 − (Σ Pₙ × Qₙ mod 9), Pₙ the n-th digit from the right,
  Qₙ = 1 for odd n and 2 for even n).
- Tax is computed once per rate per document, never line by line; the organization's rounding rule applies
  (down by default).
- A refund is split over the rates pro rata to what remains refundable at each rate; the remainder goes to the
  largest fractions, so the parts always sum to the refund exactly and never exceed what remains at a rate.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum

REGISTRATION_NUMBER = re.compile(r"T(\d{13})")


class Rounding(StrEnum):
    DOWN = "down"
    HALF_UP = "half_up"
    UP = "up"


class RegistrationProblem(StrEnum):
    PREFIX = "prefix"  # does not start with T
    CHARACTERS = "characters"  # something other than 0-9 after the T
    LENGTH = "length"  # not 13 digits
    CHECK_DIGIT = "check_digit"  # the first digit does not check the other twelve


def registration_number_problem(value: str) -> RegistrationProblem | None:
    """What is wrong with a registration number, or None when it is valid."""
    value = value.strip()
    if not value.startswith("T"):
        return RegistrationProblem.PREFIX
    digits = value[1:]
    if not digits.isascii() or not digits.isdigit():
        return RegistrationProblem.CHARACTERS
    if len(digits) != 13:
        return RegistrationProblem.LENGTH
    if int(digits[0]) != registration_check_digit(digits[1:]):
        return RegistrationProblem.CHECK_DIGIT
    return None


def registration_check_digit(twelve_digits: str) -> int:
    from_the_right = [int(d) for d in reversed(twelve_digits)]
    total = sum(digit * (1 if n % 2 else 2) for n, digit in enumerate(from_the_right, start=1))
    return 9 - total % 9


def _divide(numerator: int, denominator: int, rounding: Rounding) -> int:
    whole, rest = divmod(numerator, denominator)
    if rest == 0 or rounding == Rounding.DOWN:
        return whole
    if rounding == Rounding.UP:
        return whole + 1
    return whole + (1 if rest * 2 >= denominator else 0)


def tax_on_net(net: int, rate: int, rounding: Rounding = Rounding.DOWN) -> int:
    """Tax on a tax-excluded total at `rate` percent (once per rate per document)."""
    return _divide(net * rate, 100, rounding)


def tax_within_gross(gross: int, rate: int, rounding: Rounding = Rounding.DOWN) -> int:
    """The tax contained in a tax-included amount at `rate` percent: 22,000 at 10 % holds 2,000."""
    return _divide(gross * rate, 100 + rate, rounding)


def allocate(amount: int, remaining_by_rate: Mapping[int, int]) -> dict[int, int]:
    """Split `amount` over the rates pro rata to what remains refundable at each (largest remainder).

    Every part is ≤ its rate's remaining amount and the parts sum to `amount` exactly.
    """
    total = sum(remaining_by_rate.values())
    if amount < 0 or any(value < 0 for value in remaining_by_rate.values()):
        raise ValueError("amounts are never negative")
    if amount > total:
        raise ValueError(f"{amount} is more than the {total} that remains")
    if total == 0:
        return dict.fromkeys(remaining_by_rate, 0)
    shares = {rate: divmod(amount * remaining, total) for rate, remaining in remaining_by_rate.items()}
    parts = {rate: whole for rate, (whole, _) in shares.items()}
    left = amount - sum(parts.values())
    # The largest fractions first; a tie goes to the higher rate, then the larger remaining amount.
    order = sorted(shares, key=lambda rate: (-shares[rate][1], -rate, -remaining_by_rate[rate]))
    for rate in order:
        if left == 0:
            break
        if parts[rate] < remaining_by_rate[rate]:
            parts[rate] += 1
            left -= 1
    return parts
