"""The coder's workflows on an encounter: diagnoses, pointers, overrides,
finalising a claim and reopening it. Each runs in one transaction and writes
an audit entry with who, when, before and after."""

from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from chairside_engine.ndc import ndc11
from claims import diagnoses, scrubber
from claims.lines import MAX_POINTERS, Coding, apply_overrides, keyed
from claims.models import (
    AuthorisationUse,
    Charge,
    Claim,
    ClaimLine,
    Diagnosis,
    LinePointer,
    Override,
    PayerClaimNumber,
    PriceBook,
)
from claims.parties import parties_of
from claims.revenue import NDC_UNITS, revenue_code
from coding.models import Derivation
from coding.services import derive_encounter
from encounters.models import Administration, Encounter, Refusal
from encounters.services import audit
from payers.models import Authorisation
from providers.models import Practitioner
from reference.models import NdcCode

CODING_STATES = {Encounter.Status.READY_FOR_CODING, Encounter.Status.CODED}


def coding_of(encounter: Encounter, derivation: Derivation | None) -> Coding:
    """The claim's lines as they stand, from one derivation."""
    derived = derivation.lines if derivation is not None else []
    pointers = {p.line_key: p.ranks for p in encounter.pointers.all()}
    return apply_overrides(
        derived,
        encounter.overrides.active().select_related("by"),
        pointers,
        encounter.diagnoses.count(),
    )


def start_coding(encounter: Encounter) -> None:
    """Refuse unless the encounter is open for coding; the first change a
    coder makes moves it from ready to coded."""
    if encounter.status == Encounter.Status.FINALISED:
        raise Refusal("This claim is finalised; reopen it to change anything.")
    if encounter.status not in CODING_STATES:
        raise Refusal("The nurses have not sent this encounter to coding yet.")
    if encounter.status == Encounter.Status.READY_FOR_CODING:
        encounter.status = Encounter.Status.CODED
        encounter.save(update_fields=["status"])


@transaction.atomic
def add_diagnosis(encounter: Encounter, *, code: str, by: Any) -> Diagnosis:
    """Add a billable ICD-10-CM code after the ones already there."""
    code, description = diagnoses.describe(code)
    start_coding(encounter)
    present = list(encounter.diagnoses.all())
    if any(d.code == code for d in present):
        raise Refusal(f"{code} is already on this encounter.")
    if len(present) >= 12:
        raise Refusal("A claim carries at most 12 diagnoses.")
    diagnosis = Diagnosis.objects.create(
        encounter=encounter,
        rank=len(present) + 1,
        code=code,
        description=description,
        added_by=by,
    )
    audit(
        encounter,
        "claim.diagnosis.added",
        by=by,
        key=None,
        target=code,
        after={"code": code, "rank": diagnosis.rank, "description": description},
    )
    return diagnosis


@transaction.atomic
def remove_diagnosis(diagnosis: Diagnosis, *, by: Any) -> None:
    """Remove a diagnosis; those after it move up and pointers follow them."""
    encounter = diagnosis.encounter
    start_coding(encounter)
    removed = diagnosis.rank
    diagnosis.delete()
    # One at a time in rank order, so the (encounter, rank) constraint holds.
    for later in encounter.diagnoses.filter(rank__gt=removed).order_by("rank"):
        later.rank = F("rank") - 1
        later.save(update_fields=["rank"])
    pointers = list(encounter.pointers.all())
    for pointer in pointers:
        pointer.ranks = [r - (r > removed) for r in pointer.ranks if r != removed]
    LinePointer.objects.bulk_update(pointers, ["ranks"])
    audit(
        encounter,
        "claim.diagnosis.removed",
        by=by,
        key=None,
        target=diagnosis.code,
        before={"code": diagnosis.code, "rank": removed},
    )


@transaction.atomic
def record_ndc(administration: Administration, *, ndc: str, by: Any) -> str:
    """Record the NDC of the vial given, read from the pharmacy record after
    the visit, and re-derive; says whether the CMS crosswalk knows the package
    under the drug's code (R84)."""
    encounter = administration.encounter
    start_coding(encounter)
    drug = administration.drug
    if drug is None:
        raise Refusal("Only a drug has an NDC.")
    before = administration.ndc
    if ndc == before:
        raise Refusal("Nothing was changed.")
    administration.ndc = ndc
    administration.save(update_fields=["ndc"])
    audit(
        encounter,
        "claim.ndc.recorded",
        by=by,
        key=None,
        target=str(administration),
        before={"ndc": before},
        after={"ndc": ndc},
    )
    derive_encounter(encounter, by=by)
    digits = ndc11(ndc)
    package = (
        NdcCode.objects.in_force(encounter.date)
        .filter(hcpcs=drug.hcpcs, ndc11=digits)
        .first()
    )
    if package is None:
        return (
            f"NDC {ndc} recorded for {drug.name}; the CMS NDC-HCPCS crosswalk does "
            f"not list it under {drug.hcpcs}, so check it against the vial."
        )
    return (
        f"NDC {ndc} recorded for {drug.name}: {package.drug_name}, {package.labeler}."
    )


@transaction.atomic
def record_340b(administration: Administration, *, acquired: bool, by: Any) -> str:
    """Record whether the dose came from 340B stock, as the pharmacy record
    says, and re-derive: a hospital's separately payable drug lines carry the
    location's JG or TB only for 340B stock (R100)."""
    encounter = administration.encounter
    start_coding(encounter)
    drug = administration.drug
    if drug is None:
        raise Refusal("Only a drug can come from 340B stock.")
    before = administration.acquired_340b
    if acquired == before:
        raise Refusal("Nothing was changed.")
    if acquired and not encounter.location.stocks_340b:
        raise Refusal(
            f"{encounter.location} is not a 340B covered hospital, so its doses "
            "carry no JG or TB (R100)."
        )
    administration.acquired_340b = acquired
    administration.save(update_fields=["acquired_340b"])
    audit(
        encounter,
        "claim.340b.recorded",
        by=by,
        key=None,
        target=str(administration),
        before={"acquired_340b": before},
        after={"acquired_340b": acquired},
    )
    derive_encounter(encounter, by=by)
    if acquired:
        return f"{drug.name} recorded as 340B stock."
    return f"{drug.name} recorded as not from 340B stock: no JG or TB on its lines."


@transaction.atomic
def set_pointers(
    encounter: Encounter, *, line_key: str, ranks: list[int], by: Any
) -> LinePointer:
    start_coding(encounter)
    count = encounter.diagnoses.count()
    if not ranks:
        raise Refusal("Point the line to at least one diagnosis.")
    if len(ranks) > MAX_POINTERS:
        raise Refusal(f"A line points to at most {MAX_POINTERS} diagnoses.")
    if any(r < 1 or r > count for r in ranks) or len(set(ranks)) != len(ranks):
        raise Refusal("Point only to diagnoses listed on this encounter, once each.")
    pointer, created = LinePointer.objects.get_or_create(
        encounter=encounter, line_key=line_key, defaults={"ranks": ranks}
    )
    before = {} if created else {"ranks": pointer.ranks}
    if not created:
        pointer.ranks = ranks
        pointer.save(update_fields=["ranks"])
    audit(
        encounter,
        "claim.line.pointers_set",
        by=by,
        key=None,
        target=line_key,
        before=before,
        after={"ranks": ranks},
    )
    return pointer


@transaction.atomic
def add_override(
    encounter: Encounter,
    *,
    action: str,
    line_key: str,
    code: str,
    units: Decimal | None,
    modifiers: list[str],
    reason: str,
    by: Any,
) -> Override:
    """Record a correction of the engine's lines; the reason is required."""
    reason = reason.strip()
    if not reason:
        raise Refusal("Say why: an override needs a reason an auditor can read.")
    start_coding(encounter)
    derivation = Derivation.objects.filter(encounter=encounter).first()
    by_key = dict(keyed(derivation.lines if derivation else []))
    derived: dict[str, Any] = {}
    if action == Override.Action.ADD:
        line_key = ""
        if not code:
            raise Refusal("Enter the code of the line to add.")
    else:
        if line_key not in by_key:
            raise Refusal("That line is no longer among the engine's lines; reload.")
        derived = by_key[line_key]
        code = derived["code"]
        if (
            action == Override.Action.CHANGE
            and (units is None or Decimal(str(derived["units"])) == units)
            and modifiers == derived.get("modifiers", [])
        ):
            raise Refusal("Nothing differs from the engine's line.")
    if units is not None and units <= 0:
        raise Refusal("Units must be above zero; remove the line instead.")
    override = Override.objects.create(
        encounter=encounter,
        action=action,
        line_key=line_key,
        code=code,
        units=units,
        modifiers=modifiers,
        derived=derived,
        reason=reason,
        by=by,
    )
    audit(
        encounter,
        f"claim.override.{action}",
        by=by,
        key=None,
        target=code,
        before=derived,
        after={"override": override.describe(), "reason": reason},
    )
    return override


@transaction.atomic
def withdraw_override(override: Override, *, reason: str, by: Any) -> None:
    if override.withdrawn_at is not None:
        raise Refusal("That override was already withdrawn.")
    if not reason.strip():
        raise Refusal("Say why the override is withdrawn.")
    start_coding(override.encounter)
    override.withdrawn_at = timezone.now()
    override.withdrawn_by = by
    override.withdraw_reason = reason.strip()
    override.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
    audit(
        override.encounter,
        "claim.override.withdrawn",
        by=by,
        key=None,
        target=override.code,
        before={"override": override.describe(), "reason": override.reason},
        after={"withdrawn": reason.strip()},
    )


def blockers(derivation: Derivation, coding: Coding) -> list[str]:
    """What stops the claim from going out, in words a coder can act on."""
    found = [f"The engine cannot code it: {e['message']}" for e in derivation.errors]
    found += [
        f"Error: {f['message']}"
        for f in derivation.findings
        if f.get("severity") == "error"
    ]
    found += [f"Override no longer fits: {c.problem}" for c in coding.misfits]
    if not coding.diagnosis_count:
        found.append("Add at least one ICD-10-CM diagnosis.")
    if not coding.billed:
        found.append("There is no line to bill.")
    return found


def drug_detail(
    line_administrations: list[str],
    administrations: dict[str, Administration],
    *,
    waste: bool,
) -> dict[str, Any]:
    """NDC, and the amount in its NDC unit, for a drug line (R84, R85): the
    doses of all its administrations, or what they discarded for a JW line."""
    given = [
        a
        for ident in line_administrations
        if (a := administrations.get(ident)) is not None and a.ndc
    ]
    if not given:
        return {}
    digits = ndc11(given[0].ndc)
    unit = NDC_UNITS.get(given[0].dose_unit)
    amounts = [a.wasted_amount if waste else a.dose_amount for a in given]
    if digits is None or unit is None or None in amounts:
        return {}
    qualifier, factor = unit
    quantity = sum(amount * factor for amount in amounts if amount is not None)
    return {"ndc": digits, "ndc_quantity": quantity, "ndc_unit": qualifier}


@transaction.atomic
def finalise_claim(encounter: Encounter, *, by: Any, version: int) -> Claim:
    """Freeze the claim as it stands now: re-derive, refuse while anything
    blocks it, then store lines, diagnoses, policy and editions for good."""
    if encounter.status not in CODING_STATES:
        raise Refusal(
            f"This encounter is {encounter.get_status_display().lower()}; only one "
            "ready for coding or coded can be finalised."
        )
    encounter.claim_version(version)
    derivation = derive_encounter(encounter, by=by)
    coding = coding_of(encounter, derivation)
    problems = blockers(derivation, coding) + scrubber.gaps(encounter, coding)
    if problems:
        raise Refusal("Not finalised. " + " ".join(problems))
    claim = encounter.claims.filter(finalised_at__isnull=True).first()
    if claim is None:
        claim = Claim(encounter=encounter)
    snapshot_into(
        claim,
        encounter,
        derivation,
        encounter.diagnoses.all(),
        by=by,
        codes={line.code for line in coding.billed},
    )
    claim.save()
    administrations = {str(a.pk): a for a in encounter.administrations.all()}
    prices = Charge.objects.filter(
        code__in={line.code for line in coding.billed}
    ).book()
    ClaimLine.objects.bulk_create(
        claim_line(claim, n, line, administrations, encounter.location.setting, prices)
        for n, line in enumerate(coding.billed, start=1)
    )
    count_down(claim, encounter, coding)
    encounter.status = Encounter.Status.FINALISED
    encounter.save(update_fields=["status"])
    audit(
        encounter,
        "claim.finalised",
        by=by,
        key=None,
        target=claim.control_number,
        after={
            "version": claim.version,
            "lines": [line.text for line in coding.billed],
            "diagnoses": [d["code"] for d in claim.diagnoses],
            "policy": claim.policy_label,
        },
    )
    return claim


def snapshot_into(
    claim: Claim,
    encounter: Encounter,
    derivation: Derivation,
    diagnoses: Iterable[Diagnosis],
    *,
    by: Any,
    codes: set[str] | None = None,
) -> None:
    """What the claim says for good: the parties, diagnoses, findings, policy
    and editions as they are now (the load generator writes the same)."""
    claim.finalised_at = timezone.now()
    claim.finalised_by = by
    claim.date_of_service = encounter.date
    claim.setting = encounter.location.setting
    claim.payer = encounter.payer
    billed = codes if codes is not None else {line["code"] for line in derivation.lines}
    claim.parties = parties_of(encounter, billed)
    claim.diagnoses = [
        {"rank": d.rank, "code": d.code, "description": d.description}
        for d in diagnoses
    ]
    claim.findings = derivation.findings
    claim.policy_version = derivation.policy_version
    claim.policy_label = derivation.policy_label
    claim.engine_version = derivation.engine_version
    claim.reference_editions = derivation.result.get("engine", {}).get("reference", {})


def claim_line(
    claim: Claim,
    number: int,
    line: Any,
    administrations: dict[str, Administration],
    setting: str,
    prices: PriceBook,
) -> ClaimLine:
    day = claim.date_of_service
    assert day is not None  # snapshot_into() dated the claim
    extra = (
        drug_detail(line.administrations, administrations, waste="JW" in line.modifiers)
        if line.kind == "drug"
        else {}
    )
    return ClaimLine(
        claim=claim,
        number=number,
        kind=line.kind,
        code=line.code,
        modifiers=line.modifiers,
        units=line.units,
        date=line.date or day,
        explanation=line.explanation,
        administrations=line.administrations,
        pointers=line.pointers,
        override_reason=line.override.reason if line.override else "",
        revenue_code=revenue_code(line.code, line.kind)
        if setting == "facility"
        else "",
        charge=charge(prices, line.code, line.units, day),
        **extra,
    )


def unpriced(encounter: Encounter, coding: Coding) -> list[str]:
    """The claim's codes that have no price on its date of service."""
    codes = {line.code for line in coding.billed}
    prices = Charge.objects.filter(code__in=codes).book()
    return sorted(code for code in codes if prices.price(code, encounter.date) is None)


def charge(prices: PriceBook, code: str, units: Decimal, day: date) -> Decimal:
    """The line's charge from the price list of its date of service; 0.00
    where the code has no price yet (the review page names those codes)."""
    price = prices.price(code, day)
    if price is None:
        return Decimal("0.00")
    return (price * units).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@transaction.atomic
def reopen_claim(encounter: Encounter, *, reason: str, by: Any, version: int) -> Claim:
    """Open a new version of a finalised claim; the old one stays as it was
    and the new one will go out as its replacement (frequency code 7)."""
    reason = reason.strip()
    if not reason:
        raise Refusal("Say why the claim is reopened; the reason is required.")
    if encounter.status != Encounter.Status.FINALISED:
        raise Refusal("Only a finalised claim can be reopened.")
    encounter.claim_version(version)
    latest = encounter.claims.order_by("-version").first()
    if latest is None or not latest.is_final:
        raise Refusal("There is no finalised claim to reopen.")
    claim = Claim.objects.create(
        encounter=encounter,
        version=latest.version + 1,
        replaces=latest,
        reopen_reason=reason,
        reopened_by=by,
        reopened_at=timezone.now(),
    )
    encounter.status = Encounter.Status.CODED
    encounter.save(update_fields=["status"])
    audit(
        encounter,
        "claim.reopened",
        by=by,
        key=None,
        target=latest.control_number,
        before={"status": "finalised", "version": latest.version},
        after={"status": "coded", "version": claim.version, "reason": reason},
    )
    return claim


@transaction.atomic
def record_payer_number(claim: Claim, *, number: str, by: Any) -> PayerClaimNumber:
    """Record (or correct) the payer's own number for a finalised claim: a
    replacement of it names that number in REF*F8."""
    if not claim.is_final:
        raise Refusal("Only a finalised claim has a payer's claim number.")
    number = number.strip()
    before = getattr(claim, "payer_number", None)
    if before is not None and before.number == number:
        raise Refusal(
            f"{claim.control_number} already has the payer's number {number}."
        )
    recorded, _ = PayerClaimNumber.objects.update_or_create(
        claim=claim,
        defaults={"number": number, "recorded_by": by, "recorded_at": timezone.now()},
    )
    audit(
        claim.encounter,
        "claim.payer_number",
        by=by,
        key=None,
        target=claim.control_number,
        before={"payer_number": before.number} if before is not None else None,
        after={"payer_number": number},
    )
    return recorded


def count_down(claim: Claim, encounter: Encounter, coding: Coding) -> None:
    """Take the claim's units of the codes its prior authorisation covers, and
    one visit, from that authorisation: once per encounter, so a replacement
    takes the place of the claim it replaces instead of counting again."""
    number = claim.parties.get("authorisation")
    # What a claim this one replaces took of another authorisation, or of
    # one this claim no longer uses, is given back.
    AuthorisationUse.objects.filter(encounter=encounter).exclude(
        authorisation__number=number, authorisation__payer=encounter.payer
    ).delete()
    if not number:
        return
    authorisation = Authorisation.objects.get(
        patient=encounter.patient, payer=encounter.payer, number=number
    )
    units = sum(
        (
            line.units
            for line in coding.billed
            if authorisation.covers(line.code, encounter.date)
        ),
        Decimal(0),
    )
    AuthorisationUse.objects.update_or_create(
        authorisation=authorisation,
        encounter=encounter,
        defaults={"claim": claim, "units": units, "visits": 1},
    )


@transaction.atomic
def set_practitioners(
    encounter: Encounter, *, ordering: Practitioner, attending: Practitioner, by: Any
) -> str:
    """Name who ordered and who attended an encounter being coded."""
    if encounter.status not in CODING_STATES:
        raise Refusal("Practitioners are named while the claim is being coded.")
    before = {
        "ordering": str(encounter.ordering_practitioner or ""),
        "attending": str(encounter.attending_practitioner or ""),
    }
    encounter.ordering_practitioner = ordering
    encounter.attending_practitioner = attending
    encounter.save(update_fields=["ordering_practitioner", "attending_practitioner"])
    audit(
        encounter,
        "claim.practitioners",
        by=by,
        key=None,
        before=before,
        after={"ordering": str(ordering), "attending": str(attending)},
    )
    return f"Ordered by {ordering.name}, attended by {attending.name}."
