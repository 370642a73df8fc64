"""A small chair-side world for tests: a location the nurse works at, chairs,
a patient, a payer and formulary rows read from the shared CMS extract."""

import itertools
import uuid
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from encounters.models import Chair, Encounter, IVSite, Location, Patient
from payers.models import Payer
from reference.loader import data_dir, drugs, read_rows
from reference.models import Drug

_numbers = itertools.count(1)
# What htmx adds to its requests, for the test client.
HTMX = {"HTTP_HX_REQUEST": "true"}


def formulary(*codes: str) -> dict[str, Drug]:
    """Load these codes as `load_reference_data` would, categories included."""
    rows = [r for r in read_rows(data_dir() / "hcpcs_drugs.csv") if r["code"] in codes]
    drugs(rows)
    return {d.hcpcs: d for d in Drug.objects.filter(hcpcs__in=codes)}


def location(
    *staff: User, setting: str = Location.Setting.FACILITY, name: str = ""
) -> Location:
    place = Location.objects.create(
        name=name or f"Infusion centre {next(_numbers)}", setting=setting
    )
    place.staff.add(*staff)
    for n in (1, 2, 3):
        Chair.objects.create(location=place, name=f"Chair {n}")
    return place


def encounter(
    place: Location,
    *,
    status: str = Encounter.Status.IN_CHAIR,
    day: date | None = None,
    payer: str = "Medicare",
) -> Encounter:
    n = next(_numbers)
    patient = Patient.objects.create(
        mrn=f"MRN{n:05}", name=f"Patient {n}", date_of_birth=date(1960, 1, 1)
    )
    chair = None
    if status != Encounter.Status.SCHEDULED:
        chair = place.chairs.free()[0]
    return Encounter.objects.create(
        patient=patient,
        location=place,
        chair=chair,
        payer=Payer.objects.get_or_create(
            name=payer, defaults={"kind": Payer.Kind.MEDICARE}
        )[0],
        date=day or timezone.localdate(),
        visit_number=f"V{n:06}",
        status=status,
        checked_in_at=None if chair is None else timezone.now(),
    )


def site(visit: Encounter, by: User, label: str = "right forearm") -> IVSite:
    return IVSite.objects.create(encounter=visit, label=label, created_by=by)


def at(visit: Encounter, hhmm: str) -> datetime:
    """A time on the encounter's date, in its location's zone."""
    hour, minute = map(int, hhmm.split(":"))
    return datetime.combine(visit.date, datetime.min.time(), visit.location.tz).replace(
        hour=hour, minute=minute
    )


def key() -> uuid.UUID:
    return uuid.uuid4()


def post_data(visit: Encounter, **fields: Any) -> dict[str, Any]:
    """What a tap sends: a fresh idempotency key and the version on screen."""
    visit.refresh_from_db(fields=["version"])
    return {"key": str(uuid.uuid4()), "version": visit.version, **fields}
