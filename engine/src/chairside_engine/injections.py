"""Administrations outside the IV initial-service slot (R18-R26, R40): injections,
subcutaneous and intra-arterial services, pumps, intralesional and cavity
chemotherapy, port flushes."""

from typing import Final

from chairside_engine.classification import CHEMO, Service
from chairside_engine.parsing import Encounter
from chairside_engine.result import Finding, Line, info, warning
from chairside_engine.units import timed_service
from chairside_engine.wording import plural, when

CAVITY: Final = {  # R23
    "intrathecal": ("96450", "chemotherapy into the central nervous system"),
    "ventricular_reservoir": ("96542", "chemotherapy through a subcutaneous reservoir"),
    "intrapleural": ("96440", "chemotherapy into the pleural cavity"),
    "intraperitoneal": ("96446", "chemotherapy into the peritoneal cavity"),
}


def code_standalone(
    services: list[Service], encounter: Encounter, findings: list[Finding]
) -> list[Line]:
    lines: list[Line] = []
    sc_infusions = 0
    lesion_services = [s for s in services if s.kind == "intralesional"]

    def one(code: str, service: Service, sentence: str) -> list[Line]:
        return timed_service(
            code, None, service, sentence, encounter.clock, encounter.policy
        )

    for service in services:
        kind = service.kind
        at = when(service, encounter.clock)
        if kind in ("sc_injection", "im_injection"):
            route = "subcutaneous" if kind == "sc_injection" else "intramuscular"
            if service.category == "hormonal_antineoplastic":
                code, why = "96402", "a hormonal anti-cancer drug (R5, R18)"
            elif service.family == CHEMO:
                why = "a chemotherapy or complex biologic drug (R2, R6-R8, R18)"
                code = "96401"
            else:
                code, why = "96372", "a therapeutic drug (R18)"
            sentence = f"{route.capitalize()} injection of {service.names} {at}: {why}."
            lines += one(code, service, sentence)
        elif kind == "on_body_injector":
            lines += one(
                "96377",
                service,
                f"On-body injector filled and applied for {service.names} {at} (R21).",
            )
        elif kind == "sc_infusion":
            lines += _sc_infusion(service, sc_infusions, encounter, findings)
            sc_infusions += 1
        elif kind == "intra_arterial_push":
            code = "96420" if service.family == CHEMO else "96373"
            lines += one(
                code,
                service,
                f"Intra-arterial push of {service.names} {at} (R18, R20).",
            )
        elif kind == "intra_arterial_infusion":
            lines += _intra_arterial(service, encounter, findings)
        elif kind == "prolonged_pump":
            lines += _prolonged_pump(service, encounter, findings)
        elif kind == "intralesional":
            if service is lesion_services[0]:
                count = sum(s.lesions for s in lesion_services)
                code = "96405" if count <= 7 else "96406"  # R22
                joined = service.with_admins(
                    tuple(a for s in lesion_services for a in s.admins)
                )
                lines += one(
                    code,
                    joined,
                    f"Intralesional chemotherapy into {plural(count, 'lesion')}: "
                    f"{'up to 7' if count <= 7 else 'more than 7'} lesions is one "
                    f"{code} (R22).",
                )
        elif kind in CAVITY:
            code, words = CAVITY[kind]
            if service.family != CHEMO:
                findings.append(
                    warning(
                        "scope.not_chemotherapy",
                        f"{service.names} by the {kind.replace('_', ' ')} route is not "
                        "chemotherapy; its administration code is outside the "
                        "drug-administration range and must be coded by hand.",
                        service.admins,
                    )
                )
                continue
            lines += one(
                code, service, f"{words.capitalize()}: {service.names} {at} (R23)."
            )
        elif kind == "port_flush":
            lines += one(
                "96523",
                service,
                f"Flush of an implanted access device {at}, reportable only "
                "when it is the only service of the day (R24).",
            )
        elif kind == "pump_refill":
            code = "96522" if service.pump == "implantable" else "96521"
            lines += one(
                code,
                service,
                f"Refill and maintenance of a {service.pump} pump {at} (R25).",
            )
    return lines


def _sc_infusion(
    service: Service, earlier: int, encounter: Encounter, findings: list[Finding]
) -> list[Line]:
    """R19: 96369 once per encounter, 96370 per further hour, 96371 for a new set-up."""
    at = when(service, encounter.clock)
    if earlier > 1:
        findings.append(
            info(
                "sc_infusion.once",
                f"{service.names}: a further pump set-up is reported once per "
                "encounter (R19).",
                service.admins,
            )
        )
        return []
    if earlier == 1:
        code, addon = "96371", None
        sentence = (
            f"Additional subcutaneous infusion set-up for {service.names} {at} (R19)."
        )
    elif service.intervals and service.minutes <= 15:
        findings.append(
            info(
                "sc_infusion.short",
                f"{service.names} ran {service.minutes} minutes: a subcutaneous "
                "infusion needs 16 minutes, so it is reported as an injection (R29).",
                service.admins,
            )
        )
        code, addon = "96372", None
        sentence = (
            f"Subcutaneous infusion of {service.names} {at} under 16 minutes: "
            "reported as a subcutaneous injection (R18, R29)."
        )
    else:
        code, addon = "96369", "96370"
        sentence = (
            f"Subcutaneous infusion of {service.names} {at}, including pump "
            "set-up; the first hour covers up to 90 minutes (R19)."
        )
    return timed_service(
        code, addon, service, sentence, encounter.clock, encounter.policy
    )


def _intra_arterial(
    service: Service, encounter: Encounter, findings: list[Finding]
) -> list[Line]:
    at = when(service, encounter.clock)
    if service.family != CHEMO:
        return _unlisted(
            service,
            f"an intra-arterial infusion of a non-chemotherapy drug, {at}",
            encounter,
            findings,
        )
    if service.intervals and service.minutes <= 15:
        code, addon = "96420", None
        sentence = (
            f"Intra-arterial chemotherapy {at}, 15 minutes or less: a push (R14, R20)."
        )
    else:
        code, addon = "96422", "96423"
        sentence = (
            f"Intra-arterial chemotherapy infusion of {service.names} {at}; the first "
            "hour covers up to 90 minutes (R20)."
        )
    return timed_service(
        code, addon, service, sentence, encounter.clock, encounter.policy
    )


def _prolonged_pump(
    service: Service, encounter: Encounter, findings: list[Finding]
) -> list[Line]:
    at = when(service, encounter.clock)
    if service.family == CHEMO:
        code = encounter.policy.prolonged_pump_code  # R26
        sentence = (
            f"Prolonged chemotherapy infusion of {service.names} started {at} on a "
            f"{service.pump} pump expected to run over 8 hours (R26)."
        )
    elif encounter.setting == "facility":
        code = "C8957"
        sentence = (
            f"Prolonged infusion of {service.names} started {at} on a "
            f"{service.pump} pump, hospital code for a non-chemotherapy drug."
        )
    else:
        return _unlisted(
            service,
            f"a prolonged non-chemotherapy pump infusion started in the office {at}",
            encounter,
            findings,
        )
    return timed_service(
        code, None, service, sentence, encounter.clock, encounter.policy
    )


def _unlisted(
    service: Service, what: str, encounter: Encounter, findings: list[Finding]
) -> list[Line]:
    """96379, with a warning: the service has no code of its own."""
    findings.append(
        warning(
            "scope.unlisted",
            f"{service.names}: {what} has no specific code; reported as unlisted "
            "96379 for review.",
            service.admins,
        )
    )
    return timed_service(
        "96379",
        None,
        service,
        f"{service.names}: {what}, unlisted.",
        encounter.clock,
        encounter.policy,
    )
