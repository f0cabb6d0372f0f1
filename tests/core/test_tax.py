from hypothesis import given
from hypothesis import strategies as st

from invoicedesk.core.tax import (
    RegistrationProblem,
    Rounding,
    allocate,
    registration_check_digit,
    registration_number_problem,
    tax_on_net,
    tax_within_gross,
)


def test_registration_numbers_are_checked_like_corporate_numbers() -> None:
    # The National Tax Agency's own corporate number, and its registration number.
    assert registration_check_digit("000012050002") == 7
    assert registration_number_problem("T7000012050002") is None
    assert registration_number_problem("T8000012050002") == RegistrationProblem.CHECK_DIGIT
    assert registration_number_problem("7000012050002") == RegistrationProblem.PREFIX
    assert registration_number_problem("T700001205000") == RegistrationProblem.LENGTH
    assert registration_number_problem("T７000012050002") == RegistrationProblem.CHARACTERS


def test_tax_per_rate_rounds_once_as_the_organization_chose() -> None:
    assert tax_within_gross(22_000, 10) == 2_000
    assert tax_within_gross(10_800, 8) == 800
    assert tax_within_gross(1_000, 10) == 90  # 90.9…, down
    assert tax_within_gross(1_000, 10, Rounding.HALF_UP) == 91
    assert tax_on_net(100_000, 10) == 10_000 and tax_on_net(999, 8) == 79 and tax_on_net(999, 8, Rounding.UP) == 80
    assert tax_within_gross(5_000, 0) == 0


def test_a_refund_is_split_pro_rata_and_sums_exactly() -> None:
    assert allocate(22_000, {10: 110_000}) == {10: 22_000}
    assert allocate(10_000, {10: 55_000, 8: 54_000}) == {10: 5_046, 8: 4_954}
    assert allocate(1, {10: 1, 8: 1}) == {10: 1, 8: 0}
    assert allocate(0, {10: 0, 8: 0}) == {10: 0, 8: 0}


@given(
    st.dictionaries(st.sampled_from([10, 8, 0]), st.integers(0, 10**9), min_size=1),
    st.integers(0, 10**9),
)
def test_allocation_never_exceeds_a_rate_and_always_sums(remaining: dict[int, int], ask: int) -> None:
    amount = min(ask, sum(remaining.values()))
    parts = allocate(amount, remaining)
    assert sum(parts.values()) == amount
    assert all(0 <= parts[rate] <= remaining[rate] for rate in remaining)


@given(st.lists(st.integers(1, 50_000), min_size=1, max_size=8), st.integers(1, 200_000), st.integers(1, 200_000))
def test_refunds_in_several_steps_never_exceed_a_rates_amount(steps: list[int], at_10: int, at_8: int) -> None:
    remaining = {10: at_10, 8: at_8}
    for step in steps:
        amount = min(step, sum(remaining.values()))
        parts = allocate(amount, remaining)
        remaining = {rate: remaining[rate] - parts[rate] for rate in remaining}
        assert all(value >= 0 for value in remaining.values())
