"""What the engine gives back: claim lines and findings, and their JSON form."""

from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

ADMINISTRATION = "administration"
DRUG = "drug"
EM = "em"


# A NamedTuple rather than a frozen dataclass: as immutable, and four times
# cheaper to build; the engine builds dozens of these on every tap.
class Line(NamedTuple):
    code: str
    units: Decimal
    modifiers: tuple[str, ...]
    kind: str
    date: date
    administrations: tuple[str, ...]
    explanation: str
    ndc: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "units": number(self.units),
            "modifiers": list(self.modifiers),
            "kind": self.kind,
            "date": self.date.isoformat(),
            "administrations": list(self.administrations),
            "explanation": self.explanation,
        }
        if self.ndc is not None:
            out["ndc"] = self.ndc
        return out


class Finding(NamedTuple):
    severity: str  # error | warning | info
    code: str  # stable and dotted, e.g. "time.missing_stop"
    message: str
    administrations: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "code": self.code,
            "administrations": list(self.administrations),
            "message": self.message,
        }


@lru_cache(maxsize=4096)
def number(value: Decimal) -> int | float:
    """Whole units as integers; decimal units (R79) as numbers with two places.

    Equal decimals give the same number: the few unit counts of claims are
    converted once per process."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def error(code: str, message: str, administrations: tuple[str, ...] = ()) -> Finding:
    return Finding("error", code, message, administrations)


def warning(code: str, message: str, administrations: tuple[str, ...] = ()) -> Finding:
    return Finding("warning", code, message, administrations)


def info(code: str, message: str, administrations: tuple[str, ...] = ()) -> Finding:
    return Finding("info", code, message, administrations)
