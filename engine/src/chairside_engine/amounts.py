"""Doses, billing units and the conversions between them (R78)."""

from decimal import Decimal
from functools import lru_cache
from typing import Final, final

ZERO: Final = Decimal(0)
ONE: Final = Decimal(1)

# Each unit the contract accepts, as (dimension, factor to the dimension's base).
UNITS: Final[dict[str, tuple[str, Decimal]]] = {
    "g": ("mass", Decimal(1_000_000)),
    "mg": ("mass", Decimal(1_000)),
    "mcg": ("mass", Decimal(1)),
    "units": ("units", Decimal(1)),
    "ml": ("volume", Decimal(1)),
    "meq": ("meq", Decimal(1)),
}
# How a unit is written back in explanations.
DISPLAY: Final = {
    "g": "g",
    "mg": "mg",
    "mcg": "mcg",
    "units": "units",
    "ml": "mL",
    "meq": "mEq",
}
ALIASES: Final = {"unit": "units", "u": "units", "ug": "mcg", "µg": "mcg", "cc": "ml"}


def unit_key(text: str) -> str | None:
    """The canonical key of a unit as written, or None when it is not one we know."""
    key = text.strip().lower()
    key = ALIASES.get(key, key)
    return key if key in UNITS else None


# A final class with Final attributes, as result.Line explains.
@final
class Amount:
    def __init__(
        self,
        value: Decimal,
        unit: str,  # a key of UNITS
    ) -> None:
        self.value: Final = value
        self.unit: Final = unit

    def in_unit(self, unit: str) -> Decimal | None:
        """This amount expressed in `unit`, or None when the dimensions differ."""
        mine, factor = UNITS[self.unit]
        theirs, their_factor = UNITS[unit]
        if mine != theirs:
            return None
        if factor == their_factor:
            return self.value
        return self.value * factor / their_factor

    def __str__(self) -> str:
        return written(self.value, self.unit)


def convertible(a: str, b: str) -> bool:
    return UNITS[a][0] == UNITS[b][0]


@lru_cache(maxsize=4096)
def written(value: Decimal, unit: str) -> str:
    """'170 mg', '0.5 mg': the same few amounts, written once per process."""
    return f"{plain(value)} {DISPLAY[unit]}"


@lru_cache(maxsize=4096)
def plain(value: Decimal) -> str:
    """A decimal written the way a nurse writes it: 170, 0.5, 12.25.

    Equal decimals are written alike, so the few doses and unit counts an
    explanation shows are formatted once per process."""
    if not value:
        return "0"  # and never "-0"
    return format(value.normalize(), "f")
