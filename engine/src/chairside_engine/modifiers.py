"""The last step on every line: the off-campus department's PO or PN (R99),
what the office setting ignores (R100), and the four-modifier cap (contract)."""

from typing import Final

from chairside_engine.parsing import Encounter
from chairside_engine.result import DRUG, Finding, Line, info, warning

# R99: the modifier every line of an off-campus department carries, and why.
DEPARTMENT: Final = {
    "off_campus_excepted": (
        "PO",
        "furnished in an excepted off-campus department of the hospital",
    ),
    "off_campus_nonexcepted": (
        "PN",
        "furnished in a nonexcepted off-campus department, paid at the "
        "fee-schedule-equivalent rate",
    ),
}
# A claim line holds four modifiers; when more apply these are kept first
# (contract: PO/PN; 25, 59 and X{EPSU}; JW/JZ; 53; JG/TB).
MOST: Final = 4
PRIORITY: Final = {
    "PO": 0,
    "PN": 0,
    "25": 1,
    "59": 1,
    "XE": 1,
    "XP": 1,
    "XS": 1,
    "XU": 1,
    "JW": 2,
    "JZ": 2,
    "53": 3,
    "JG": 4,
    "TB": 4,
}


def facility_modifiers(
    lines: list[Line], encounter: Encounter, findings: list[Finding]
) -> list[Line]:
    if encounter.setting == "office":
        _ignored_in_office(encounter, findings)
        return capped(lines, findings)
    marked = DEPARTMENT.get(encounter.department)
    if marked is not None and lines:
        modifier, words = marked
        findings.append(
            info(
                "department.off_campus",
                f"Every line carries {modifier}: the services were {words} (R99).",
            )
        )
        lines = [
            line.revised(
                modifiers=(modifier, *line.modifiers),
                explanation=(
                    f"{line.explanation.removesuffix('.')}; {modifier}: {words} (R99)."
                ),
            )
            for line in lines
        ]
        if modifier == "PN" and any("JG" in line.modifiers for line in lines):
            findings.append(
                warning(
                    "340b.modifier_department",
                    "340B drugs of a nonexcepted off-campus department are reported "
                    "with TB, not JG: check the location's 340B modifier (R100).",
                    tuple(
                        a
                        for line in lines
                        if "JG" in line.modifiers
                        for a in line.administrations
                    ),
                )
            )
    return capped(lines, findings)


def _ignored_in_office(encounter: Encounter, findings: list[Finding]) -> None:
    if encounter.modifier_340b is not None:
        findings.append(
            info(
                "340b.office",
                f"modifier_340b {encounter.modifier_340b} is ignored: JG and TB go on "
                "a hospital's claim, not an office claim (R100).",
            )
        )
    acquired = tuple(
        a.id
        for a in encounter.administrations
        if a.drug is not None and a.drug.acquired_340b
    )
    if acquired:
        findings.append(
            info(
                "340b.office",
                "340B stock is ignored in the office setting: JG and TB go on a "
                "hospital's claim (R100).",
                acquired,
            )
        )


def capped(lines: list[Line], findings: list[Finding]) -> list[Line]:
    if all(len(line.modifiers) <= MOST for line in lines):
        return lines
    out = []
    for line in lines:
        if len(line.modifiers) <= MOST:
            out.append(line)
            continue
        ranked = sorted(line.modifiers, key=lambda m: PRIORITY.get(m, len(PRIORITY)))
        kept, left = tuple(ranked[:MOST]), ranked[MOST:]
        what = "drug line" if line.kind == DRUG else "line"
        findings.append(
            warning(
                "line.modifier_cap",
                f"The {line.code} {what} can carry four modifiers: {' '.join(kept)} "
                f"kept by the contract's priority (PO/PN; 25, 59 and X; JW/JZ; 53; "
                f"JG/TB), {' '.join(left)} left out.",
                line.administrations,
            )
        )
        out.append(line.revised(modifiers=kept))
    return out
