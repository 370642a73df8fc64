"""The E/M service of the same visit (section I, R73-R75), and the hospital's
clinic visit code (section Q, R101)."""

from typing import Final

from chairside_engine.amounts import ONE
from chairside_engine.parsing import Encounter
from chairside_engine.result import EM, Finding, Line, info

CLINIC_VISIT: Final = "G0463"


def em_lines(
    encounter: Encounter, with_administration: bool, findings: list[Finding]
) -> list[Line]:
    em = encounter.em
    if em is None:
        return []

    def line(code: str, modifiers: tuple[str, ...], explanation: str) -> list[Line]:
        return [
            Line(
                code=code,
                units=ONE,
                modifiers=modifiers,
                kind=EM,
                date=encounter.date_of_service,
                administrations=(),
                explanation=explanation,
            )
        ]

    if not em.separately_identifiable:
        findings.append(
            info(
                "em.not_separately_identifiable",
                f"{em.code} is not reported: the pre-treatment assessment belongs to "
                "the administration; an E/M needs a significant, separately "
                "identifiable service (R74).",
            )
        )
        return []
    if (
        encounter.setting == "facility"
        and encounter.policy.facility_visit_code == CLINIC_VISIT
    ):
        # R101: the hospital reports a clinic visit of any level as G0463; the
        # documented level stays on the physician's claim.
        said = (
            f"{em.code} documented: the hospital reports a clinic visit of any level "
            f"as {CLINIC_VISIT}"
        )
        if with_administration:
            return line(
                CLINIC_VISIT,
                ("25",),
                f"{said} (R101), with 25 as a significant, separately identifiable "
                "visit on the day of drug administration (R74, R75).",
            )
        return line(
            CLINIC_VISIT,
            (),
            f"{said}, with no drug administration the same day (R101).",
        )
    if em.code == "99211" and with_administration:
        if not encounter.policy.allow_99211_with_admin:
            findings.append(
                info(
                    "em.99211_with_administration",
                    "99211 is not reported with drug administration for this payer "
                    "(R73).",
                )
            )
            return []
        return line(
            "99211",
            ("25",),
            "99211 with drug administration, which this payer allows, carries 25 "
            "(R73, R75).",
        )
    if with_administration:
        return line(
            em.code,
            ("25",),
            f"{em.code}: a significant, separately identifiable E/M on the day of "
            "drug administration carries 25 on the E/M (R74, R75).",
        )
    return line(
        em.code,
        (),
        f"{em.code}: E/M service with no drug administration reported the same day.",
    )
