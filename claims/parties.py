"""Who a claim is about, from, and to, as the claim keeps them for good: the
patient, the coverages in force on the date of service (the payer billed and
any other), the billing provider of the location, the practitioners and the
prior authorisation. The exports read this snapshot, never today's records."""

from datetime import date
from typing import Any

from encounters.models import Coverage, Encounter, Patient
from payers.models import Authorisation, Payer
from providers.models import BillingProvider, Practitioner


def parties_of(encounter: Encounter, codes: set[str]) -> dict[str, Any]:
    patient, payer, location = encounter.patient, encounter.payer, encounter.location
    day = encounter.date
    coverages = list(patient.coverages_on(day))
    billed = next((c for c in coverages if c.payer_id == payer.pk), None)
    others = [c for c in coverages if c is not billed]
    authorisation = authorisation_for(encounter, codes)
    return {
        "patient": person(patient),
        "payer": payer_of(payer),
        "coverage": coverage(billed) if billed is not None else None,
        "other_coverages": [coverage(c) for c in others],
        "location": {
            "name": location.name,
            "setting": location.setting,
            "place_of_service": location.place_of_service,
            "type_of_bill": location.type_of_bill,
        },
        "billing_provider": (
            billing(location.billing_provider) if location.billing_provider else None
        ),
        "ordering": practitioner(encounter.ordering_practitioner),
        "attending": practitioner(encounter.attending_practitioner),
        "authorisation": authorisation.number if authorisation else "",
        "visit_number": encounter.visit_number,
    }


def person(patient: Patient) -> dict[str, Any]:
    return {
        "name": patient.name,
        "mrn": patient.mrn,
        "last_name": patient.last_name,
        "first_name": patient.first_name,
        "middle_name": patient.middle_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "sex": patient.sex,
        "address": {
            "line1": patient.address_line1,
            "line2": patient.address_line2,
            "city": patient.city,
            "state": patient.state,
            "postal_code": patient.postal_code,
        },
    }


def payer_of(payer: Payer) -> dict[str, Any]:
    # The row's id names a payer that has no payer ID yet (x12.payer_id).
    return {
        "pk": payer.pk,
        "name": payer.name,
        "kind": payer.kind,
        "payer_id": payer.payer_id,
    }


def coverage(covered: Coverage) -> dict[str, Any]:
    payer = covered.payer
    out: dict[str, Any] = {
        "order": covered.order,
        "payer": payer_of(payer),
        "member_id": covered.member_id,
        "group_number": covered.group_number,
        "plan_name": covered.plan_name,
        "relationship": covered.relationship,
    }
    if covered.relationship != Coverage.Relationship.SELF:
        born = covered.subscriber_date_of_birth
        out["subscriber"] = {
            "last_name": covered.subscriber_last_name,
            "first_name": covered.subscriber_first_name,
            "date_of_birth": born.isoformat() if born else "",
            "sex": covered.subscriber_sex or "U",
        }
    return out


def billing(provider: BillingProvider) -> dict[str, Any]:
    return {
        "name": provider.name,
        "npi": provider.npi,
        "tax_id": provider.tax_id,
        "taxonomy": provider.taxonomy,
        "address": provider.address_line1,
        "city": provider.city,
        "state": provider.state,
        "postal_code": provider.postal_code,
    }


def practitioner(someone: Practitioner | None) -> dict[str, Any] | None:
    if someone is None:
        return None
    return {
        "last_name": someone.last_name,
        "first_name": someone.first_name,
        "npi": someone.npi,
        "taxonomy": someone.taxonomy,
    }


def authorisation_for(encounter: Encounter, codes: set[str]) -> Authorisation | None:
    """The payer's authorisation of the patient that covers the claim's codes on
    its date, the one covering most of them."""
    found = Authorisation.objects.filter(
        patient=encounter.patient, payer=encounter.payer
    )
    day: date = encounter.date
    best = max(
        found,
        key=lambda a: sum(1 for code in codes if a.covers(code, day)),
        default=None,
    )
    if best is None or not any(best.covers(code, day) for code in codes):
        return None
    return best
