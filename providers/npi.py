"""The identifiers a claim names its providers by, checked as the payers
check them: the NPI with its check digit, the tax id (EIN) and the taxonomy
code. Plain functions: each answers None for a good value, else one sentence
for the person who typed it."""

import re

# The NPI's check digit is the Luhn digit of its first nine digits behind the
# card issuer prefix 80840 (CMS, "Requirements for NPI check digit").
NPI_PREFIX = "80840"
TAXONOMY = re.compile(r"[0-9]{3}[0-9A-Z]{6}X")


def luhn_check_digit(digits: str) -> int:
    """The digit that makes `digits` followed by it pass the Luhn check."""
    total = 0
    # From the right, every other digit is doubled, starting with the last of
    # the payload (the one beside the check digit to come).
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def npi_check_digit(first_nine: str) -> str:
    return str(luhn_check_digit(NPI_PREFIX + first_nine))


def npi_problem(text: str) -> str | None:
    if not (len(text) == 10 and text.isascii() and text.isdigit()):
        return "An NPI is 10 digits, without spaces or dashes."
    if text[9] != npi_check_digit(text[:9]):
        return (
            f"{text} is not an NPI: its check digit does not match the other "
            "nine, so a digit is probably mistyped."
        )
    return None


def tax_id_problem(text: str) -> str | None:
    """A federal tax id (EIN) as the 837 carries it: nine digits, no dash."""
    if not (len(text) == 9 and text.isascii() and text.isdigit()):
        return "A tax id (EIN) is 9 digits, as 361234567."
    # The IRS never assigns the prefix 00 (its campus codes start at 01).
    if text.startswith("00"):
        return f"{text} is not an EIN: none starts with 00."
    return None


def taxonomy_problem(text: str) -> str | None:
    """A NUCC health care provider taxonomy code: ten letters and digits,
    three digits first and X last (261QM1300X, 207RH0003X)."""
    if not TAXONOMY.fullmatch(text):
        return (
            "A taxonomy code has 10 characters: 3 digits, 6 capital letters "
            "or digits, and X, as 261QM1300X."
        )
    return None
