"""The CARC and RARC code lists, kept as data, with short descriptions for coders.

Source and wording
------------------
Every row of ``data/carc.csv`` and ``data/rarc.csv`` names its source in the
``source`` column. The ids mean:

``X12-CARC-2025-11``
    X12 external code list 139, Claim Adjustment Reason Codes, maintained by
    X12 and published by Washington Publishing Company / x12.org, in the state
    we aim to match: the list as published after X12's November 2025 update.
``X12-RARC-2025-11``
    X12 external code list 411, Remittance Advice Remark Codes (maintained by
    CMS, published by X12), same edition.

We did not copy the official lists. Code numbers, current/deactivated status
and start/stop dates were checked against public copies of them: a March 2016
snapshot of the WPC CARC page (start and stop dates of every code up to 277,
P1–P23, W1–W9, Y1–Y3) and a later public machine copy of the x12.org lists
(CARC through 308 and P32, RARC through N940, each marked current or
deactivated). Codes X12 added after that copy are not in these files and read
as unknown. Blank ``start`` means we could not confirm the date.

Every ``description`` is Chairside's own short wording of what the code means,
never the official text: the official text carries usage notes ("Usage: Refer
to the 835 Healthcare Policy Identification Segment…", "At least one Remark
Code must be provided…") that a coder does not need on screen. A description
says what happened; it is not legal advice about who may be billed.

The CARC file holds every current CARC and, with ``stop`` filled, the
deactivated ones whose stop date we could confirm. A row with a blank ``stop``
is current. Four deactivated CARCs (15, 138, 165 and 168) are left out
because their stop dates could not be confirmed; they read as unknown. The
RARC file holds only current remark codes: a selection of about three hundred
of the roughly twelve hundred, chosen for what reaches a drug/infusion
practice (bundling, units, NDC, documentation, identifiers, appeal alerts).

Lookups never raise: an unknown code comes back ``known=False`` with a
description that names it. Codes are matched after stripping and upper-casing.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

__all__ = [
    "GROUPS",
    "AdjustmentCode",
    "carc",
    "edition",
    "group_name",
    "rarc",
]

DATA_DIR = Path(__file__).resolve().parent / "data"

_Kind = Literal["CARC", "RARC"]
_FILES: dict[_Kind, str] = {"CARC": "carc.csv", "RARC": "rarc.csv"}
_COLUMNS = ["code", "description", "start", "stop", "source"]


@dataclass(frozen=True, kw_only=True)
class AdjustmentCode:
    """One CARC or RARC as Chairside shows it to a coder."""

    kind: str  # "CARC" or "RARC"
    code: str
    description: str  # our words, or the "Unknown …" sentence for an unknown code
    known: bool
    stopped: date | None  # the stop date of a deactivated code; None if current
    source: str


GROUPS: dict[str, str] = {
    "CO": "Contractual obligation (the provider's write-off)",
    "PR": "Patient responsibility",
    "OA": "Other adjustment",
    "PI": "Payer-initiated reduction",
    "CR": "Correction or reversal",
}


def _normalise(code: str) -> str:
    return code.strip().upper()


def _parse_date(text: str, *, where: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise ValueError(f"{where}: not an ISO date: {text!r}") from error


@cache
def _table(kind: _Kind) -> dict[str, AdjustmentCode]:
    """Read one CSV once per process; a malformed file fails loudly here."""
    path = DATA_DIR / _FILES[kind]
    table: dict[str, AdjustmentCode] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != _COLUMNS:
            raise ValueError(f"{path.name}: columns are {reader.fieldnames}")
        for line, row in enumerate(reader, start=2):
            where = f"{path.name}:{line}"
            code = _normalise(row["code"])
            description = row["description"].strip()
            source = row["source"].strip()
            if not code or not description or not source:
                raise ValueError(f"{where}: code, description and source are required")
            if code in table:
                raise ValueError(f"{where}: duplicate {kind} {code}")
            _parse_date(row["start"], where=where)
            table[code] = AdjustmentCode(
                kind=kind,
                code=code,
                description=description,
                known=True,
                stopped=_parse_date(row["stop"], where=where),
                source=source,
            )
    return table


@cache
def _edition_of(kind: _Kind) -> str:
    return ", ".join(sorted({entry.source for entry in _table(kind).values()}))


def _lookup(kind: _Kind, code: str) -> AdjustmentCode:
    wanted = _normalise(code)
    found = _table(kind).get(wanted)
    if found is not None:
        return found
    source = _edition_of(kind)
    shown = wanted or "(blank)"
    return AdjustmentCode(
        kind=kind,
        code=wanted,
        description=f"Unknown {kind} {shown}: not in Chairside's list ({source})",
        known=False,
        stopped=None,
        source=source,
    )


def carc(code: str) -> AdjustmentCode:
    """The Claim Adjustment Reason Code ``code`` (e.g. "97", "b15")."""
    return _lookup("CARC", code)


def rarc(code: str) -> AdjustmentCode:
    """The Remittance Advice Remark Code ``code`` (e.g. "M15", "n130")."""
    return _lookup("RARC", code)


def group_name(group: str) -> str:
    """The name of a claim adjustment group code (CO, PR, OA, PI, CR)."""
    wanted = _normalise(group)
    return GROUPS.get(wanted, f"Unknown group {wanted or '(blank)'}")


def edition() -> str:
    """The source id(s) of the loaded CARC and RARC lists, e.g. for a footer."""
    sources = {entry.source for kind in _FILES for entry in _table(kind).values()}
    return ", ".join(sorted(sources))
