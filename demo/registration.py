"""The demo patients' registration: legal names, sex, an address and a phone,
and the coverage their encounters bill (Encounter.save takes the payer from
the primary one). Some have a secondary payer; Priya Raman is covered as her
father's child, and Daniel Okoro through his wife's plan. Names, addresses,
member IDs and phone numbers (555-01xx, kept for fiction) are invented.
"""

from dataclasses import dataclass
from datetime import date

from demo.payers import DEMO_FROM
from encounters.models import Coverage, Patient
from payers.models import Payer

STREETS = (
    "1420 W Addison St",
    "88 Maple Ave",
    "2311 N Kedzie Blvd",
    "507 Lake St",
    "19 Forest Ave",
    "3650 S Halsted St",
    "742 Chicago Ave",
)
TOWNS = (
    ("Chicago", "60613", "773"),
    ("Oak Park", "60302", "708"),
    ("Evanston", "60201", "847"),
    ("Cicero", "60804", "708"),
)


@dataclass(frozen=True)
class Subscriber:
    """The policy holder, when the patient is covered as a dependent."""

    relationship: str
    last_name: str
    first_name: str
    born: date
    sex: str


@dataclass(frozen=True)
class Person:
    sex: str
    middle_name: str = ""
    # A second payer, billed after the one of the encounters.
    secondary: str = ""
    subscriber: Subscriber | None = None


F, M = Patient.Sex.FEMALE, Patient.Sex.MALE
# The chair day's patients (demo.chair_day), by MRN.
DAY_PEOPLE: dict[str, Person] = {
    "HD-100231": Person(F, secondary="Lakeshore Mutual"),
    "HD-100877": Person(
        M,
        subscriber=Subscriber(
            Coverage.Relationship.SPOUSE, "Okoro", "Adaeze", date(1981, 6, 23), F
        ),
    ),
    "HD-101442": Person(F, middle_name="Isabel"),
    # Dual eligible: Medicare first, Medicaid pays what is left.
    "HD-102015": Person(M, secondary="Illinois Medicaid"),
    "OF-20417": Person(
        F,
        subscriber=Subscriber(
            Coverage.Relationship.CHILD, "Raman", "Vikram", date(1972, 2, 11), M
        ),
    ),
    "OF-20533": Person(M, middle_name="J"),
    "OF-19802": Person(F, secondary="Prairie Health Plan"),
    "OF-20611": Person(M, middle_name="Luis"),
    "RH-30118": Person(F),
    "RH-30240": Person(M),
}


def day_patient(mrn: str, name: str, born: date, payer: str) -> Patient:
    """A patient of the chair day (demo.chair_day), registered once."""
    return register(
        mrn, name, born, payer, DAY_PEOPLE[mrn], list(DAY_PEOPLE).index(mrn)
    )


def weeks_patient(n: int, name: str, born: date, payer: str) -> Patient:
    """The `n`th patient of the coder's weeks (demo.weeks), registered once;
    two of the Medicare patients have Medicaid too, and a few commercial
    patients are covered on a spouse's plan (their claims name both)."""
    sex = F if n % 2 == 0 else M
    spouse = None
    if payer != "Medicare" and n % 5 == 3:
        last = name.split()[-1]
        spouse = Subscriber(
            Coverage.Relationship.SPOUSE,
            last,
            "Alex",
            date(1970, 3, 14),
            M if sex == F else F,
        )
    person = Person(
        sex,
        secondary="Illinois Medicaid" if payer == "Medicare" and n % 8 == 4 else "",
        subscriber=spouse,
    )
    return register(f"DM-{n:04d}", name, born, payer, person, n)


def register(
    mrn: str, name: str, born: date, payer: str, person: Person, n: int
) -> Patient:
    """The patient under `mrn` (once), with `payer` as primary coverage from
    the demo's first day; `n` picks the address."""
    first, _, last = name.rpartition(" ")
    patient, created = Patient.objects.get_or_create(
        mrn=mrn,
        defaults={
            "first_name": first,
            "middle_name": person.middle_name,
            "last_name": last,
            "date_of_birth": born,
            "sex": person.sex,
            **address(n),
        },
    )
    if created:
        Coverage.objects.bulk_create(coverages(patient, payer, person, n))
    return patient


def address(n: int) -> dict[str, str]:
    """An invented address and phone for the `n`th demo patient."""
    town, postal_code, area = TOWNS[n % len(TOWNS)]
    return {
        "address_line1": STREETS[n % len(STREETS)],
        "city": town,
        "state": "IL",
        "postal_code": postal_code,
        "phone": f"{area}55501{n % 100:02d}",
    }


def coverages(patient: Patient, payer: str, person: Person, n: int) -> list[Coverage]:
    payers = {p.name: p for p in Payer.objects.all()}
    held = person.subscriber
    primary = Coverage(
        patient=patient,
        payer=payers[payer],
        order=Coverage.Order.PRIMARY,
        member_id=member_id(payer, n),
        group_number="" if payers[payer].kind != Payer.Kind.COMMERCIAL else "GRP-4410",
        effective_from=DEMO_FROM,
    )
    if held is not None:
        primary.relationship = held.relationship
        primary.subscriber_last_name = held.last_name
        primary.subscriber_first_name = held.first_name
        primary.subscriber_date_of_birth = held.born
        primary.subscriber_sex = held.sex
    found = [primary]
    if person.secondary:
        found.append(
            Coverage(
                patient=patient,
                payer=payers[person.secondary],
                order=Coverage.Order.SECONDARY,
                member_id=member_id(person.secondary, n + 500),
                effective_from=DEMO_FROM,
            )
        )
    for coverage in found:
        coverage.full_clean()
    return found


def member_id(payer: str, n: int) -> str:
    """An invented member ID shaped like the payer's: a Medicare beneficiary
    identifier, a Medicaid recipient number, a plan's own."""
    if payer == "Medicare":
        return f"{1 + n % 9}EG{n % 10}-TE{(n + 3) % 10}-MK{10 + n % 90}"
    if payer == "Illinois Medicaid":
        return f"{910000000 + n * 7919}"
    prefix = "".join(word[0] for word in payer.split())
    return f"{prefix}{700000 + n * 131}-01"
