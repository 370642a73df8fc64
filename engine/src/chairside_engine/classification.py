"""From administrations to services: what each one is for coding purposes.

Order of operations, steps 2-3 (section N): drop what is never coded (oral,
KVO), apply the missing-stop policy, choose the family (R1-R12) and whether an
IV administration is a push or an infusion (R13-R17), and join what is one
infusate: drugs in one bag (R54), a paused bag (R38), one dose split across
syringes (R18).
"""

from typing import Final, final

from chairside_engine.intervals import Interval, minutes, total, union
from chairside_engine.parsing import Administration, Encounter
from chairside_engine.result import Finding, info, warning

CHEMO: Final = "chemotherapy"
THERAPEUTIC: Final = "therapeutic"
HYDRATION: Final = "hydration"
FAMILY_RANK: Final = {CHEMO: 0, THERAPEUTIC: 1, HYDRATION: 2}

INFUSION: Final = "infusion"
PUSH: Final = "push"
IV_METHODS: Final = frozenset({"infusion", "push"})
GroupKey = tuple[str, str, str, str, int | None]


# A final class with Final attributes, as result.Line explains.
@final
class Service:
    """One administration service: an IV run, or a stand-alone administration."""

    def __init__(
        self,
        *,
        kind: str,  # infusion | push | hydration | a non-IV method of the contract
        family: str,  # chemotherapy | therapeutic | hydration
        category: str,  # the drug category after policy (for injections: R5-R8)
        admins: tuple[str, ...],
        site: str | None,
        visit: str,
        intervals: tuple[Interval, ...],  # drip time; empty for a push with no stop
        start: int,
        minutes: int,
        drugs: frozenset[str],  # identity of the infusate: HCPCS or lower-case name
        names: str,
        primary_reason: bool,
        discontinued: bool,
        lesions: int,
        pump: str,
    ) -> None:
        self.kind: Final = kind
        self.family: Final = family
        self.category: Final = category
        self.admins: Final = admins
        self.site: Final = site
        self.visit: Final = visit
        self.intervals: Final = intervals
        self.start: Final = start
        self.minutes: Final = minutes
        self.drugs: Final = drugs
        self.names: Final = names
        self.primary_reason: Final = primary_reason
        self.discontinued: Final = discontinued
        self.lesions: Final = lesions
        self.pump: Final = pump

    def sort_key(self) -> tuple[int, str]:
        return (self.start, self.admins[0])

    def with_admins(self, admins: tuple[str, ...]) -> "Service":
        return Service(
            kind=self.kind,
            family=self.family,
            category=self.category,
            admins=admins,
            site=self.site,
            visit=self.visit,
            intervals=self.intervals,
            start=self.start,
            minutes=self.minutes,
            drugs=self.drugs,
            names=self.names,
            primary_reason=self.primary_reason,
            discontinued=self.discontinued,
            lesions=self.lesions,
            pump=self.pump,
        )


def drug_key(admin: Administration) -> str:
    if admin.drug is None:
        return admin.method
    return admin.drug.hcpcs or admin.drug.name.lower()


def drug_policy(admin: Administration, encounter: Encounter) -> tuple[str, bool]:
    """The drug's category and whether it is always a push, after the payer's
    drug list (R8, R17)."""
    assert admin.drug is not None
    override = encounter.policy.override_for(admin.drug.hcpcs, admin.drug.name)
    if override is None:
        return admin.drug.category, False
    return override.category or admin.drug.category, override.force_push


def category_of(admin: Administration, encounter: Encounter) -> str:
    return drug_policy(admin, encounter)[0]


def iv_family(category: str, encounter: Encounter) -> str:
    """The code family of an IV administration of a drug of this category."""
    if category in (CHEMO, "hormonal_antineoplastic"):
        return CHEMO  # R2
    if category == "biologic":
        # R6-R7: monoclonal antibodies and other biologic response modifiers are
        # complex administration unless the payer says otherwise.
        return CHEMO if encounter.policy.biologic_infusion == CHEMO else THERAPEUTIC
    return category  # therapeutic (R3-R4) or hydration (R9)


def classify(encounter: Encounter) -> tuple[list[Service], list[Finding]]:
    findings: list[Finding] = []
    policy = encounter.policy
    iv_groups: dict[GroupKey, list[tuple[Administration, int | None]]] = {}
    other: dict[GroupKey, list[Administration]] = {}
    for admin in encounter.administrations:
        if admin.method == "oral":
            findings.append(  # R65
                info(
                    "admin.oral",
                    f"{_name(admin)} by mouth is not a drug-administration service "
                    "(R65).",
                    (admin.id,),
                )
            )
            continue
        if admin.kvo:
            findings.append(  # R59
                info(
                    "admin.kvo",
                    f"{_name(admin)} ran only to keep the vein open: never coded "
                    "(R59).",
                    (admin.id,),
                )
            )
            continue
        if admin.method not in IV_METHODS:
            split = ("split", admin.visit, admin.method, drug_key(admin), admin.start)
            other.setdefault(split, []).append(admin)  # R18: a split dose is one
            continue
        stop = admin.stop
        if admin.method == INFUSION and stop is None:
            stop, keep = _missing_stop(admin, encounter, findings)
            if not keep:
                continue
        key: GroupKey
        if admin.bag is not None:
            key = ("bag", admin.visit, admin.site or "", admin.bag, None)  # R54
        else:
            key = ("one", admin.visit, drug_key(admin), admin.method, admin.start)
        iv_groups.setdefault(key, []).append((admin, stop))

    services: list[Service] = []
    for members in iv_groups.values():
        service = _iv_service(members, encounter, findings)
        if service is not None:
            services.append(service)
    if policy.repeat_infusion == "sum":
        services = _sum_repeats(services)
    for admins in other.values():
        services.append(_other_service(admins, encounter))
    services.sort(key=Service.sort_key)
    for service in services:
        if service.discontinued:
            findings.append(
                info(
                    "admin.discontinued",
                    f"{service.names} was stopped early and is coded by the "
                    f"{service.minutes} minutes actually given (R38).",
                    service.admins,
                )
            )
    return services, findings


def _name(admin: Administration) -> str:
    return admin.drug.name if admin.drug else admin.method.replace("_", " ")


def _missing_stop(
    admin: Administration, encounter: Encounter, findings: list[Finding]
) -> tuple[int | None, bool]:
    """R93-R94: an infusion whose stop was not documented."""
    assert admin.drug is not None
    assert admin.start is not None
    policy = encounter.policy.missing_stop
    started = encounter.clock.show(admin.start)
    name = admin.drug.name
    if category_of(admin, encounter) == HYDRATION:
        findings.append(  # R94
            warning(
                "time.missing_stop",
                f"{name} started {started} has no stop time: hydration cannot be "
                "shown to reach 31 minutes and is not coded (R94).",
                (admin.id,),
            )
        )
        return None, False
    if policy == "not_billable":
        findings.append(
            warning(
                "time.missing_stop",
                f"{name} started {started} has no stop time and this payer does not "
                "pay an infusion without one: not coded (R93).",
                (admin.id,),
            )
        )
        return None, False
    if policy == "derive" and admin.rate_ml_per_hour and admin.volume_ml:
        run = int(admin.volume_ml * 60 / admin.rate_ml_per_hour)
        stop = admin.start + run * 60
        findings.append(
            warning(
                "time.missing_stop",
                f"{name} started {started} has no stop time: {admin.volume_ml} mL at "
                f"{admin.rate_ml_per_hour} mL/h gives {run} minutes, to "
                f"{encounter.clock.show(stop)} (R93).",
                (admin.id,),
            )
        )
        return stop, True
    findings.append(
        warning(
            "time.missing_stop",
            f"{name} started {started} has no stop time: coded as a push, the only "
            "service the record supports (R93). Document the stop to code the "
            "infusion.",
            (admin.id,),
        )
    )
    return None, True


def _iv_service(
    members: list[tuple[Administration, int | None]],
    encounter: Encounter,
    findings: list[Finding],
) -> Service | None:
    # Members in id order, so that the document's order never matters (a dose
    # split across sites takes the site of its lowest id).
    if len(members) > 1:
        members = sorted(members, key=lambda member: member[0].id)
    # One pass over the members (usually one): a service is built on every tap.
    family = HYDRATION
    forced = has_stop = primary = discontinued = any_push = False
    slow_pushes = True
    spans: list[Interval] = []
    names: dict[str, None] = {}
    drugs: set[str] = set()
    ids: list[str] = []
    start = members[0][0].start or 0
    policy = encounter.policy
    for admin, stop in members:
        drug = admin.drug
        assert drug is not None
        if policy.drug_overrides:
            category, always_push = drug_policy(admin, encounter)
            forced = forced or always_push  # R17
        else:
            category = drug.category
        this = iv_family(category, encounter)
        # R9, R54: a bag is as complex as the most complex drug in it.
        if FAMILY_RANK[this] < FAMILY_RANK[family]:
            family = this
        admin_start = admin.start
        if admin_start is not None:
            if admin_start < start:
                start = admin_start
            if stop is not None:
                has_stop = True
                if stop > admin_start:
                    spans.append((admin_start, stop))
        if admin.method == PUSH:
            any_push = True
            slow_pushes = slow_pushes and admin.continuous_presence
        else:
            slow_pushes = False
        primary = primary or admin.primary_reason
        discontinued = discontinued or admin.discontinued
        names[drug.name] = None
        drugs.add(drug.hcpcs or drug.name.lower())  # drug_key
        ids.append(admin.id)
    intervals = union(spans) if len(spans) > 1 else spans
    drip = minutes(total(intervals))
    label = " + ".join(names)
    if family == HYDRATION:
        kind = HYDRATION
    elif forced:
        kind = PUSH  # R17
        findings.append(
            info(
                "classification.force_push",
                f"{label} is coded as a push by this payer's drug list (R17).",
                tuple(ids),
            )
        )
    elif not has_stop:
        kind = PUSH
    elif drip <= 15:
        kind = PUSH  # R13-R14: 15 minutes or less is a push
    elif slow_pushes:
        kind = PUSH  # R15: a slow push by hand stays a push
    else:
        kind = INFUSION  # R14, R15: 16 minutes or more without continuous presence
        if any_push:
            findings.append(
                info(
                    "classification.push_as_infusion",
                    f"{label} was documented as a push but ran {drip} minutes with no "
                    "continuous presence documented: coded as an infusion (R15).",
                    tuple(ids),
                )
            )
    first = members[0][0]
    return Service(
        kind=kind,
        family=family,
        category=family,
        admins=tuple(ids),
        site=first.site,
        visit=first.visit,
        intervals=tuple(intervals),
        start=start,
        minutes=drip,
        drugs=frozenset(drugs),
        names=label,
        primary_reason=primary,
        discontinued=discontinued,
        lesions=0,
        pump="portable",
    )


def _sum_repeats(services: list[Service]) -> list[Service]:
    """R37 (b): later bags of the same drug add their minutes to the first."""
    out: list[Service] = []
    by_drug: dict[tuple[str, frozenset[str]], int] = {}
    for service in sorted(services, key=Service.sort_key):
        key = (service.visit, service.drugs)
        if service.kind != INFUSION or key not in by_drug:
            if service.kind == INFUSION:
                by_drug[key] = len(out)
            out.append(service)
            continue
        first = out[by_drug[key]]
        intervals = tuple(union([*first.intervals, *service.intervals]))
        out[by_drug[key]] = Service(
            kind=INFUSION,
            family=first.family,
            category=first.category,
            admins=first.admins + service.admins,
            site=first.site,
            visit=first.visit,
            intervals=intervals,
            start=first.start,
            minutes=minutes(total(list(intervals))),
            drugs=first.drugs,
            names=first.names,
            primary_reason=first.primary_reason or service.primary_reason,
            discontinued=first.discontinued or service.discontinued,
            lesions=0,
            pump="portable",
        )
    return out


def _other_service(admins: list[Administration], encounter: Encounter) -> Service:
    admins = sorted(admins, key=lambda admin: admin.id)
    first = admins[0]
    category = category_of(first, encounter) if first.drug is not None else THERAPEUTIC
    if category == "biologic" and first.method in ("sc_injection", "im_injection"):
        # R6-R8: 96372 or 96401 for a biologic injection is the payer's choice.
        category = (
            CHEMO if encounter.policy.biologic_injection == CHEMO else THERAPEUTIC
        )
    family = iv_family(category, encounter) if first.drug is not None else THERAPEUTIC
    intervals = union(
        [
            (a.start, a.stop)
            for a in admins
            if a.start is not None and a.stop is not None
        ]
    )
    starts = [a.start for a in admins if a.start is not None]
    return Service(
        kind=first.method,
        family=family,
        category=category,
        admins=tuple(a.id for a in admins),
        site=first.site,
        visit=first.visit,
        intervals=tuple(intervals),
        start=min(starts) if starts else 0,
        minutes=minutes(total(intervals)),
        drugs=frozenset(drug_key(a) for a in admins),
        names=" + ".join(dict.fromkeys([_name(a) for a in admins])),
        primary_reason=any(a.primary_reason for a in admins),
        discontinued=any(a.discontinued for a in admins),
        lesions=sum(a.lesions or 0 for a in admins),
        pump=first.pump,
    )
