"""A small chair-side world for tests: a location the nurse works at, chairs,
a patient, a payer and formulary rows read from the shared CMS extract."""

import itertools
import uuid
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from encounters.models import Chair, Coverage, Encounter, IVSite, Location, Patient
from payers.models import Payer
from providers.models import BillingProvider, Practitioner
from reference.loader import data_dir, read_rows, upsert_drugs
from reference.models import Drug

_numbers = itertools.count(1)
# What htmx adds to its requests, for the test client.
HTMX = {"HTTP_HX_REQUEST": "true"}


def formulary(*codes: str) -> dict[str, Drug]:
    """Load these codes as `load_reference_data` would, categories included."""
    rows = [r for r in read_rows(data_dir() / "hcpcs_drugs.csv") if r["code"] in codes]
    upsert_drugs(rows)
    return {d.hcpcs: d for d in Drug.objects.filter(hcpcs__in=codes)}


def location(
    *staff: User,
    setting: str = Location.Setting.FACILITY,
    name: str = "",
    supervised: bool = True,
) -> Location:
    # A hospital bills on type of bill 13x, an office with place of service 11.
    bill = (
        {
            "place_of_service": "",
            "type_of_bill": Location.TypeOfBill.HOSPITAL_OUTPATIENT,
        }
        if setting == Location.Setting.FACILITY
        else {}
    )
    # Every location bills as a provider and has a supervising practitioner,
    # with check-digit-valid NPIs: what a claim needs (claims.scrubber).
    billing, _ = BillingProvider.objects.get_or_create(
        npi="1234567893",
        defaults={
            "name": "Test Infusion Center",
            "tax_id": "361234567",
            "taxonomy": "261QM1300X",
            "address_line1": "1 Test Way",
            "city": "Chicago",
            "state": "IL",
            "postal_code": "606011234",
        },
    )
    supervisor, _ = Practitioner.objects.get_or_create(
        npi="1003000126",
        defaults={
            "last_name": "Osler",
            "first_name": "William",
            "taxonomy": "207RH0003X",
        },
    )
    place = Location.objects.create(
        name=name or f"Infusion centre {next(_numbers)}",
        setting=setting,
        billing_provider=billing,
        supervising_practitioner=supervisor if supervised else None,
        **bill,
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
    covered: bool = True,
) -> Encounter:
    n = next(_numbers)
    patient = Patient.objects.create(
        mrn=f"MRN{n:05}",
        name=f"Patient {n}",
        date_of_birth=date(1960, 1, 1),
        sex=Patient.Sex.FEMALE,
        address_line1=f"{n} Lake Street",
        city="Chicago",
        state="IL",
        postal_code="60601",
    )
    billed = Payer.objects.get_or_create(
        name=payer, defaults={"kind": Payer.Kind.MEDICARE}
    )[0]
    if covered:
        Coverage.objects.create(
            patient=patient,
            payer=billed,
            member_id=f"M{n:08}",
            effective_from=date(2020, 1, 1),
        )
    chair = None
    if status != Encounter.Status.SCHEDULED:
        chair = place.chairs.free()[0]
    return Encounter.objects.create(
        patient=patient,
        location=place,
        chair=chair,
        payer=billed,
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
