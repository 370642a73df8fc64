"""Patients and coverage for the registration tests."""

from datetime import date
from typing import Any

from encounters.models import Coverage, Patient
from payers.models import Payer

FROM = date(2025, 1, 1)


def payer(name: str = "Medicare", kind: str = Payer.Kind.MEDICARE) -> Payer:
    return Payer.objects.get_or_create(name=name, defaults={"kind": kind})[0]


def patient(mrn: str = "MRN-1", **facts: Any) -> Patient:
    return Patient.objects.create(
        mrn=mrn,
        **{
            "first_name": "Ada",
            "last_name": "Lovelace",
            "date_of_birth": date(1960, 12, 10),
            "sex": Patient.Sex.FEMALE,
            "address_line1": "12 Lake St",
            "city": "Chicago",
            "state": "IL",
            "postal_code": "60601",
            **facts,
        },
    )


def coverage(who: Patient, by: Payer | None = None, **facts: Any) -> Coverage:
    return Coverage.objects.create(
        patient=who,
        payer=by or payer(),
        **{"member_id": "1EG4-TE5-MK73", "effective_from": FROM, **facts},
    )


def patient_data(**changes: Any) -> dict[str, Any]:
    """What the registration form posts."""
    return {
        "mrn": "MRN-9",
        "last_name": "Hopper",
        "first_name": "Grace",
        "middle_name": "Brewster",
        "date_of_birth": "1946-12-09",
        "sex": "F",
        "address_line1": "3 Navy Way",
        "address_line2": "",
        "city": "Arlington",
        "state": "va",
        "postal_code": "22201-1234",
        "phone": "(703) 555-0142",
        **changes,
    }


def coverage_data(by: Payer, prefix: str = "", **changes: Any) -> dict[str, Any]:
    """What a coverage form posts (an edit form's fields carry its prefix)."""
    values = {
        "payer": by.pk,
        "order": "1",
        "member_id": "1EG4-TE5-MK73",
        "group_number": "",
        "plan_name": "",
        "relationship": "18",
        "subscriber_last_name": "",
        "subscriber_first_name": "",
        "subscriber_date_of_birth": "",
        "subscriber_sex": "",
        "effective_from": "2025-01-01",
        "effective_to": "",
        **changes,
    }
    return {f"{prefix}{name}": value for name, value in values.items()}
