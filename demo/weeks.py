"""Several weeks of past encounters for the coder's demo: sent to coding,
being coded, finalised (one of them reopened and replaced), some with
overrides, one override the engine has since moved away from, and Medicaid
claims held back because nobody recorded a vial's NDC.

Everything goes through the real workflows (the event log, the engine,
claims.services), so the audit trail reads as it would in use.
"""

import csv
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from claims import services as claims
from claims.lines import keyed
from claims.models import Charge, Override
from coding.models import Derivation
from coding.services import derive_encounter
from demo import registration
from demo.chair_day import HOSPITAL, OFF_CAMPUS, OFFICE, Given, administer, places
from demo.payers import authorise
from demo.providers import ordering_practitioner
from encounters.models import (
    Administration,
    Encounter,
    IVSite,
    Method,
    Refusal,
)
from encounters.services import audit
from payers.models import Payer
from reference.models import NdcCode

INFUSION, PUSH, SC = Method.INFUSION, Method.PUSH, Method.SC_INJECTION

# The demo organisation's price list: invented prices, in force before the
# demo's first week, for every code its claims use.
DEMO_PRICES = Path(__file__).resolve().parent / "data" / "demo_prices.csv"
PRICES_FROM = date(2025, 1, 1)


def seed_prices(*, by: Any) -> int:
    """The demo price list (idempotent); returns how many prices were added."""
    with DEMO_PRICES.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    made = 0
    for row in rows:
        _, created = Charge.objects.get_or_create(
            code=row["code"],
            effective=PRICES_FROM,
            defaults={"price": Decimal(row["price"]), "created_by": by},
        )
        made += created
    return made


# (name, diagnoses, what was given: minutes before 15:00 on the day)
REGIMENS: tuple[tuple[str, tuple[str, ...], tuple[Given, ...]], ...] = (
    (
        "FOLFOX",
        ("C18.9", "Z51.11"),
        (
            Given("J2405", PUSH, "16", "mg", 300),
            Given("J1100", PUSH, "12", "mg", 296),
            Given(
                "J9263",
                INFUSION,
                "170",
                "mg",
                290,
                stop=167,
                single_dose=True,
                wasted="30",
                bag="1",
            ),
            Given("J0640", INFUSION, "800", "mg", 290, stop=167, bag="2"),
        ),
    ),
    (
        "Infliximab",
        ("K50.90",),
        (
            Given("J1200", PUSH, "25", "mg", 245),
            Given("J1745", INFUSION, "400", "mg", 235, stop=105),
        ),
    ),
    (
        "Hydration",
        ("E86.0", "R11.2"),
        (
            Given("J2405", PUSH, "8", "mg", 200),
            Given("J7030", INFUSION, "1000", "mL", 195, stop=88),
        ),
    ),
    (
        "Pembrolizumab",
        ("C34.90", "Z51.12"),
        (Given("J9271", INFUSION, "200", "mg", 125, stop=92),),
    ),
    (
        "Omalizumab",
        ("J45.50",),
        (Given("J2357", SC, "300", "mg", 60, site=None),),
    ),
)

PAYERS = ("Medicare", "Prairie Health Plan", "Illinois Medicaid", "Lakeshore Mutual")
PEOPLE = (
    "Agnes Kowalski", "Bernard Osei", "Carmen Ruiz", "Dennis Whitfield",
    "Eleanor Park", "Farid Haddad", "Gloria Nwosu", "Harold Jensen",
    "Irene Castillo", "Jamal Pierce", "Katherine Bloom", "Luis Moreno",
    "Martha Quinn", "Nikolai Petrov", "Olivia Grant", "Pedro Alvarez",
    "Queenie Adler", "Raymond Holt", "Sofia Lindgren", "Tobias Meyer",
)  # fmt: skip
PER_DAY = 3  # encounters per location and weekday
# Each patient of the weeks has one regimen and one payer (both follow the
# patient's number). A payer that lists the regimen's biologic approved 12
# visits from a month before the patient's first encounter; Lakeshore Mutual
# approved the infliximab patient 9 visits of 40 units, 7 or 8 of them
# finalised by the weeks: nearly used up.
APPROVED = (None, 12)
NEARLY_USED_UP = {("Lakeshore Mutual", "Infliximab"): (Decimal(360), 9)}


def days(today: date, weeks: int) -> list[date]:
    found = []
    for back in range(weeks * 7, 0, -1):
        day = today - timedelta(days=back)
        if day.weekday() < 5:
            found.append(day)
    return found


@transaction.atomic
def seed_weeks(
    *,
    nurse: Any,
    coder: Any,
    staff: list[Any],
    weeks: int = 4,
    now: datetime | None = None,
) -> int:
    """The past `weeks` of encounters (once per day); how many were made."""
    now = now or timezone.now()
    located = places(staff)
    zone = located[HOSPITAL].tz
    today = timezone.localdate(now, zone)
    made = 0
    count = 0
    reopened = Encounter.objects.filter(claims__version__gt=1).exists()
    for day in days(today, weeks):
        for place_name in (HOSPITAL, OFFICE, OFF_CAMPUS):
            for slot in range(PER_DAY):
                count += 1
                number = f"W{day:%Y%m%d}-{place_name[:1]}{slot}"
                if Encounter.objects.filter(visit_number=number).exists():
                    continue
                age = (today - day).days
                visit = past_encounter(
                    number, located[place_name], day, count, nurse=nurse, zone=zone
                )
                reopened |= code(visit, count, age, coder=coder, reopen=not reopened)
                made += 1
    return made


def past_encounter(
    number: str, place: Any, day: date, count: int, *, nurse: Any, zone: Any
) -> Encounter:
    name, _dx, given = REGIMENS[count % len(REGIMENS)]
    person = PEOPLE[count % len(PEOPLE)]
    payer = Payer.objects.get(name=PAYERS[count % len(PAYERS)])
    patient = registration.weeks_patient(
        count % len(PEOPLE),
        person,
        date(1950 + count % 40, 1 + count % 12, 9),
        payer.name,
    )
    units, visits = NEARLY_USED_UP.get((payer.name, name), APPROVED)
    authorise(
        patient,
        payer,
        number=f"{payer.payer_id.removeprefix('DEMO-')}-{patient.mrn}",
        codes=[g.hcpcs for g in given],
        units=units,
        visits=visits,
        since=day - timedelta(days=30),
        until=day + timedelta(days=180),
    )
    visit = Encounter.objects.create(
        patient=patient,
        location=place,
        # The payer is the primary coverage's (Encounter.save).
        date=day,
        visit_number=number,
        # Attended by the location's physician (Encounter.save).
        ordering_practitioner=ordering_practitioner(g.hcpcs for g in given),
    )
    afternoon = datetime.combine(day, time(15, 0), zone)
    free = place.chairs.free().first()
    visit.check_in(chair=free, at=afternoon - timedelta(minutes=320))
    if any(g.site for g in given):
        kind = IVSite.Kind.PORT if name == "FOLFOX" else IVSite.Kind.PERIPHERAL
        label = "right chest port" if name == "FOLFOX" else "left forearm"
        IVSite.objects.create(encounter=visit, kind=kind, label=label, created_by=nurse)
    for g in given:
        administer(visit, g, nurse=nurse, now=afternoon)
    # Now and then nobody recorded the vial's NDC, which Medicaid refuses (R86).
    if count % 7 != 0:
        record_ndcs(visit)
    visit.mark_documented(at=afternoon)
    visit.send_to_coding()
    derive_encounter(visit, by=nurse)
    return visit


def first_ndcs(codes: Iterable[str]) -> dict[str, str]:
    """An NDC for each of these HCPCS codes the CMS crosswalk knows (R84)."""
    found: dict[str, str] = {}
    packages = NdcCode.objects.in_force(date.today()).filter(hcpcs__in=codes)
    for row in packages.order_by("hcpcs", "ndc"):
        found.setdefault(row.hcpcs, row.ndc)
    return found


def hcpcs_of(administration: Administration) -> str:
    assert administration.drug is not None  # every dose of a regimen is a drug
    return administration.drug.hcpcs


def record_ndcs(visit: Encounter) -> None:
    """The NDC of each vial, where the CMS crosswalk knows the drug (R84)."""
    given = list(visit.administrations.select_related("drug"))
    ndcs = first_ndcs({hcpcs_of(a) for a in given})
    known = [a for a in given if hcpcs_of(a) in ndcs]
    for a in known:
        a.ndc = ndcs[hcpcs_of(a)]
    Administration.objects.bulk_update(known, ["ndc"])


def code(visit: Encounter, count: int, age: int, *, coder: Any, reopen: bool) -> bool:
    """Take the encounter as far as its age says; True when it was reopened."""
    if age < 2 or (age < 5 and count % 2 == 0):
        return False  # still waiting in the worklist
    name, diagnoses, _given = REGIMENS[count % len(REGIMENS)]
    for dx in diagnoses:
        claims.add_diagnosis(visit, code=dx, by=coder)
    derivation = Derivation.objects.get(encounter=visit)
    override(visit, derivation, name, count, coder=coder)
    if age < 5:
        return False
    try:
        visit.refresh_from_db()
        claims.finalise_claim(visit, by=coder, version=visit.version)
    except Refusal:
        return False  # held back with its errors showing: a coder must act
    if not reopen or name != "Infliximab":
        return False
    visit.refresh_from_db()
    replaced = claims.reopen_claim(
        visit,
        reason="The payer's edit asks for the K50.90 diagnosis to be confirmed.",
        by=coder,
        version=visit.version,
    ).replaces
    assert replaced is not None  # a reopened claim replaces the finalised one
    # The payer's number for the first claim, from its remittance: the
    # replacement names it (REF*F8).
    claims.record_payer_number(replaced, number=f"26{visit.pk:011d}", by=coder)
    claims.add_diagnosis(visit, code="Z79.899", by=coder)
    visit.refresh_from_db()
    claims.finalise_claim(visit, by=coder, version=visit.version)
    return True


def override(
    visit: Encounter, derivation: Derivation, name: str, count: int, *, coder: Any
) -> None:
    lines = dict(keyed(derivation.lines))
    if name == "FOLFOX" and count % 3 == 0:
        key = next((k for k, line in lines.items() if line["code"] == "96375"), None)
        if key:
            claims.add_override(
                visit,
                action=Override.Action.REMOVE,
                line_key=key,
                code="",
                units=None,
                modifiers=[],
                reason="The MAR shows dexamethasone and ondansetron in one syringe: "
                "one push, not two.",
                by=coder,
            )
    if name == "Infliximab" and count % 4 == 1:
        key = next((k for k, line in lines.items() if line["code"] == "J1745"), None)
        if key:
            # Made against an earlier derivation that billed 30 units: the
            # review page flags it as no longer fitting the engine's line.
            stale = Override.objects.create(
                encounter=visit,
                action=Override.Action.CHANGE,
                line_key=key,
                code="J1745",
                units=Decimal(30),
                modifiers=[],
                derived=lines[key] | {"units": 30},
                reason="Dose documented as 300 mg before the pharmacy correction.",
                by=coder,
            )
            # Audited as claims.add_override audits a change.
            audit(
                visit,
                "claim.override.change",
                by=coder,
                key=None,
                target=stale.code,
                before=stale.derived,
                after={"override": stale.describe(), "reason": stale.reason},
            )
