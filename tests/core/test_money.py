import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoicedesk.core.money import Money, MoneyError


@pytest.mark.parametrize(
    "typed",
    [
        "22000",
        "２２０００",
        "22,000",
        "２２，０００",
        "¥22,000",
        "￥22,000",
        "¥ 22,000 ",
        " 22000円",
        "JPY 22000",
        "22000.0",
    ],
)
def test_operator_input_is_normalised(typed: str) -> None:
    assert Money.parse(typed, "JPY") == Money(22_000, "JPY")


@pytest.mark.parametrize(
    ("typed", "code", "words"),
    [
        ("22000.5", "fraction", "JPY has no fractional unit"),
        ("0", "zero", "greater than zero"),
        ("０", "zero", "greater than zero"),
        ("-1", "negative", "cannot be negative"),
        ("－１", "negative", "cannot be negative"),
        ("abc", "invalid", "as a number"),
        ("22,000 yen please", "invalid", "as a number"),
        ("1e5", "invalid", "as a number"),
        ("", "required", "Enter an amount"),
        ("   ", "required", "Enter an amount"),
        ("¥", "required", "Enter an amount"),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_the_problem(typed: str, code: str, words: str) -> None:
    with pytest.raises(MoneyError) as caught:
        Money.parse(typed, "JPY")
    assert caught.value.code == code
    assert words in caught.value.message


def test_two_decimal_currency_parses_cents_and_refuses_a_third_digit() -> None:
    assert Money.parse("$12.34", "USD") == Money(1234, "USD")
    assert Money.parse("12", "USD") == Money(1200, "USD")
    assert Money.parse("1,234.5", "USD") == Money(123_450, "USD")
    with pytest.raises(MoneyError, match="at most 2 decimal places"):
        Money.parse("12.345", "USD")


def test_format_is_locale_aware() -> None:
    assert Money(110_000, "JPY").format("en") == "¥110,000"
    assert Money(110_000, "JPY").format("ja") == "￥110,000"
    assert Money(1234, "USD").format("en") == "$12.34"


def test_plain_is_what_an_operator_would_type_back() -> None:
    assert Money(22_000, "JPY").plain() == "22000"
    assert Money(1234, "USD").plain() == "12.34"


def test_arithmetic_and_comparison_refuse_mixed_currencies() -> None:
    assert Money(110_000, "JPY") - Money(22_000, "JPY") == Money(88_000, "JPY")
    assert Money(1, "JPY") < Money(2, "JPY")
    with pytest.raises(ValueError, match="currency mismatch"):
        _ = Money(1, "JPY") + Money(1, "USD")


def test_amount_must_be_an_integer() -> None:
    with pytest.raises(TypeError):
        Money(1.5, "JPY")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not an ISO 4217 code"):
        Money(1, "yen")


@given(st.integers(min_value=1, max_value=10**12))
def test_formatted_amounts_parse_back_to_themselves(amount: int) -> None:
    for currency in ("JPY", "USD"):
        money = Money(amount, currency)
        assert Money.parse(money.format("en"), currency) == money
        assert Money.parse(money.format("ja"), currency) == money


@given(st.text(max_size=20))
def test_any_text_either_parses_to_a_positive_amount_or_raises_money_error(text: str) -> None:
    try:
        money = Money.parse(text, "JPY")
    except MoneyError as error:
        assert error.message
    else:
        assert money.amount > 0
