"""Claim edits: NCCI procedure-to-procedure pairs (R90), add-on codes need a
primary (R60), medically unlikely edits (R88-R89). Each finding names the
edition of the table it came from."""

from datetime import date
from decimal import Decimal
from typing import Final

from chairside_engine.amounts import ZERO
from chairside_engine.parsing import Encounter
from chairside_engine.result import ADMINISTRATION, Finding, Line, info, warning
from chairside_engine.tables import MUE_TABLE, PTP_TABLE, Reference

NCCI_MODIFIERS: Final = frozenset({"59", "XE", "XS", "XP", "XU"})
# Stand-alone injections paired with IV services: a different route is a
# distinct service, which is what the NCCI modifier asserts (R18, R40, R90).
INJECTIONS: Final = frozenset({"96372", "96373", "96377", "96401", "96402"})


def ncci_pairs(
    lines: list[Line],
    encounter: Encounter,
    reference: Reference,
    findings: list[Finding],
) -> list[Line]:
    setting = encounter.setting
    pairs_of = reference.ptp[setting]
    by_date: dict[date, list[str]] = {}
    for line in lines:
        codes = by_date.setdefault(line.date, [])
        if line.code not in codes:
            codes.append(line.code)
    dropped: set[tuple[date, str]] = set()
    modify: dict[tuple[date, str], str] = {}
    for day, codes in by_date.items():
        for first in codes:
            pairs = pairs_of.get(first)
            if pairs is None or (day, first) in dropped:
                continue
            for second in codes:
                edit = pairs.get(second)
                if edit is None or (day, second) in dropped:
                    continue
                pair_lines = [
                    ln for ln in lines if ln.date == day and ln.code == second
                ]
                ids = tuple(a for ln in pair_lines for a in ln.administrations)
                if edit.modifier_indicator == 0:
                    dropped.add((day, second))
                    findings.append(
                        warning(
                            "edit.ncci_bundled",
                            f"{second} is not reported with {first} on the same date: "
                            "NCCI pair, modifier indicator 0 "
                            f"({_edition(reference, PTP_TABLE[setting])}; "
                            f"{edit.rationale}).",
                            ids,
                        )
                    )
                elif not any(NCCI_MODIFIERS & set(ln.modifiers) for ln in pair_lines):
                    if second in INJECTIONS:
                        modify[(day, second)] = encounter.policy.distinct_modifier
                        findings.append(
                            info(
                                "edit.ncci_modifier",
                                f"{second} with {first}: an injection by another "
                                "route is "
                                f"a distinct service, so it carries "
                                f"{encounter.policy.distinct_modifier} (NCCI pair, "
                                "modifier indicator 1, "
                                f"{_edition(reference, PTP_TABLE[setting])}).",
                                ids,
                            )
                        )
                    else:
                        findings.append(
                            warning(
                                "edit.ncci_modifier_needed",
                                f"{second} with {first} is paid only with a modifier "
                                "for a "
                                f"distinct service (NCCI pair, modifier indicator 1, "
                                f"{_edition(reference, PTP_TABLE[setting])}); add it "
                                "only if the record supports it.",
                                ids,
                            )
                        )
    if not dropped and not modify:
        return lines
    out = []
    for line in lines:
        key = (line.date, line.code)
        if key in dropped:
            continue
        if key in modify and modify[key] not in line.modifiers:
            line = line.revised(modifier=modify[key])
        out.append(line)
    return out


def addon_primaries(
    lines: list[Line],
    encounter: Encounter,
    reference: Reference,
    findings: list[Finding],
) -> list[Line]:
    """R60: an add-on code is paid only with one of its primaries on the claim.

    Dropping an add-on can take away the only primary of another (96415 was the
    primary of a 96368), so the check runs until nothing more is dropped.
    """
    if encounter.continuation:
        return lines  # the primaries were reported on the earlier date (R68)
    while True:
        present = {line.code for line in lines if line.kind == ADMINISTRATION}
        kept = []
        for line in lines:
            primaries = reference.addon_primaries.get(line.code)
            if primaries is None or present & primaries:
                kept.append(line)
                continue
            findings.append(
                warning(
                    "edit.addon_without_primary",
                    f"Add-on {line.code} needs one of {', '.join(sorted(primaries))} "
                    "on the claim and none is there: not reported "
                    f"(R60; {_edition(reference, 'ncci_aoc')}).",
                    line.administrations,
                )
            )
        if len(kept) == len(lines):
            return kept
        lines = kept


def medically_unlikely(
    lines: list[Line],
    encounter: Encounter,
    reference: Reference,
    findings: list[Finding],
) -> list[Line]:
    """R88-R89: units per code per date against the setting's MUE."""
    limits = reference.mue[encounter.setting]
    totals: dict[tuple[str, date], Decimal] = {}
    for line in lines:
        key = (line.code, line.date)
        total = totals.get(key)
        totals[key] = line.units if total is None else total + line.units
    capped: dict[tuple[str, date], Decimal] = {}
    for (code, day), units in totals.items():
        limit = limits.get(code)
        if limit is None or units <= limit[0]:
            continue
        value, indicator = limit
        kind = {
            1: "claim line",
            2: "absolute date-of-service",
            3: "clinical date-of-service",
        }
        ids = tuple(
            a
            for ln in lines
            if (ln.code, ln.date) == (code, day)
            for a in ln.administrations
        )
        cap = encounter.policy.mue == "cap"
        edition = _edition(reference, MUE_TABLE[encounter.setting])
        findings.append(
            warning(
                "edit.mue",
                f"{code}: {_n(units)} units on {day.isoformat()} exceed the medically "
                f"unlikely edit of {value} ({kind.get(indicator, 'date-of-service')} "
                "limit; "
                f"{edition}){'; capped' if cap else ''} "
                "(R88, R89).",
                ids,
            )
        )
        if cap:
            capped[(code, day)] = value
    if not capped:
        return lines
    out = []
    for line in lines:
        key = (line.code, line.date)
        if key not in capped:
            out.append(line)
            continue
        room = capped[key]
        if room <= ZERO:
            continue
        keep = min(room, line.units)
        capped[key] = room - keep
        out.append(line if keep == line.units else line.revised(units=keep))
    return out


def _edition(reference: Reference, table: str) -> str:
    # Written only into a finding: most claims raise none.
    return reference.editions[table].label()


def _n(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral_value() else str(value)
