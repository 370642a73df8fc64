"""The demo organisation's providers: the two hospitals and the practice its
locations bill as, and three physicians who order and supervise.

Names, addresses and numbers are invented; every NPI was made with its check
digit (providers.npi.npi_check_digit) and a test checks them all, so the
demo's claims pass a payer's NPI edit.
"""

from collections.abc import Iterable

from django.db import transaction

from encounters.models import Location
from providers.models import BillingProvider, Practitioner

# Billing providers, by NPI.
LAKEVIEW = "1543219871"
RIVERSIDE = "1648290314"
PRAIRIE = "1729304562"
# Practitioners, by NPI.
VASQUEZ = "1328459064"
CHEN = "1195738426"
BROOKS = "1264805734"

BILLING_PROVIDERS: tuple[dict[str, str], ...] = (
    {
        "npi": LAKEVIEW,
        "name": "Lakeview Hospital",
        "tax_id": "362718450",
        # General acute care hospital.
        "taxonomy": "282N00000X",
        "address_line1": "1700 W Lakeview Ave",
        "city": "Chicago",
        "state": "IL",
        "postal_code": "606571812",
        "phone": "3125550100",
    },
    {
        # A disproportionate share hospital of its own, registered for 340B,
        # whose Oak Park suite is an off-campus department.
        "npi": RIVERSIDE,
        "name": "Riverside Hospital",
        "tax_id": "364410982",
        "taxonomy": "282N00000X",
        "address_line1": "400 S Oak Park Ave",
        "city": "Oak Park",
        "state": "IL",
        "postal_code": "603021245",
        "phone": "7085550140",
    },
    {
        "npi": PRAIRIE,
        "name": "Prairie Oncology & Rheumatology Clinic",
        "tax_id": "371629304",
        # Multi-specialty group practice.
        "taxonomy": "193200000X",
        "address_line1": "2250 N Prairie Ave",
        "city": "Chicago",
        "state": "IL",
        "postal_code": "606142213",
        "phone": "3125550170",
    },
)

PRACTITIONERS: tuple[dict[str, str], ...] = (
    # Hematology and oncology.
    {
        "npi": VASQUEZ,
        "last_name": "Vasquez",
        "first_name": "Elena",
        "taxonomy": "207RH0003X",
    },
    # Rheumatology.
    {
        "npi": CHEN,
        "last_name": "Chen",
        "first_name": "Marcus",
        "taxonomy": "207RR0500X",
    },
    # Internal medicine.
    {
        "npi": BROOKS,
        "last_name": "Brooks",
        "first_name": "Hannah",
        "taxonomy": "207R00000X",
    },
)

# Who orders each drug the demo gives by specialty, wherever it is given; the
# other encounters are ordered by the location's supervising physician.
ORDERED_BY = {
    "J9263": VASQUEZ,  # oxaliplatin
    "J9271": VASQUEZ,  # pembrolizumab
    "J1745": CHEN,  # infliximab
    "J2357": BROOKS,  # omalizumab
}


@transaction.atomic
def seed_providers() -> None:
    """The demo's billing providers and practitioners, made once (by NPI);
    an admin's later changes stay."""
    for spec in BILLING_PROVIDERS:
        BillingProvider.objects.get_or_create(npi=spec["npi"], defaults=spec)
    for spec in PRACTITIONERS:
        Practitioner.objects.get_or_create(npi=spec["npi"], defaults=spec)


def bind(place: Location, *, billing: str, supervisor: str) -> None:
    """Bill the location as the provider of NPI `billing`, supervised by the
    practitioner of NPI `supervisor`, unless an admin already chose."""
    changed = []
    if place.billing_provider_id is None:
        place.billing_provider = BillingProvider.objects.get(npi=billing)
        changed.append("billing_provider")
    if place.supervising_practitioner_id is None:
        place.supervising_practitioner = Practitioner.objects.get(npi=supervisor)
        changed.append("supervising_practitioner")
    if changed:
        place.save(update_fields=changed)


def ordering_practitioner(codes: Iterable[str]) -> Practitioner | None:
    """The specialist who orders the first of these drugs that has one."""
    for code in codes:
        if code in ORDERED_BY:
            return Practitioner.objects.get(npi=ORDERED_BY[code])
    return None
