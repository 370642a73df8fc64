"""Codes for the IV services of one access group: the initial service, then
sequential, concurrent and push services and hydration (section E, R49-R58)."""

from datetime import date
from typing import Final

from chairside_engine.classification import CHEMO, HYDRATION, INFUSION, PUSH, Service
from chairside_engine.hierarchy import AccessGroup, choose_initial
from chairside_engine.hydration import hydration_runs
from chairside_engine.intervals import Interval, minutes, overlap, union
from chairside_engine.parsing import Encounter
from chairside_engine.result import Finding, Line, info, warning
from chairside_engine.units import (
    hour_lines,
    repeat_hours,
    repeat_qualifying_minute,
    secondary_hydration_units,
    secondary_qualifying_minute,
    timed_service,
)
from chairside_engine.wording import plural, what, when

# (family, kind) -> (initial code, its hour add-on)
INITIAL: Final = {
    (CHEMO, INFUSION): ("96413", "96415"),
    (CHEMO, PUSH): ("96409", None),
    ("therapeutic", INFUSION): ("96365", "96366"),
    ("therapeutic", PUSH): ("96374", None),
    (HYDRATION, HYDRATION): ("96360", "96361"),
}
# R33, R50: a sequential infusion of a new drug and its own hour add-on.
SEQUENTIAL: Final = {CHEMO: ("96417", "96415"), "therapeutic": ("96367", "96366")}
NEW_PUSH: Final = {CHEMO: "96411", "therapeutic": "96375"}  # R51
SAME_DRUG_PUSH: Final = "96376"  # R52
CONCURRENT: Final = "96368"  # R53


class Given:
    """What was already reported in the encounter, for the same-drug rules."""

    def __init__(self) -> None:
        self.pushes: dict[str, int] = {}  # drug -> start of last push
        self.infusions: dict[str, int] = {}  # drug -> end of its latest infusion
        self.concurrent_dates: set[date] = set()


def code_group(
    group: AccessGroup,
    initial_modifiers: tuple[str, ...] | None,
    others: list[Interval],
    encounter: Encounter,
    given: Given,
    findings: list[Finding],
) -> list[Line]:
    """Lines for one access group; `initial_modifiers` None means no initial
    service may be reported here (a continuation)."""
    iv = [s for s in group.services if s.kind in (INFUSION, PUSH)]
    hydration = hydration_runs(
        [s for s in group.services if s.kind == HYDRATION], others, encounter, findings
    )
    qualifying = [run for run in hydration if run.minutes >= 31]  # R30
    initial = None
    if initial_modifiers is not None:
        short = next(
            (r for r in hydration if r.primary_reason and r.minutes < 31), None
        )
        initial = choose_initial(iv + qualifying[:1], encounter, findings, short)
    coder = _Coder(encounter, given, findings)
    lines: list[Line] = []
    coded: list[Interval] = []
    if initial is not None:
        lines += coder.initial(initial, initial_modifiers or ())
        coder.remember(initial)
        if initial.kind == INFUSION:
            coded = union([*coded, *initial.intervals])
    later = sorted(
        [s for s in iv if s is not initial]
        + [h for h in hydration if h is not initial],
        key=lambda s: (s.start, s.admins[0]),
    )
    for service in later:
        if service.kind == HYDRATION:
            lines += coder.secondary_hydration(service)
        elif service.kind == PUSH:
            lines += coder.push(service)
        else:
            lines += coder.infusion(service, coded)
            coded = union([*coded, *service.intervals])
        coder.remember(service)
    return lines


class _Coder:
    def __init__(self, encounter: Encounter, given: Given, findings: list[Finding]):
        self.encounter = encounter
        self.clock = encounter.clock
        self.policy = encounter.policy
        self.given = given
        self.findings = findings

    def remember(self, service: Service) -> None:
        for drug in service.drugs:
            if service.kind == PUSH:
                self.given.pushes[drug] = service.start
            elif service.kind == INFUSION:
                end = service.intervals[-1][1]
                if end > self.given.infusions.get(drug, end - 1):
                    self.given.infusions[drug] = end

    def base_modifiers(
        self, service: Service, extra: tuple[str, ...] = ()
    ) -> tuple[str, ...]:
        if service.discontinued and self.policy.discontinued_modifier == "53":
            return (*extra, "53")  # R39
        return extra

    def timed(
        self,
        code: str,
        addon: str | None,
        service: Service,
        sentence: str,
        modifiers: tuple[str, ...] = (),
    ) -> list[Line]:
        return timed_service(
            code, addon, service, sentence, self.clock, self.policy, modifiers
        )

    def single(self, code: str, service: Service, sentence: str) -> list[Line]:
        return self.timed(code, None, service, sentence, self.base_modifiers(service))

    # The initial service (R40-R47)
    def initial(self, service: Service, modifiers: tuple[str, ...]) -> list[Line]:
        code, addon = INITIAL[(service.family, service.kind)]
        if service.kind == HYDRATION:
            sentence = (
                f"Initial service: {what(service)} {when(service, self.clock)}, "
                "31 minutes or more; the first hour covers up to 90 minutes (R30)."
            )
        elif service.kind == PUSH:
            sentence = (
                f"Initial service: {what(service)} {when(service, self.clock)}; "
                f"{self.push_reason(service)}."
            )
        else:
            sentence = (
                f"Initial service: {what(service)} {when(service, self.clock)}; "
                "the first hour covers up to 90 minutes (R29, R42)."
            )
        modifiers = self.base_modifiers(service, modifiers)
        return self.timed(code, addon, service, sentence, modifiers)

    def push_reason(self, service: Service, *rules: str) -> str:
        """Why this is a push, with the rules that say so and any others cited."""
        if not service.intervals:
            text, rule = "given as a push", "R13"
        elif service.minutes <= 15:
            text, rule = f"{service.minutes} minutes, 15 or less, is a push", "R14"
        else:
            text = (
                "pushed by hand with the nurse present throughout, a push at any length"
            )
            rule = "R15"
        return f"{text} ({', '.join((rule, *rules))})"

    # Infusions after the initial service (R33, R37, R50, R53-R56)
    def infusion(self, service: Service, coded: list[Interval]) -> list[Line]:
        repeat = [d for d in service.drugs if d in self.given.infusions]
        if repeat:
            return self.repeat_infusion(service)
        shared = minutes(overlap(list(service.intervals), coded))
        alone = service.minutes - shared
        needed = max(1, self.policy.concurrent_min_overlap)
        if shared >= needed and alone < 16:
            return self.concurrent(service, shared)
        if not shared:
            why = "16 minutes or more (R33, R50)"
        elif alone >= 16:
            # R56: a partial overlap does not make a concurrent infusion when the
            # later drug also runs 16 minutes or more on its own.
            why = (
                f"{alone} minutes on its own, 16 or more, so its {shared} minutes "
                "beside another infusion earn no concurrent code (R33, R50, R56)"
            )
        else:
            why = (
                f"its {shared} minutes beside another infusion are under this "
                f"payer's minimum of {needed} for a concurrent one (R33, R50, R56)"
            )
        code, addon = SEQUENTIAL[service.family]
        sentence = (
            f"Sequential infusion of a new drug: {what(service)} "
            f"{when(service, self.clock)}, {why}."
        )
        # R33: a sequential drug's further hours use its family's hour add-on.
        return self.timed(code, addon, service, sentence, self.base_modifiers(service))

    def concurrent(self, service: Service, shared: int) -> list[Line]:
        if service.family == CHEMO:
            code, addon = SEQUENTIAL[CHEMO]
            self.findings.append(
                warning(
                    "concurrent.chemotherapy",
                    f"{service.names} ran alongside another infusion for {shared} "
                    "minutes; "
                    "there is no concurrent code for chemotherapy, so it is coded as a "
                    "sequential infusion. If it ran through its own line for a medical "
                    "reason, record that site's separate-access reason (R55).",
                    service.admins,
                )
            )
            sentence = (
                f"Chemotherapy infusion of {service.names} {when(service, self.clock)} "
                "given alongside another: reported as a sequential chemotherapy "
                "infusion (R55)."
            )
            return self.timed(code, addon, service, sentence)
        day = self.clock.date_of(service.start)
        if day in self.given.concurrent_dates:
            self.findings.append(
                info(
                    "concurrent.once",
                    f"{service.names} also ran concurrently, but the concurrent "
                    "infusion "
                    "code is reported once per date whatever the number of drugs "
                    "(R53).",
                    service.admins,
                )
            )
            return []
        self.given.concurrent_dates.add(day)
        sentence = (
            f"Concurrent infusion: {what(service)} {when(service, self.clock)} ran "
            f"{shared} minutes alongside an infusion already reported, through the "
            "same access in its own bag, and under 16 minutes on its own (R53, R56)."
        )
        return self.timed(CONCURRENT, None, service, sentence)

    def repeat_infusion(self, service: Service) -> list[Line]:
        """R37: a later bag of a drug already infused in this encounter."""
        choice = self.policy.repeat_infusion
        if choice == "push":
            return self.repeat_push(service)  # R37 (c), timed as R52
        addon = SEQUENTIAL[service.family][1]
        count = repeat_hours(service.minutes)
        sentence = (
            f"Later infusion of {service.names} already infused today, "
            f"{when(service, self.clock)}: reported with the hour add-on, "
            f"{plural(count, 'unit')} for its own minutes (R37)."
        )
        return hour_lines(
            addon,
            service,
            count,
            repeat_qualifying_minute,
            self.clock,
            self.policy,
            sentence,
        )

    # Pushes after the initial service (R51-R52)
    def push(self, service: Service) -> list[Line]:
        if any(
            d in self.given.pushes or d in self.given.infusions for d in service.drugs
        ):
            return self.repeat_push(service)
        code = NEW_PUSH[service.family]
        sentence = (
            f"Push of a new drug, reported after the initial service whatever the "
            f"clock order: {what(service)} {when(service, self.clock)}, "
            f"{self.push_reason(service, 'R45', 'R49', 'R51')}."
        )
        return self.single(code, service, sentence)

    def repeat_push(self, service: Service) -> list[Line]:
        """R52: a push of a drug already given is reported only more than 30
        minutes after the later of the end of its latest infusion and the start
        of its latest push; never during or before its own infusion."""
        start = service.start
        pushed = [self.given.pushes[d] for d in service.drugs if d in self.given.pushes]
        ended = [
            self.given.infusions[d] for d in service.drugs if d in self.given.infusions
        ]
        if ended and max(ended) > start:
            self.findings.append(
                info(
                    "push.same_drug_during_infusion",
                    f"{service.names} {when(service, self.clock)} was given during or "
                    "before its own infusion, which ran to "
                    f"{self.clock.show(max(ended))}: not separately reported (R52).",
                    service.admins,
                )
            )
            return []
        gaps = [abs(start - max(pushed)) // 60] if pushed else []
        gaps += [(start - max(ended)) // 60] if ended else []
        gap = min(gaps)
        infused = bool(ended) and (start - max(ended)) // 60 == gap
        if gap <= 30:
            after = (
                f"its infusion ended at {self.clock.show(max(ended))}"
                if infused
                else "the previous push of the same drug"
            )
            self.findings.append(
                info(
                    "push.same_drug_within_30",
                    f"{service.names} was given again {gap} minutes after {after}: "
                    "not separately reported; a same-drug push needs more than 30 "
                    "minutes (R52).",
                    service.admins,
                )
            )
            return []
        return self.same_drug_push(
            service, repeat_of="infused" if infused else "pushed"
        )

    def same_drug_push(self, service: Service, repeat_of: str) -> list[Line]:
        if self.encounter.setting == "office":
            self.findings.append(
                info(
                    "push.same_drug_office",
                    f"{service.names} was {repeat_of} earlier in this visit; a repeat "
                    "push "
                    "of the same drug has no code on an office claim (R52, R67).",
                    service.admins,
                )
            )
            return []
        if service.family == CHEMO:
            self.findings.append(
                warning(
                    "push.same_drug_chemotherapy",
                    f"{service.names} was {repeat_of} earlier in this visit; the "
                    "repeat "
                    "push of the same chemotherapy drug has no code of its own (R51).",
                    service.admins,
                )
            )
            return []
        sentence = (
            f"Same drug pushed again: {service.names} {when(service, self.clock)}, "
            f"{repeat_of} earlier today and more than 30 minutes before (R52)."
        )
        return self.timed(SAME_DRUG_PUSH, None, service, sentence)

    # Hydration after another initial service (R32, R58, R90)
    def secondary_hydration(self, run: Service) -> list[Line]:
        count = secondary_hydration_units(run.minutes)
        if not count:
            self.findings.append(
                info(
                    "hydration.under_31",
                    f"Hydration with {run.names} counts {run.minutes} minutes after "
                    "taking out time shared with other administrations: under 31 "
                    "minutes it is not reportable (R30).",
                    run.admins,
                )
            )
            return []
        modifiers = ("59",) if self.policy.hydration_modifier == "59" else ()
        sentence = (
            f"Hydration after another initial service: {run.names} "
            f"{when(run, self.clock)} of hydration alone earns "
            f"{plural(count, 'unit')}, the first at 31 minutes and one more for each "
            "further hour that runs more than 30 minutes (R32, R58)."
        )
        return hour_lines(
            "96361",
            run,
            count,
            secondary_qualifying_minute,
            self.clock,
            self.policy,
            sentence,
            modifiers,
        )
