import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from invoicedesk.core.money import Money, MoneyError, how_to_write

HOW_TO_JPY = "Write it like 22000, 22,000 or ¥22,000."
HOW_TO_USD = "Write it like 1234.50, 1,234.50 or $1,234.50."


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
        "JPY 22,000",
        "jpy22000",
        "22000 円",
        "¥22,000円",
        "+22000",
    ],
)
def test_operator_input_is_normalised(typed: str) -> None:
    assert Money.parse(typed, "JPY") == Money(22_000, "JPY")


@pytest.mark.parametrize(
    ("typed", "code", "words"),
    [
        ("22000.5", "fraction", "JPY has no fractional unit"),
        ("22000.0", "fraction", "JPY has no fractional unit"),
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
    assert HOW_TO_JPY in caught.value.message


@pytest.mark.parametrize(
    ("typed", "code", "words"),
    [
        # Ambiguous for a zero-decimal currency: today's ¥1,000, ¥1 and ¥100 are refused.
        ("10,00", "grouping", "groups of three digits"),
        ("1.000", "fraction", "a dot does not separate thousands"),
        ("1,0,0", "grouping", "groups of three digits"),
        ("100,0000", "grouping", "groups of three digits"),
        ("1,00,000", "grouping", "groups of three digits"),
        (",100", "grouping", "groups of three digits"),
        ("1.000,00", "fraction", "a dot does not separate thousands"),
        # Another currency's sign or code.
        ("$100", "currency", "“$” is not JPY"),
        ("€50", "currency", "“€” is not JPY"),
        ("USD 100", "currency", "“USD” is not JPY"),
        ("100 EUR", "currency", "“EUR” is not JPY"),
        ("CN¥100", "currency", "“CN¥” is not JPY"),
        ("100元", "currency", "“元” is not JPY"),
        # Digits other than 0-9 and full-width ０-９.
        ("2²", "digits", "digits 0-9"),
        ("²²⁰⁰⁰", "digits", "digits 0-9"),
        ("١٢٣", "digits", "digits 0-9"),
        ("२२०००", "digits", "digits 0-9"),
        ("①", "digits", "digits 0-9"),
        ("22 000", "invalid", "as a number"),
        ("5.", "invalid", "as a number"),
    ],
)
def test_ambiguous_jpy_input_is_refused_with_how_to_write_it(typed: str, code: str, words: str) -> None:
    with pytest.raises(MoneyError) as caught:
        Money.parse(typed, "JPY")
    assert (caught.value.code, words in caught.value.message) == (code, True), caught.value.message
    assert caught.value.message.endswith(HOW_TO_JPY)


@pytest.mark.parametrize(
    ("typed", "amount"),
    [("$12.34", 1234), ("12", 1200), ("1,234.5", 123_450), ("USD 1,234.50", 123_450), ("US$5", 500), ("0.5", 50)],
)
def test_two_decimal_currency_accepts_a_dot_for_decimals(typed: str, amount: int) -> None:
    assert Money.parse(typed, "USD") == Money(amount, "USD")


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        # Decided: the European way (dot for thousands, comma for decimals) is refused, never guessed.
        ("1.000,00", "grouping"),
        ("10,00", "grouping"),
        ("1.000", "fraction"),  # $1.000 or $1,000? Refused: at most 2 decimal places, even zeros.
        ("12.345", "fraction"),
        ("¥100", "currency"),
        ("100 JPY", "currency"),
    ],
)
def test_two_decimal_currency_refuses_what_could_mean_another_amount(typed: str, code: str) -> None:
    with pytest.raises(MoneyError) as caught:
        Money.parse(typed, "USD")
    assert caught.value.code == code
    assert caught.value.message.endswith(HOW_TO_USD)


def test_messages_say_how_to_write_the_amount_in_japanese_too() -> None:
    with translation.override("ja"):
        with pytest.raises(MoneyError) as caught:
            Money.parse("1.000", "JPY")
        assert how_to_write("JPY") == "22000、22,000、￥22,000 のように入力してください。"
        assert caught.value.message.endswith(how_to_write("JPY"))
        assert "小数" in caught.value.message
        with pytest.raises(MoneyError) as caught:
            Money.parse("$100", "JPY")
        assert "JPYではありません" in caught.value.message
        assert Money.parse("￥22,000", "JPY") == Money(22_000, "JPY")


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


@settings(deadline=None)  # a speed limit is no part of a test (bench/); a loaded machine is slow
@given(st.integers(min_value=1, max_value=10**12))
def test_formatted_amounts_parse_back_to_themselves(amount: int) -> None:
    for currency in ("JPY", "USD"):
        money = Money(amount, currency)
        assert Money.parse(money.format("en"), currency) == money
        assert Money.parse(money.format("ja"), currency) == money


@settings(deadline=None)  # a speed limit is no part of a test (bench/); a loaded machine is slow
@given(st.text(max_size=20))
def test_any_text_either_parses_to_a_positive_amount_or_raises_money_error(text: str) -> None:
    try:
        money = Money.parse(text, "JPY")
    except MoneyError as error:
        assert error.message
    else:
        assert money.amount > 0


_FULL_WIDTH_DIGITS = str.maketrans("0123456789,", "０１２３４５６７８９，")


def _grouped(amount: int) -> str:
    return f"{amount:,}"


@settings(deadline=None)  # a speed limit is no part of a test (bench/); a loaded machine is slow
@given(
    st.integers(min_value=1, max_value=10**12),
    st.sampled_from(["{}", "¥{}", "￥{}", "¥ {}", "{}円", "JPY {}", "{} JPY", " {} "]),
    st.booleans(),
    st.booleans(),
)
def test_every_accepted_way_of_writing_a_jpy_amount_reads_as_that_amount(
    amount: int, mark: str, grouped: bool, full_width: bool
) -> None:
    number = _grouped(amount) if grouped else str(amount)
    if full_width:
        number = number.translate(_FULL_WIDTH_DIGITS)
    assert Money.parse(mark.format(number), "JPY") == Money(amount, "JPY")


@settings(deadline=None)  # a speed limit is no part of a test (bench/); a loaded machine is slow
@given(st.integers(min_value=1, max_value=10**9), st.lists(st.integers(min_value=1, max_value=12), max_size=4))
def test_commas_are_accepted_exactly_where_thousands_are_separated(amount: int, cuts: list[int]) -> None:
    digits = str(amount)
    positions = sorted({len(digits) - cut for cut in cuts if 0 < len(digits) - cut < len(digits)})
    typed = "".join(("," if index in positions else "") + char for index, char in enumerate(digits))
    right = all((len(digits) - position) % 3 == 0 for position in positions)
    every_third = right and len(positions) == (len(digits) - 1) // 3
    try:
        parsed = Money.parse(typed, "JPY")
    except MoneyError as error:
        assert not every_third or not positions
        assert error.code == "grouping" and error.message.endswith(HOW_TO_JPY)
    else:
        # Accepted: no comma at all, or one at every third digit from the right — and then it means one amount.
        assert not positions or every_third
        assert parsed == Money(amount, "JPY")


_TYPED = st.text(alphabet="0123456789０１２３４５６７８９,.，．¥￥$€円JPYUSD -−－+²³¹٣९①", max_size=14)


@settings(deadline=None)  # a speed limit is no part of a test (bench/); a loaded machine is slow
@given(_TYPED, st.sampled_from(["JPY", "USD"]))
def test_any_input_reads_as_exactly_one_amount_or_is_refused_with_how_to_write_it(text: str, currency: str) -> None:
    try:
        money = Money.parse(text, currency)
    except MoneyError as error:
        assert error.message.endswith(how_to_write(currency)), error.message
    else:
        assert money.amount > 0 and money.currency == currency
        # Exactly one amount: its digits are the input's digits, read left to right with nothing guessed.
        typed_digits = "".join(c for c in text.translate(_ASCII) if c.isdigit()).lstrip("0")
        expected = money.plain().replace(".", "").lstrip("0")
        assert typed_digits.ljust(len(expected), "0") == expected
        assert Money.parse(money.format("en"), currency) == money
        assert Money.parse(money.format("ja"), currency) == money
        assert Money.parse(money.plain(), currency) == money


_ASCII = str.maketrans("０１２３４５６７８９", "0123456789")


@settings(deadline=None)  # a speed limit is no part of a test (bench/); a loaded machine is slow
@given(st.characters(categories=["Nd", "No"]).filter(lambda c: not "0" <= c <= "9" and not "０" <= c <= "９"))
def test_digits_other_than_ascii_and_full_width_are_refused(digit: str) -> None:
    with pytest.raises(MoneyError) as caught:
        Money.parse(f"1{digit}000", "JPY")
    assert caught.value.message.endswith(HOW_TO_JPY)


@settings(deadline=None)  # a speed limit is no part of a test (bench/); a loaded machine is slow
@given(
    st.integers(min_value=1, max_value=10**12),
    st.sampled_from(["JPY", "USD", "EUR", "KRW", "BHD", "GBP"]),
    st.sampled_from(["en", "ja", "en-us", "ja-jp"]),
)
def test_formatting_is_babels_format_currency(amount: int, currency: str, language: str) -> None:
    """Money.format reuses babel's parsed locale and pattern; what it prints must be babel's own answer."""
    from babel.numbers import format_currency

    from invoicedesk.core.money import _locale_for

    money = Money(amount, currency)
    assert money.format(language) == format_currency(money.decimal, currency, locale=_locale_for(language))
