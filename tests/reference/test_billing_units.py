"""A drug code's billing unit, read from its CMS long descriptor."""

import csv
from decimal import Decimal

import pytest
from django.conf import settings

from reference.billing_units import BillingUnit, parse_billing_unit

# Combination products: their first dose expression names one component, and
# hcpcs_drugs.csv took the unit from the ASP file's "HCPCS Code Dosage"
# instead. (J9298 "3 mg/1 mg" is a combination too, but its first amount is
# the ASP dosage, so it needs no exception.)
FROM_ASP = {
    # "fosnetupitant 235 mg and palonosetron 0.25 mg": billed per 0.25 mg
    "J1454",
    # "1 gram/0.125 grams (1.125 grams)": billed per 1.125 g
    "J2543",
}


def test_every_long_descriptor_in_the_shared_data_parses_as_the_csv_says() -> None:
    path = settings.SHARED_DATA_DIR / "hcpcs_drugs.csv"
    with path.open(newline="", encoding="utf-8") as file:
        rows = [row for row in csv.DictReader(file) if row["long_descriptor"].strip()]
    assert len(rows) > 200
    differ = {}
    for row in rows:
        parsed = parse_billing_unit(row["long_descriptor"])
        expected = BillingUnit(
            amount=Decimal(row["billing_unit_amount"])
            if row["billing_unit_amount"]
            else None,
            unit=row["billing_unit"],
            qualifier=row["unit_qualifier"],
        )
        if parsed != expected:
            differ[row["code"]] = parsed
    assert set(differ) == FROM_ASP
    assert differ["J1454"] == BillingUnit(amount=Decimal(235), unit="mg", qualifier="")


@pytest.mark.parametrize(
    ("descriptor", "amount", "unit", "qualifier"),
    [
        ("Injection, morphine sulfate, up to 10 mg", "10", "mg", "up to"),
        ("Injection, leucovorin calcium, per 50 mg", "50", "mg", "per"),
        ("Injection, heparin sodium, per 1,000 units", "1000", "units", "per"),
        ("Injection, oxaliplatin, 0.5 mg", "0.5", "mg", ""),
        ("Injection, darbepoetin alfa, 1 microgram (non-esrd use)", "1", "mcg", ""),
        ("Injection, romiplostim, 10 micrograms", "10", "mcg", ""),
        ("Injection, ifosfamide, 1 gram", "1", "g", ""),
        ("Injection, ampicillin sodium/sulbactam, 1.5 gm", "1.5", "g", ""),
        ("Infusion, normal saline solution, 250 cc", "250", "ml", ""),
        ("5% dextrose/water (500 ml = 1 unit)", "500", "ml", ""),
        ("Injection, potassium chloride, per 2 meq", "2", "mEq", "per"),
        ("Injection, onabotulinumtoxina, 1 unit", "1", "units", ""),
        ("Injection, ublituximab-xiiy, 1mg", "1", "mg", ""),
        (
            "Injection, bortezomib, not therapeutically equivalent to j9041, 0.1 mg",
            "0.1",
            "mg",
            "",
        ),
        ("Injection, acetaminophen, not otherwise specified,10 mg", "10", "mg", ""),
    ],
)
def test_dose_expressions(
    descriptor: str, amount: str, unit: str, qualifier: str
) -> None:
    assert parse_billing_unit(descriptor) == BillingUnit(
        amount=Decimal(amount), unit=unit, qualifier=qualifier
    )


@pytest.mark.parametrize(
    "descriptor",
    ["Unclassified drugs", "Not otherwise classified, antineoplastic drugs", ""],
)
def test_no_dose_expression_has_no_unit(descriptor: str) -> None:
    assert parse_billing_unit(descriptor) == BillingUnit(
        amount=None, unit="", qualifier=""
    )
