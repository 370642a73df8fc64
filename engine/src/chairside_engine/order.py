"""The order of operations (section N) from a parsed encounter to claim lines."""

from typing import Final

from chairside_engine.classification import HYDRATION, INFUSION, PUSH, Service, classify
from chairside_engine.drugs import drug_lines
from chairside_engine.edits import addon_primaries, medically_unlikely, ncci_pairs
from chairside_engine.em import em_lines
from chairside_engine.hierarchy import SHARED, access_groups
from chairside_engine.injections import code_standalone
from chairside_engine.intervals import Interval, union
from chairside_engine.modifiers import facility_modifiers
from chairside_engine.parsing import Encounter
from chairside_engine.result import ADMINISTRATION, Finding, Line, info
from chairside_engine.sequencing import INITIAL, Given, code_group
from chairside_engine.tables import Reference

IV_KINDS: Final = frozenset({INFUSION, PUSH, HYDRATION})
INITIAL_CODES: Final = frozenset(code for code, _ in INITIAL.values())


def code_encounter(
    encounter: Encounter, reference: Reference
) -> tuple[list[Line], list[Finding]]:
    services, findings = classify(encounter)
    iv = [s for s in services if s.kind in IV_KINDS]
    standalone = [s for s in services if s.kind not in IV_KINDS]

    lines: list[Line] = []
    given = Given()
    visits_with_initial: list[str] = []
    for group in access_groups(iv, encounter):
        modifiers: tuple[str, ...] | None
        if encounter.continuation:
            modifiers = None  # the initial service was reported on an earlier date
        else:
            modifiers = ()
            if any(v != group.visit for v in visits_with_initial):
                modifiers += (encounter.policy.separate_visit_modifier,)  # R47
            distinct = encounter.policy.distinct_modifier
            if group.visit in visits_with_initial and distinct not in modifiers:
                modifiers += (distinct,)  # R46; 59 for both says it once
        group_lines = code_group(
            group, modifiers, _others(services, group.visit), encounter, given, findings
        )
        made_initial = any(line.code in INITIAL_CODES for line in group_lines)
        if made_initial and modifiers:
            _explain_second_initial(
                group.access, group.visit, group_lines, encounter, findings
            )
        if made_initial:
            visits_with_initial.append(group.visit)
        lines += group_lines
    if encounter.continuation and iv:
        findings.append(
            info(
                "initial.continuation",
                "This encounter continues one whose initial service was reported on an "
                "earlier date: every service here is reported as a subsequent one "
                "(R68, R69).",
            )
        )
    lines += code_standalone(standalone, encounter, findings)

    # Step 9: edits, then drug lines and the E/M.
    lines = ncci_pairs(lines, encounter, reference, findings)
    lines = addon_primaries(lines, encounter, reference, findings)
    lines += drug_lines(encounter, reference, findings)
    lines = medically_unlikely(lines, encounter, reference, findings)
    with_administration = any(line.kind == ADMINISTRATION for line in lines)
    lines += em_lines(encounter, with_administration, findings)
    return facility_modifiers(lines, encounter, findings), findings


def _others(services: list[Service], visit: str) -> list[Interval]:
    """Drip time of every non-hydration administration of the visit (R57)."""
    return union(
        [
            i
            for s in services
            if s.visit == visit and s.kind != HYDRATION
            for i in s.intervals
        ]
    )


def _explain_second_initial(
    access: str,
    visit: str,
    lines: list[Line],
    encounter: Encounter,
    findings: list[Finding],
) -> None:
    initial = next(line for line in lines if line.code in INITIAL_CODES)
    if access != SHARED:
        site = encounter.sites[access]
        findings.append(
            info(
                "initial.separate_access",
                f"Site {site.label} was needed separately "
                f"({site.separate_access_reason}): "
                f"its own initial service {initial.code} with "
                f"{' '.join(initial.modifiers)} (R46).",
                initial.administrations,
            )
        )
    else:
        findings.append(
            info(
                "initial.separate_visit",
                f"Visit {visit} is a separate visit the same day: its own initial "
                "service "
                f"{initial.code} with {' '.join(initial.modifiers)} (R47).",
                initial.administrations,
            )
        )
