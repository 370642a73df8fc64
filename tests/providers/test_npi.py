"""The identifier checks a claim's providers must pass, as plain functions."""

import pytest

from providers.npi import (
    luhn_check_digit,
    npi_check_digit,
    npi_problem,
    tax_id_problem,
    taxonomy_problem,
)


def test_the_npi_check_digit_is_luhn_over_80840_and_the_first_nine() -> None:
    # CMS's worked example: 123456789 behind 80840 has the check digit 3.
    assert npi_check_digit("123456789") == "3"
    assert luhn_check_digit("80840123456789") == 3
    assert npi_problem("1234567893") is None


@pytest.mark.parametrize("wrong", ["1234567890", "1234567894", "1234567839"])
def test_a_wrong_check_digit_or_swapped_digits_are_refused(wrong: str) -> None:
    assert npi_problem(wrong) == (
        f"{wrong} is not an NPI: its check digit does not match the other nine, "
        "so a digit is probably mistyped."
    )


@pytest.mark.parametrize(
    "text",
    [
        "123456789",
        "12345678930",
        "",
        "12345-6789",
        "123456789O",
        "１２３４５６７８９３",
    ],
)
def test_an_npi_is_ten_ascii_digits(text: str) -> None:
    assert npi_problem(text) == "An NPI is 10 digits, without spaces or dashes."


def test_a_tax_id_is_nine_digits_never_starting_00() -> None:
    assert tax_id_problem("362718450") is None
    for wrong in ("36271845", "3627184500", "36-271845", "abcdefghi"):
        assert tax_id_problem(wrong) == "A tax id (EIN) is 9 digits, as 361234567."
    assert (
        tax_id_problem("002718450") == "002718450 is not an EIN: none starts with 00."
    )


def test_a_taxonomy_code_is_three_digits_six_characters_and_x() -> None:
    for good in ("261QM1300X", "207RH0003X", "282N00000X", "193200000X"):
        assert taxonomy_problem(good) is None
    for wrong in ("261qm1300x", "261QM1300", "261QM13000", "A61QM1300X"):
        assert taxonomy_problem(wrong) is not None
