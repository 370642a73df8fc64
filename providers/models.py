"""Who a claim names as its providers: the billing providers an organisation
bills as (a hospital, its practice), each location billing as one of them,
and the practitioners who order and attend the encounters."""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from simple_history.models import HistoricalRecords

from providers.npi import npi_problem, tax_id_problem, taxonomy_problem

# What people type between the digits of a phone number, ZIP or tax id.
PUNCTUATION = re.compile(r"[\s().-]")


def _refuse(problem: str | None) -> None:
    if problem is not None:
        raise ValidationError(problem)


def validate_npi(value: str) -> None:
    _refuse(npi_problem(value))


def validate_tax_id(value: str) -> None:
    _refuse(tax_id_problem(value))


def validate_taxonomy(value: str) -> None:
    _refuse(taxonomy_problem(value))


validate_state = RegexValidator(
    r"\A[A-Z]{2}\Z", "A state is its two capital letters, as IL."
)
validate_postal_code = RegexValidator(
    r"\A([0-9]{5}|[0-9]{9})\Z", "A ZIP code is 9 digits (ZIP+4), or 5."
)
validate_phone = RegexValidator(
    r"\A[0-9]{10}\Z", "A phone number is 10 digits, area code first."
)


class DigitsField(models.CharField[str, str]):
    """Digits typed as on letters and cards (36-1234567, (312) 555-0100),
    kept as the digits the claim carries."""

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return PUNCTUATION.sub("", value) if isinstance(value, str) else value

    def formfield(self, **kwargs: Any) -> Any:
        # Room for the punctuation in the form; the column holds the digits.
        return super().formfield(**{"max_length": 20, **kwargs})


class BillingProvider(models.Model):
    """What the 837 names in loop 2010AA: who is paid, under which NPI and
    tax id, at which address (a street address: payers refuse a post office
    box there)."""

    name = models.CharField(max_length=60, unique=True)
    npi = models.CharField("NPI", max_length=10, unique=True, validators=[validate_npi])
    tax_id = DigitsField(
        "tax id (EIN)",
        max_length=9,
        validators=[validate_tax_id],
        help_text="The employer identification number the payer pays, 9 digits.",
    )
    taxonomy = models.CharField(
        max_length=10,
        validators=[validate_taxonomy],
        help_text="NUCC taxonomy code: 282N00000X for a general acute care "
        "hospital, 261QM1300X for a multi-specialty clinic.",
    )
    address_line1 = models.CharField("street address", max_length=55)
    city = models.CharField(max_length=30)
    state = models.CharField(max_length=2, validators=[validate_state])
    postal_code = DigitsField(
        "ZIP code",
        max_length=9,
        validators=[validate_postal_code],
        help_text="ZIP+4, 9 digits, as the 837 asks of a billing provider; "
        "5 digits are accepted.",
    )
    phone = DigitsField(max_length=10, validators=[validate_phone])

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} (NPI {self.npi})"


class Practitioner(models.Model):
    """A clinician who orders or attends encounters: the attending provider
    of the 837I (loop 2310A), the rendering one of the 837P (2310B)."""

    last_name = models.CharField(max_length=60)
    first_name = models.CharField(max_length=35)
    npi = models.CharField("NPI", max_length=10, unique=True, validators=[validate_npi])
    taxonomy = models.CharField(
        max_length=10,
        validators=[validate_taxonomy],
        help_text="NUCC taxonomy code: 207RH0003X for hematology and "
        "oncology, 207RR0500X for rheumatology.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return f"{self.name} (NPI {self.npi})"

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"
