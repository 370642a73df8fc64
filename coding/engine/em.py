"""The E/M service of the same visit (section I, R73-R75), and the hospital's
clinic visit code (section Q, R101)."""

from typing import Final

from coding.engine.amounts import ONE
from coding.engine.document import Encounter
from coding.engine.result import EM, Finding, Line, info

CLINIC_VISIT: Final = "G0463"


def em_lines(
    encounter: Encounter, with_administration: bool, findings: list[Finding]
) -> list[Line]:
    em = encounter.em
    if em is None:
        return []
    day = encounter.date_of_service
    if not em.separately_identifiable:
        findings.append(
            info(
                "em.not_separately_identifiable",
                f"{em.code} is not reported: the pre-treatment assessment belongs to "
                "the "
                "administration; an E/M needs a significant, separately identifiable "
                "service (R74).",
            )
        )
        return []
    if (
        encounter.setting == "facility"
        and encounter.policy.facility_visit_code == CLINIC_VISIT
    ):
        # R101: the hospital reports a clinic visit of any level as G0463; the
        # documented level stays on the physician's claim.
        if with_administration:
            return [
                Line(
                    CLINIC_VISIT,
                    ONE,
                    ("25",),
                    EM,
                    day,
                    (),
                    f"{em.code} documented: the hospital reports a clinic visit of any "
                    f"level as {CLINIC_VISIT} (R101), with 25 as a significant, "
                    "separately identifiable visit on the day of drug administration "
                    "(R74, R75).",
                )
            ]
        return [
            Line(
                CLINIC_VISIT,
                ONE,
                (),
                EM,
                day,
                (),
                f"{em.code} documented: the hospital reports a clinic visit of any "
                f"level as {CLINIC_VISIT}, with no drug administration the same day "
                "(R101).",
            )
        ]
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
        return [
            Line(
                "99211",
                ONE,
                ("25",),
                EM,
                day,
                (),
                "99211 with drug administration, which this payer allows, carries 25 "
                "(R73, R75).",
            )
        ]
    if with_administration:
        return [
            Line(
                em.code,
                ONE,
                ("25",),
                EM,
                day,
                (),
                f"{em.code}: a significant, separately identifiable E/M on the day of "
                "drug administration carries 25 on the E/M (R74, R75).",
            )
        ]
    return [
        Line(
            em.code,
            ONE,
            (),
            EM,
            day,
            (),
            f"{em.code}: E/M service with no drug administration reported the same "
            "day.",
        )
    ]
