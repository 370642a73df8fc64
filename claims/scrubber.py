"""The claim scrubber: before Finalise, what the 837 implementation guides
require and what Chairside knows a payer needs. Each gap is one sentence that
names the field to fix; any gap blocks Finalise, and all are said at once."""

from decimal import Decimal

from claims.lines import Coding
from encounters.models import Coverage, Encounter
from payers.models import Authorisation, AuthorisationRequirement
from providers.npi import npi_problem


def gaps(encounter: Encounter, coding: Coding | None = None) -> list[str]:
    found: list[str] = []
    found += _coverage(encounter)
    found += _providers(encounter)
    found += _patient(encounter)
    if coding is not None:
        found += _authorisations(encounter, coding)
    found += _replacement(encounter)
    return found


def _coverage(encounter: Encounter) -> list[str]:
    # The subscriber loop (2010BA) carries the payer's member id: a claim needs
    # the coverage of the payer billed, in force on the date of service.
    coverages = list(encounter.patient.coverages_on(encounter.date))
    if not coverages:
        return [
            f"{encounter.patient.name} has no coverage in force on "
            f"{encounter.date:%Y-%m-%d} (Patients: Coverage)."
        ]
    found = []
    primary = coverages[0]
    if primary.order != Coverage.Order.PRIMARY:
        # SBR01 would say S or T with no primary payer to name in 2320.
        found.append(
            f"{primary.payer.name} is {encounter.patient.name}'s "
            f"{primary.get_order_display().lower()} coverage, but no primary "
            f"coverage is in force on {encounter.date:%Y-%m-%d} (Patients: "
            "Coverage: register the primary, or make this one primary)."
        )
    elif primary.payer_id != encounter.payer_id:
        found.append(
            f"The encounter is billed to {encounter.payer.name}, but the primary "
            f"coverage on its date is {primary.payer.name} (Encounter: payer, or "
            "Patients: Coverage)."
        )
    if not any(c.payer_id == encounter.payer_id for c in coverages):
        found.append(
            f"{encounter.patient.name} has no {encounter.payer.name} coverage on "
            f"{encounter.date:%Y-%m-%d}: no member id to send (Patients: Coverage)."
        )
    return found


def _providers(encounter: Encounter) -> list[str]:
    found = []
    location = encounter.location
    billing = location.billing_provider
    if billing is None:
        found.append(
            f"{location.name} bills as no billing provider (Locations: billing "
            "provider)."
        )
    else:
        if problem := npi_problem(billing.npi):
            found.append(f"Billing provider {billing.name}: {problem}")
        if len(billing.postal_code) != 9:
            # 837 2010AA N403: the billing provider's ZIP code has nine digits.
            found.append(
                f"Billing provider {billing.name}: an 837 needs its ZIP code with "
                "all nine digits, ZIP+4 (Providers: billing provider ZIP code)."
            )
    attending = encounter.attending_practitioner
    role = "attending" if location.setting == "facility" else "rendering"
    if attending is None:
        found.append(
            f"Name the {role} practitioner (Encounter: attending practitioner, or "
            "the location's supervising practitioner)."
        )
    elif problem := npi_problem(attending.npi):
        found.append(f"The {role} practitioner {attending.name}: {problem}")
    return found


def _patient(encounter: Encounter) -> list[str]:
    patient = encounter.patient
    if patient.address_line1 and patient.city and patient.postal_code:
        return []
    return [
        f"Add {patient.name}'s address (Patients: address): the claim names "
        "where the patient lives."
    ]


def _authorisations(encounter: Encounter, coding: Coding) -> list[str]:
    """A code on the payer's list needs an authorisation in force on the date
    of service, and the units of every code one authorisation covers, with a
    visit, must fit in what it has left."""
    required = set(
        AuthorisationRequirement.objects.filter(payer=encounter.payer).values_list(
            "code", flat=True
        )
    )
    billed: dict[str, Decimal] = {}
    for line in coding.billed:
        if line.code in required:
            billed[line.code] = billed.get(line.code, Decimal(0)) + line.units
    if not billed:
        return []
    held = list(
        Authorisation.objects.filter(patient=encounter.patient, payer=encounter.payer)
    )
    found = []
    # Each authorisation with the codes it is drawn on for, and their units.
    drawn: dict[int, tuple[Authorisation, list[str]]] = {}
    for code in billed:
        covering = [a for a in held if a.covers(code, encounter.date)]
        if not covering:
            expired = [a for a in held if code in a.codes]
            why = (
                f"{expired[0].number} does not cover {encounter.date:%Y-%m-%d}"
                if expired
                else "none is recorded"
            )
            found.append(
                f"{code} needs {encounter.payer.name}'s prior authorisation and "
                f"{why} (Patients: Authorisations)."
            )
            continue
        chosen = covering[0]
        drawn.setdefault(chosen.pk, (chosen, []))[1].append(code)
    for authorisation, codes in drawn.values():
        units = sum((billed[code] for code in codes), Decimal(0))
        left = authorisation.left_for(encounter)
        if (left.units is not None and left.units < units) or (
            left.visits is not None and left.visits < 1
        ):
            asked = " and ".join(f"{c} × {billed[c].normalize():f}" for c in codes)
            found.append(
                f"Authorisation {authorisation.number} has {left.describe()}, "
                f"not enough for {asked} (Patients: Authorisations)."
            )
    return found


def _replacement(encounter: Encounter) -> list[str]:
    # A replacement (frequency 7) names the claim it replaces by the payer's
    # own number for it (REF*F8, 837 2300); without it the payer cannot match.
    opened = encounter.claims.filter(
        finalised_at__isnull=True, replaces__isnull=False
    ).select_related("replaces__payer_number")
    return [
        f"Record the payer's claim number of {claim.replaces.control_number} "
        "(Claims, below): its replacement names it."
        for claim in opened
        if claim.replaces is not None and not hasattr(claim.replaces, "payer_number")
    ]
