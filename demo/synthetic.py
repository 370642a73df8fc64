"""Synthetic encounters for load tests, written with bulk inserts.

Each encounter is one of the demo regimens (coding/demo.py) at one of a few
start times and run lengths, at one of the demo locations, for one of the
demo payers. The engine runs once per distinct variant (regimen, times,
location, policy in force); every encounter of that variant gets that result
with its own administration ids, which is exactly what the engine would
return for it. Finalised encounters get their Claim snapshot and lines.
"""

import random
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from claims.diagnoses import describe
from claims.lines import apply_overrides
from claims.models import Charge, Claim, ClaimLine, Diagnosis
from claims.services import claim_line, snapshot_into
from coding.documents import build_document
from coding.models import Derivation
from coding.services import derivation_of, engine_result
from demo import registration
from demo.chair_day import places
from demo.payers import DEMO_FROM, seed_payers
from demo.providers import ordering_practitioner
from demo.weeks import PAYERS, REGIMENS, first_ndcs
from encounters.models import (
    Administration,
    AdministrationEvent,
    Coverage,
    Encounter,
    IVSite,
    Location,
    Patient,
)
from payers.models import Payer, PolicyVersion
from providers.models import Practitioner
from reference.models import Drug

STARTS = (time(8, 30), time(10, 0), time(12, 15), time(14, 0))
STRETCH = (0, 10, 25)  # extra minutes on each run
STATES = (
    (Encounter.Status.DOCUMENTED, 5),
    (Encounter.Status.READY_FOR_CODING, 30),
    (Encounter.Status.CODED, 20),
    (Encounter.Status.FINALISED, 45),
)
CHUNK = 2000


@dataclass
class Variant:
    result: dict[str, Any]
    administration_ids: list[str]
    policy: PolicyVersion | None


@dataclass
class World:
    places: list[Location]
    payers: list[Payer]
    drugs: dict[str, Drug]
    ndcs: dict[str, str]
    nurse: Any
    coder: Any
    descriptions: dict[str, str]
    # Who orders each regimen, when a specialist does (demo.providers).
    orderers: list[Practitioner | None]
    variants: dict[tuple[Any, ...], Variant] = field(default_factory=dict)
    policies: dict[tuple[int, date], PolicyVersion | None] = field(default_factory=dict)


def world(*, nurse: Any, coder: Any, staff: list[Any]) -> World:
    codes = {g.hcpcs for _n, _dx, given in REGIMENS for g in given}
    drugs = {d.hcpcs: d for d in Drug.objects.filter(hcpcs__in=codes)}
    if len(drugs) != len(codes):
        raise LookupError("Load the formulary first: manage.py load_reference_data.")
    payers = seed_payers()
    return World(
        places=list(places(staff).values()),
        payers=[payers[name] for name in PAYERS],
        drugs=drugs,
        ndcs=first_ndcs(codes),
        nurse=nurse,
        coder=coder,
        descriptions={
            dx: describe(dx)[1] for _n, diagnoses, _g in REGIMENS for dx in diagnoses
        },
        orderers=[
            ordering_practitioner(g.hcpcs for g in given) for _n, _dx, given in REGIMENS
        ],
    )


def generate(
    count: int,
    *,
    nurse: Any,
    coder: Any,
    staff: list[Any],
    days: int = 90,
    seed: int = 0,
) -> dict[str, int]:
    """Create `count` encounters over the last `days` days; how many of each state."""
    rng = random.Random(seed)
    w = world(nurse=nurse, coder=coder, staff=staff)
    token = secrets.token_hex(2).upper()
    today = timezone.localdate()
    made: dict[str, int] = {}
    patients = Patient.objects.bulk_create(
        Patient(
            mrn=f"SY{token}{n:06d}",
            # The display name Patient.save would make, which bulk_create skips.
            name=f"Synthetic Patient {token}-{n}",
            first_name="Synthetic",
            last_name=f"Patient {token}-{n}",
            date_of_birth=date(1940 + n % 60, 1 + n % 12, 1 + n % 28),
            sex=Patient.Sex.FEMALE if n % 2 else Patient.Sex.MALE,
            **registration.address(n),
        )
        for n in range(min(count, 5000))
    )
    since = min(DEMO_FROM, today - timedelta(days=days))
    Coverage.objects.bulk_create(
        Coverage(
            patient=patient,
            payer=payer_of(w, n),
            member_id=registration.member_id(payer_of(w, n).name, n),
            effective_from=since,
        )
        for n, patient in enumerate(patients)
    )
    for start in range(0, count, CHUNK):
        size = min(CHUNK, count - start)
        with transaction.atomic():
            for status, n in chunk(w, rng, token, start, size, patients, today, days):
                made[status] = made.get(status, 0) + n
    return made


def payer_of(w: World, n: int) -> Payer:
    """The payer of the `n`th synthetic patient's coverage."""
    return w.payers[n % len(w.payers)]


def plan(rng: random.Random, w: World, today: date, days: int) -> dict[str, Any]:
    states = [state for state, _ in STATES]
    weights = [weight for _, weight in STATES]
    return {
        "regimen": rng.randrange(len(REGIMENS)),
        "start": rng.choice(STARTS),
        "stretch": rng.choice(STRETCH),
        "place": rng.choice(w.places),
        "day": today - timedelta(days=rng.randrange(1, days + 1)),
        "status": rng.choices(states, weights)[0],
    }


def chunk(
    w: World,
    rng: random.Random,
    token: str,
    start: int,
    size: int,
    patients: list[Patient],
    today: date,
    days: int,
) -> Iterator[tuple[str, int]]:
    plans = [plan(rng, w, today, days) for _ in range(size)]
    for i, p in enumerate(plans):
        # What Encounter.save would default, which bulk_create skips: the
        # payer of the patient's coverage.
        p["payer"] = payer_of(w, (start + i) % len(patients))
    encounters = Encounter.objects.bulk_create(
        Encounter(
            patient=patients[(start + i) % len(patients)],
            location=p["place"],
            payer=p["payer"],
            date=p["day"],
            visit_number=f"S{token}{start + i:07d}",
            status=p["status"],
            checked_in_at=moment(p, 0, -10),
            documented_at=moment(p, 0, 400),
            # What Encounter.save would default, which bulk_create skips.
            ordering_practitioner=w.orderers[p["regimen"]]
            or p["place"].supervising_practitioner,
            attending_practitioner=p["place"].supervising_practitioner,
        )
        for i, p in enumerate(plans)
    )
    sites = IVSite.objects.bulk_create(
        IVSite(encounter=e, label="left forearm", created_by=w.nurse)
        for e in encounters
    )
    given = administrations(w, plans, encounters, sites)
    Administration.objects.bulk_create(a for group in given for a in group)
    AdministrationEvent.objects.bulk_create(events(w, given))
    derivations = [
        derivation(w, e, p, group, site)
        for e, p, group, site in zip(encounters, plans, given, sites, strict=True)
    ]
    Derivation.objects.bulk_create(derivations)
    coded = [
        (e, p, d, group)
        for e, p, d, group in zip(encounters, plans, derivations, given, strict=True)
        if p["status"] in {Encounter.Status.CODED, Encounter.Status.FINALISED}
    ]
    diagnoses = {
        e.pk: [
            Diagnosis(
                encounter=e,
                rank=rank,
                code=dx,
                description=w.descriptions[dx],
                added_by=w.coder,
            )
            for rank, dx in enumerate(REGIMENS[p["regimen"]][1], start=1)
        ]
        for e, p, _d, _g in coded
    }
    Diagnosis.objects.bulk_create(d for listed in diagnoses.values() for d in listed)
    finalise(
        w,
        [c for c in coded if c[1]["status"] == Encounter.Status.FINALISED],
        diagnoses,
    )
    for status in {p["status"] for p in plans}:
        yield status, sum(1 for e in encounters if e.status == status)


def moment(p: dict[str, Any], minutes: int, offset: int = 0) -> datetime:
    zone = p["place"].tz
    begin = datetime.combine(p["day"], p["start"], zone)
    return begin + timedelta(minutes=minutes + offset)


def administrations(
    w: World,
    plans: list[dict[str, Any]],
    encounters: list[Encounter],
    sites: list[IVSite],
) -> list[list[Administration]]:
    out = []
    for p, e, site in zip(plans, encounters, sites, strict=True):
        group = []
        _name, _dx, given = REGIMENS[p["regimen"]]
        first = max(g.start for g in given)
        for g in given:
            began = moment(p, first - g.start)
            stopped = None
            if g.stop is not None:
                stopped = moment(p, first - g.stop + p["stretch"])
            a = Administration(
                encounter=e,
                drug=w.drugs[g.hcpcs],
                method=g.method,
                site=site if g.site else None,
                dose_amount=Decimal(g.dose),
                dose_unit=g.unit,
                wasted_amount=Decimal(g.wasted) if g.wasted else None,
                single_dose_container=g.single_dose,
                acquired_340b=p["place"].stocks_340b,
                bag=g.bag,
                ndc=w.ndcs.get(g.hcpcs, ""),
                created_by=w.nurse,
            )
            # The cached run, equal to the events written below.
            a.started_at, a.stopped_at = began, stopped
            group.append(a)
        out.append(group)
    return out


def events(
    w: World, given: list[list[Administration]]
) -> Iterator[AdministrationEvent]:
    for group in given:
        for a in group:
            assert a.started_at is not None  # administrations() starts them all
            yield AdministrationEvent(
                administration=a,
                kind=AdministrationEvent.Kind.STARTED,
                at=a.started_at,
                by=w.nurse,
            )
            if a.stopped_at is not None:
                yield AdministrationEvent(
                    administration=a,
                    kind=AdministrationEvent.Kind.STOPPED,
                    at=a.stopped_at,
                    by=w.nurse,
                )


def policy(w: World, payer: Payer, day: date) -> PolicyVersion | None:
    key = (payer.pk, day)
    if key not in w.policies:
        w.policies[key] = PolicyVersion.objects.in_force(payer, day)
    return w.policies[key]


def derivation(
    w: World,
    e: Encounter,
    p: dict[str, Any],
    group: list[Administration],
    site: IVSite,
) -> Derivation:
    version = policy(w, e.payer, e.date)
    key = (
        p["regimen"],
        p["start"],
        p["stretch"],
        # The setting and the hospital's facts (department, 340B) are the
        # location's.
        e.location.pk,
        e.payer.pk,
        version.pk if version else None,
    )
    if key not in w.variants:
        built = build_document(e, group, [site])
        result = engine_result(built)
        w.variants[key] = Variant(result, [str(a.pk) for a in group], version)
    variant = w.variants[key]
    result = renumber(variant, group, e.date)
    return derivation_of(e, result, version, by=w.nurse)


def renumber(
    variant: Variant, group: list[Administration], day: date
) -> dict[str, Any]:
    """The variant's result with this encounter's administration ids and date."""
    ids = dict(zip(variant.administration_ids, (str(a.pk) for a in group), strict=True))

    def moved(item: dict[str, Any]) -> dict[str, Any]:
        out = item | {
            "administrations": [ids[i] for i in item.get("administrations", [])]
        }
        if "date" in item:
            out["date"] = day.isoformat()
        return out

    result = variant.result
    return result | {
        "lines": [moved(line) for line in result.get("lines", [])],
        "findings": [moved(f) for f in result.get("findings", [])],
    }


def finalise(
    w: World, rows: list[tuple[Any, ...]], diagnoses: dict[int, list[Diagnosis]]
) -> None:
    """Claims for the finalised ones; one with an error finding stays coded."""
    claims, lines, held = [], [], []
    for e, _p, d, group in rows:
        if any(f.get("severity") == "error" for f in d.findings):
            held.append(e.pk)
            e.status = Encounter.Status.CODED
            continue
        claim = Claim(encounter=e)
        snapshot_into(claim, e, d, diagnoses[e.pk], by=w.coder)
        claims.append(claim)
        coding = apply_overrides(d.lines, [], {}, len(diagnoses[e.pk]))
        by_id = {str(a.pk): a for a in group}
        lines.append((claim, coding.billed, by_id, e.location.setting))
    Encounter.objects.filter(pk__in=held).update(status=Encounter.Status.CODED)
    Claim.objects.bulk_create(claims)
    prices = Charge.objects.book()
    ClaimLine.objects.bulk_create(
        claim_line(claim, n, line, by_id, setting, prices)
        for claim, billed, by_id, setting in lines
        for n, line in enumerate(billed, start=1)
    )
