"""Administrations outside the IV initial-service slot (R18-R26, R40): injections,
subcutaneous and intra-arterial services, pumps, intralesional and cavity
chemotherapy, port flushes."""

from decimal import Decimal

from coding.engine.classification import CHEMO, Service
from coding.engine.document import Encounter
from coding.engine.result import ADMINISTRATION, Finding, Line, info, warning
from coding.engine.units import addon_hours, addon_qualifying_minute, units_by_date
from coding.engine.wording import plural, when

ONE = Decimal(1)
CAVITY = {  # R23
    "intrathecal": ("96450", "chemotherapy into the central nervous system"),
    "ventricular_reservoir": ("96542", "chemotherapy through a subcutaneous reservoir"),
    "intrapleural": ("96440", "chemotherapy into the pleural cavity"),
    "intraperitoneal": ("96446", "chemotherapy into the peritoneal cavity"),
}


def code_standalone(
    services: list[Service], encounter: Encounter, findings: list[Finding]
) -> list[Line]:
    clock = encounter.clock
    lines: list[Line] = []
    sc_infusions = 0
    lesion_services = [s for s in services if s.kind == "intralesional"]

    def line(code: str, service: Service, sentence: str, units: Decimal = ONE) -> Line:
        return Line(
            code,
            units,
            (),
            ADMINISTRATION,
            clock.date_of(service.start),
            service.admins,
            sentence,
        )

    for service in services:
        kind = service.kind
        at = when(service, clock)
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
            lines.append(line(code, service, sentence))
        elif kind == "on_body_injector":
            lines.append(
                line(
                    "96377",
                    service,
                    f"On-body injector filled and applied for {service.names} {at} "
                    "(R21).",
                )
            )
        elif kind == "sc_infusion":
            lines += _sc_infusion(service, sc_infusions, encounter, findings)
            sc_infusions += 1
        elif kind == "intra_arterial_push":
            code = "96420" if service.family == CHEMO else "96373"
            lines.append(
                line(
                    code,
                    service,
                    f"Intra-arterial push of {service.names} {at} (R18, R20).",
                )
            )
        elif kind == "intra_arterial_infusion":
            lines += _intra_arterial(service, encounter, findings)
        elif kind == "prolonged_pump":
            lines += _prolonged_pump(service, encounter, findings)
        elif kind == "intralesional":
            if service is lesion_services[0]:
                count = sum(s.lesions for s in lesion_services)
                admins = tuple(a for s in lesion_services for a in s.admins)
                code = "96405" if count <= 7 else "96406"  # R22
                lines.append(
                    Line(
                        code,
                        ONE,
                        (),
                        ADMINISTRATION,
                        clock.date_of(service.start),
                        admins,
                        f"Intralesional chemotherapy into {plural(count, 'lesion')}: "
                        f"{'up to 7' if count <= 7 else 'more than 7'} lesions is one "
                        f"{code} (R22).",
                    )
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
            lines.append(
                line(
                    code, service, f"{words.capitalize()}: {service.names} {at} (R23)."
                )
            )
        elif kind == "port_flush":
            lines.append(
                line(
                    "96523",
                    service,
                    f"Flush of an implanted access device {at}, reportable only "
                    "when it is the only service of the day (R24).",
                )
            )
        elif kind == "pump_refill":
            code = "96522" if service.pump == "implantable" else "96521"
            lines.append(
                line(
                    code,
                    service,
                    f"Refill and maintenance of a {service.pump} pump {at} (R25).",
                )
            )
    return lines


def _sc_infusion(
    service: Service, earlier: int, encounter: Encounter, findings: list[Finding]
) -> list[Line]:
    """R19: 96369 once per encounter, 96370 per further hour, 96371 for a new set-up."""
    clock = encounter.clock
    day = clock.date_of(service.start)
    at = when(service, clock)
    if earlier == 1:
        return [
            Line(
                "96371",
                ONE,
                (),
                ADMINISTRATION,
                day,
                service.admins,
                f"Additional subcutaneous infusion set-up for {service.names} {at} "
                "(R19).",
            )
        ]
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
    if service.intervals and service.minutes <= 15:
        findings.append(
            info(
                "sc_infusion.short",
                f"{service.names} ran {service.minutes} minutes: a subcutaneous "
                "infusion needs 16 minutes, so it is reported as an injection (R29).",
                service.admins,
            )
        )
        return [
            Line(
                "96372",
                ONE,
                (),
                ADMINISTRATION,
                day,
                service.admins,
                f"Subcutaneous infusion of {service.names} {at} under 16 minutes: "
                "reported as a subcutaneous injection (R18, R29).",
            )
        ]
    lines = [
        Line(
            "96369",
            ONE,
            (),
            ADMINISTRATION,
            day,
            service.admins,
            f"Subcutaneous infusion of {service.names} {at}, including pump "
            "set-up; the first hour covers up to 90 minutes (R19).",
        )
    ]
    count = addon_hours(service.minutes)
    lines += _hours("96370", service, count, encounter)
    return lines


def _intra_arterial(
    service: Service, encounter: Encounter, findings: list[Finding]
) -> list[Line]:
    clock = encounter.clock
    day = clock.date_of(service.start)
    at = when(service, clock)
    if service.family != CHEMO:
        findings.append(
            warning(
                "scope.unlisted",
                f"{service.names}: an intra-arterial infusion of a "
                "non-chemotherapy drug has no code of its own; reported "
                "as unlisted 96379 for review.",
                service.admins,
            )
        )
        return [
            Line(
                "96379",
                ONE,
                (),
                ADMINISTRATION,
                day,
                service.admins,
                f"Intra-arterial infusion of {service.names} {at}: no specific code, "
                "unlisted.",
            )
        ]
    if service.intervals and service.minutes <= 15:
        return [
            Line(
                "96420",
                ONE,
                (),
                ADMINISTRATION,
                day,
                service.admins,
                f"Intra-arterial chemotherapy {at}, 15 minutes or less: a push (R14, "
                "R20).",
            )
        ]
    lines = [
        Line(
            "96422",
            ONE,
            (),
            ADMINISTRATION,
            day,
            service.admins,
            f"Intra-arterial chemotherapy infusion of {service.names} {at}; the first "
            "hour covers up to 90 minutes (R20).",
        )
    ]
    lines += _hours("96423", service, addon_hours(service.minutes), encounter)
    return lines


def _prolonged_pump(
    service: Service, encounter: Encounter, findings: list[Finding]
) -> list[Line]:
    clock = encounter.clock
    day = clock.date_of(service.start)
    at = when(service, clock)
    if service.family == CHEMO:
        code = encounter.policy.prolonged_pump_code  # R26
        return [
            Line(
                code,
                ONE,
                (),
                ADMINISTRATION,
                day,
                service.admins,
                f"Prolonged chemotherapy infusion of {service.names} started {at} on a "
                f"{service.pump} pump expected to run over 8 hours (R26).",
            )
        ]
    if encounter.setting == "facility":
        return [
            Line(
                "C8957",
                ONE,
                (),
                ADMINISTRATION,
                day,
                service.admins,
                f"Prolonged infusion of {service.names} started {at} on a "
                f"{service.pump} pump, hospital code for a non-chemotherapy drug.",
            )
        ]
    findings.append(
        warning(
            "scope.unlisted",
            f"{service.names}: a prolonged non-chemotherapy pump infusion "
            "started in the office has no specific code; reported as "
            "unlisted 96379 for review.",
            service.admins,
        )
    )
    return [
        Line(
            "96379",
            ONE,
            (),
            ADMINISTRATION,
            day,
            service.admins,
            f"Prolonged non-chemotherapy pump infusion of {service.names} {at}: "
            "unlisted.",
        )
    ]


def _hours(code: str, service: Service, count: int, encounter: Encounter) -> list[Line]:
    clock = encounter.clock
    sentence = (
        f"{service.names} ran {when(service, clock)}: "
        f"{plural(count, 'additional hour')}, one for each hour after the first "
        "that runs more than 30 minutes (R31)."
    )
    return [
        Line(code, units, (), ADMINISTRATION, day, service.admins, sentence)
        for day, units in units_by_date(
            count,
            addon_qualifying_minute,
            service.intervals,
            clock,
            clock.date_of(service.start),
            encounter.policy.midnight == "actual_date",
        )
    ]
