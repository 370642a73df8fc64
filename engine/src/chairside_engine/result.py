"""What the engine gives back: claim lines and findings, and their JSON form."""

from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final, final

ADMINISTRATION: Final = "administration"
DRUG: Final = "drug"
EM: Final = "em"


# The engine's values are final classes with Final attributes rather than frozen
# dataclasses: as immutable (mypy refuses any write, and compiled by mypyc the
# attributes are read-only), and mypyc builds and reads them as C structs, about
# fifteen times faster than a frozen dataclass; the engine builds dozens on every
# tap. See coding/compile.py.
@final
class Line:
    def __init__(
        self,
        *,
        code: str,
        units: Decimal,
        modifiers: tuple[str, ...],
        kind: str,
        date: date,
        administrations: tuple[str, ...],
        explanation: str,
        ndc: str | None = None,
    ) -> None:
        self.code: Final = code
        self.units: Final = units
        self.modifiers: Final = modifiers
        self.kind: Final = kind
        self.date: Final = date
        self.administrations: Final = administrations
        self.explanation: Final = explanation
        self.ndc: Final = ndc

    def revised(
        self,
        *,
        units: Decimal | None = None,
        modifier: str | None = None,
        modifiers: tuple[str, ...] | None = None,
        explanation: str | None = None,
    ) -> "Line":
        """This line with other units, one more modifier or other modifiers, or
        another explanation (the edits and the facility's modifiers)."""
        if modifiers is None:
            modifiers = self.modifiers
        return Line(
            code=self.code,
            units=self.units if units is None else units,
            modifiers=modifiers if modifier is None else (*modifiers, modifier),
            kind=self.kind,
            date=self.date,
            administrations=self.administrations,
            explanation=self.explanation if explanation is None else explanation,
            ndc=self.ndc,
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "units": number(self.units),
            "modifiers": list(self.modifiers),
            "kind": self.kind,
            "date": iso_date(self.date),
            "administrations": list(self.administrations),
            "explanation": self.explanation,
        }
        if self.ndc is not None:
            out["ndc"] = self.ndc
        return out


@final
class Finding:
    def __init__(
        self,
        *,
        severity: str,  # error | warning | info
        code: str,  # stable and dotted, e.g. "time.missing_stop"
        message: str,
        administrations: tuple[str, ...] = (),
    ) -> None:
        self.severity: Final = severity
        self.code: Final = code
        self.message: Final = message
        self.administrations: Final = administrations

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


@lru_cache(maxsize=1024)
def iso_date(day: date) -> str:
    """A line's date as the contract writes it; a claim's lines share a date or
    two, written once per process."""
    return day.isoformat()


def error(code: str, message: str, administrations: tuple[str, ...] = ()) -> Finding:
    return Finding(
        severity="error", code=code, message=message, administrations=administrations
    )


def warning(code: str, message: str, administrations: tuple[str, ...] = ()) -> Finding:
    return Finding(
        severity="warning", code=code, message=message, administrations=administrations
    )


def info(code: str, message: str, administrations: tuple[str, ...] = ()) -> Finding:
    return Finding(
        severity="info", code=code, message=message, administrations=administrations
    )
