"""A realistic chair day for the demo: a hospital outpatient department, an
office and an off-campus department of a 340B hospital, their chairs, and
today's patients, some infusions still running.

The regimens are the common ones nurses see (FOLFOX, infliximab, hydration,
antiemetic pushes, an omalizumab injection, pembrolizumab); doses are typical
adult doses, the people are invented. Times are set relative to now, so the
board always shows runs in progress, one of them past its expected end.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from coding.services import derive_encounter
from demo import providers, registration
from demo.payers import authorise
from encounters.models import (
    Administration,
    Chair,
    Encounter,
    IVSite,
    Location,
    Method,
    OpeningHours,
)
from payers.models import Payer
from reference.models import Drug

HOSPITAL = "Lakeview Hospital Infusion Center"
OFFICE = "Prairie Oncology & Rheumatology Clinic"
# An excepted off-campus department of a 340B hospital (a disproportionate
# share hospital, so JG): every line carries PO (R99), and its separately
# payable drugs from 340B stock JG (R100).
OFF_CAMPUS = "Riverside Hospital Infusion Suite, Oak Park"


@dataclass(frozen=True)
class Given:
    """One administration of the day: minutes before now it started (and
    stopped, if it did), with an optional pause."""

    hcpcs: str
    method: str
    dose: str
    unit: str
    start: int
    stop: int | None = None
    site: str | None = "A"
    pause: tuple[int, int] | None = None
    expected: int | None = None
    wasted: str | None = None
    bag: str = ""
    single_dose: bool = False


@dataclass(frozen=True)
class Visit:
    place: str
    mrn: str
    name: str
    born: date
    payer: str
    status: str
    sites: tuple[tuple[str, str, str], ...] = ()
    given: tuple[Given, ...] = ()


INFUSION, PUSH, SC = Method.INFUSION, Method.PUSH, Method.SC_INJECTION
PORT = ("A", IVSite.Kind.PORT, "right chest port")
ARM = ("A", IVSite.Kind.PERIPHERAL, "left forearm")

DAY: tuple[Visit, ...] = (
    # FOLFOX cycle: antiemetic pushes, then oxaliplatin and leucovorin side by
    # side over two hours, then the 5-FU push and its 46-hour pump.
    Visit(
        HOSPITAL,
        "HD-100231",
        "Margaret Ellison",
        date(1958, 3, 14),
        "Medicare",
        Encounter.Status.IN_CHAIR,
        (PORT,),
        (
            Given("J2405", PUSH, "16", "mg", 125),
            Given("J1100", PUSH, "12", "mg", 122),
            Given(
                "J9263",
                INFUSION,
                "170",
                "mg",
                105,
                expected=120,
                single_dose=True,
                wasted="30",
                bag="1",
            ),
            Given("J0640", INFUSION, "800", "mg", 105, expected=120, bag="2"),
        ),
    ),
    # Infliximab, still running past its two hours: the board's loud marker.
    Visit(
        HOSPITAL,
        "HD-100877",
        "Daniel Okoro",
        date(1979, 11, 2),
        "Prairie Health Plan",
        Encounter.Status.IN_CHAIR,
        (ARM,),
        (
            Given("J1200", PUSH, "25", "mg", 160),
            Given("J1745", INFUSION, "400", "mg", 150, expected=120),
        ),
    ),
    # Morning hydration, finished and sent to the coders.
    Visit(
        HOSPITAL,
        "HD-101442",
        "Rosa Delgado",
        date(1966, 7, 21),
        "Illinois Medicaid",
        Encounter.Status.READY_FOR_CODING,
        (ARM,),
        (
            Given("J2405", PUSH, "8", "mg", 240),
            Given("J7030", INFUSION, "1000", "mL", 235, stop=140, expected=90),
        ),
    ),
    # Scheduled: waits on the board to be checked in.
    Visit(
        HOSPITAL,
        "HD-102015",
        "Walter Brandt",
        date(1951, 1, 9),
        "Medicare",
        Encounter.Status.SCHEDULED,
    ),
    # Office: omalizumab injection, patient observed in the chair.
    Visit(
        OFFICE,
        "OF-20417",
        "Priya Raman",
        date(2005, 5, 30),
        "Lakeshore Mutual",
        Encounter.Status.IN_CHAIR,
        (),
        (Given("J2357", SC, "300", "mg", 35, site=None),),
    ),
    # Office: dehydrated after chemotherapy: ondansetron push and fluid with a
    # pause while the line was re-taped.
    Visit(
        OFFICE,
        "OF-20533",
        "Thomas Greer",
        date(1970, 9, 12),
        "Medicare",
        Encounter.Status.IN_CHAIR,
        (ARM,),
        (
            Given("J2405", PUSH, "8", "mg", 70),
            Given("J7030", INFUSION, "1000", "mL", 65, pause=(40, 30), expected=90),
        ),
    ),
    # Office: pembrolizumab over 30 minutes this morning, documented.
    Visit(
        OFFICE,
        "OF-19802",
        "Helen Fischer",
        date(1962, 12, 4),
        "Medicare",
        Encounter.Status.DOCUMENTED,
        (ARM,),
        (Given("J9271", INFUSION, "200", "mg", 200, stop=168, expected=30),),
    ),
    Visit(
        OFFICE,
        "OF-20611",
        "Samuel Ortiz",
        date(1983, 2, 17),
        "Prairie Health Plan",
        Encounter.Status.SCHEDULED,
    ),
    # Off campus: pembrolizumab from 340B stock over 30 minutes, running.
    Visit(
        OFF_CAMPUS,
        "RH-30118",
        "Grace Whitaker",
        date(1955, 8, 19),
        "Medicare",
        Encounter.Status.IN_CHAIR,
        (PORT,),
        (Given("J9271", INFUSION, "200", "mg", 20, expected=30),),
    ),
    # Off campus: infliximab after a diphenhydramine push, finished and
    # documented this morning.
    Visit(
        OFF_CAMPUS,
        "RH-30240",
        "Arthur Pellegrini",
        date(1974, 4, 6),
        "Medicare",
        Encounter.Status.DOCUMENTED,
        (ARM,),
        (
            Given("J1200", PUSH, "25", "mg", 290),
            Given("J1745", INFUSION, "400", "mg", 280, stop=150, expected=120),
        ),
    ),
)

# A hospital's claim is the 837I's hospital outpatient bill, with no place
# of service.
HOSPITAL_BILL = {
    "place_of_service": "",
    "type_of_bill": Location.TypeOfBill.HOSPITAL_OUTPATIENT,
}

# Each demo location: its name, its facts, how many chairs, the NPIs of whom
# it bills as and of its supervising physician.
PLACES: tuple[tuple[str, dict[str, Any], int, str, str], ...] = (
    (
        HOSPITAL,
        {
            "setting": Location.Setting.FACILITY,
            "department": Location.Department.ON_CAMPUS,
            "modifier_340b": Location.Modifier340B.JG,
            **HOSPITAL_BILL,
        },
        6,
        providers.LAKEVIEW,
        providers.VASQUEZ,
    ),
    (
        OFFICE,
        {"setting": Location.Setting.OFFICE},
        4,
        providers.PRAIRIE,
        providers.CHEN,
    ),
    (
        OFF_CAMPUS,
        {
            "setting": Location.Setting.FACILITY,
            "department": Location.Department.OFF_CAMPUS_EXCEPTED,
            "covered_340b": True,
            "modifier_340b": Location.Modifier340B.JG,
            **HOSPITAL_BILL,
        },
        4,
        providers.RIVERSIDE,
        providers.BROOKS,
    ),
)

# Prior authorisations of the day's patients whose payer lists their drug:
# number, codes, units and visits approved, first and last day counted from
# today. Daniel Okoro's covers today; Priya Raman's ended last week, so the
# board warns before her omalizumab is billed; Samuel Ortiz, waiting, shows
# his at check-in.
AUTHORISED: dict[str, tuple[str, tuple[str, ...], Decimal | None, int, int, int]] = {
    "HD-100877": ("PHP-24-118230", ("J1745",), Decimal(240), 6, -56, 126),
    "OF-20417": ("LM-77120-3", ("J2357",), None, 6, -190, -8),
    "OF-20611": ("PHP-24-120544", ("J1745",), Decimal(160), 4, -14, 168),
}


def places(staff: list[Any]) -> dict[str, Location]:
    providers.seed_providers()
    found = {}
    for name, facts, chairs, billing, supervisor in PLACES:
        place, _ = Location.objects.get_or_create(
            name=name, defaults={**facts, "timezone": "America/Chicago"}
        )
        providers.bind(place, billing=billing, supervisor=supervisor)
        place.staff.add(*staff)
        for n in range(1, chairs + 1):
            Chair.objects.get_or_create(location=place, name=f"Chair {n}")
        # Open 07:30 to 18:00 on weekdays: what chair use is measured against.
        for weekday in range(5):
            OpeningHours.objects.get_or_create(
                location=place,
                weekday=weekday,
                defaults={"opens": time(7, 30), "closes": time(18, 0)},
            )
        found[name] = place
    return found


@transaction.atomic
def seed_day(*, nurse: Any, staff: list[Any], now: datetime | None = None) -> int:
    """Today's encounters at both locations (once per day); how many were made."""
    now = now or timezone.now()
    located = places(staff)
    today = timezone.localdate(now, located[HOSPITAL].tz)
    made = 0
    for n, spec in enumerate(DAY, start=1):
        number = f"D{today:%Y%m%d}-{n:02}"
        if Encounter.objects.filter(visit_number=number).exists():
            continue
        visit = encounter(spec, number, located[spec.place], today, now)
        for given in spec.given:
            administer(visit, given, nurse=nurse, now=now)
        if spec.status in {
            Encounter.Status.DOCUMENTED,
            Encounter.Status.READY_FOR_CODING,
        }:
            visit.mark_documented(at=now - timedelta(minutes=130))
        if spec.status == Encounter.Status.READY_FOR_CODING:
            visit.send_to_coding()
        derive_encounter(visit, by=nurse)
        made += 1
    return made


def encounter(
    spec: Visit, number: str, place: Location, today: date, now: datetime
) -> Encounter:
    patient = registration.day_patient(spec.mrn, spec.name, spec.born, spec.payer)
    payer = Payer.objects.get(name=spec.payer)
    if spec.mrn in AUTHORISED:
        reference, codes, units, visits, since, until = AUTHORISED[spec.mrn]
        authorise(
            patient,
            payer,
            number=reference,
            codes=codes,
            units=units,
            visits=visits,
            since=today + timedelta(days=since),
            until=today + timedelta(days=until),
        )
    visit = Encounter.objects.create(
        patient=patient,
        location=place,
        # The payer is the primary coverage's (Encounter.save).
        date=today,
        visit_number=number,
        # Attended by the location's physician (Encounter.save).
        ordering_practitioner=providers.ordering_practitioner(
            g.hcpcs for g in spec.given
        ),
    )
    if spec.status != Encounter.Status.SCHEDULED:
        chair = place.chairs.free().first()
        assert chair is not None  # PLACES has a chair for each patient of the day
        visit.check_in(chair=chair, at=now - timedelta(minutes=180))
    for _ident, kind, label in spec.sites:
        author = place.staff.first()
        assert author is not None  # places() puts the staff at every location
        IVSite.objects.create(
            encounter=visit, kind=kind, label=label, created_by=author
        )
    return visit


def administer(visit: Encounter, given: Given, *, nurse: Any, now: datetime) -> None:
    site = visit.sites.first() if given.site else None
    a = Administration.objects.create(
        encounter=visit,
        drug=Drug.objects.get(hcpcs=given.hcpcs),
        method=given.method,
        site=site,
        dose_amount=Decimal(given.dose),
        dose_unit=given.unit,
        wasted_amount=Decimal(given.wasted) if given.wasted else None,
        single_dose_container=given.single_dose,
        # As the add form would have it: 340B stock where the location has it.
        acquired_340b=visit.location.stocks_340b,
        bag=given.bag,
        expected_minutes=given.expected,
        created_by=nurse,
    )

    def ago(minutes: int) -> datetime:
        return now - timedelta(minutes=minutes)

    a.start(at=ago(given.start), by=nurse, key=uuid.uuid4())
    if given.pause:
        a.pause(at=ago(given.pause[0]), by=nurse, key=uuid.uuid4())
        a.resume(at=ago(given.pause[1]), by=nurse, key=uuid.uuid4())
    if given.stop is not None:
        a.stop(at=ago(given.stop), by=nurse, key=uuid.uuid4())
