"""The billing unit of a HCPCS drug code, read from its CMS long descriptor.

CMS states a drug code's unit in words ("Injection, morphine sulfate, up to
10 mg"); one unit on a claim is that amount of the drug, so the number of
units billed is the dose given divided by it.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

# The first amount followed by a unit. An amount glued to a letter is part of
# a name ("not therapeutically equivalent to j1453, 1 mg"), not a dose.
DOSE = re.compile(
    r"(?:\b(?P<qualifier>per|up\s+to)\s+)?"
    r"(?<![a-z0-9_])(?P<amount>\d{1,3}(?:,\d{3})+|\d*\.?\d+)\s*"
    r"(?P<unit>micrograms?|mcg|mg|grams?|gm|g|ml|cc|units?|meq)\b",
    re.IGNORECASE,
)
UNITS = {
    "microgram": "mcg",
    "micrograms": "mcg",
    "mcg": "mcg",
    "mg": "mg",
    "gram": "g",
    "grams": "g",
    "gm": "g",
    "g": "g",
    "ml": "ml",
    "cc": "ml",
    "unit": "units",
    "units": "units",
    "meq": "mEq",
}


@dataclass(frozen=True, kw_only=True)
class BillingUnit:
    # None, with unit "", for codes whose descriptor names no amount
    # ("Unclassified drugs"): each claim line states its own.
    amount: Decimal | None
    unit: str
    # "per" or "up to" when the descriptor says so, else "".
    qualifier: str


def parse_billing_unit(long_descriptor: str) -> BillingUnit:
    """The first dose expression in `long_descriptor`, units normalised."""
    match = DOSE.search(long_descriptor)
    if match is None:
        return BillingUnit(amount=None, unit="", qualifier="")
    return BillingUnit(
        amount=Decimal(match["amount"].replace(",", "")),
        unit=UNITS[match["unit"].lower()],
        qualifier=" ".join((match["qualifier"] or "").lower().split()),
    )
