"""The contract document of an encounter, built from the chair-side records.

The engine reads only this document (../shared/contract/README.md), so
everything the engine must know about a timeline is decided here, once.
"""

import copy
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chairside_engine.result import number
from chairside_engine.tables import Reference, packaged
from reference.in_force import Editions, in_force_on

if TYPE_CHECKING:
    from encounters.models import Administration, Encounter, IVSite, Location
    from payers.models import PolicyVersion

# The contract's unit spellings; the CMS file writes millilitres as "ml".
CONTRACT_UNITS = {"ml": "mL", "meq": "mEq", "unit": "units"}


@dataclass
class Built:
    """A document with what the app knows that the contract cannot say."""

    document: dict[str, Any]
    policy_version: "PolicyVersion | None"
    findings: list[dict[str, Any]] = field(default_factory=list)
    # The CMS editions in force on the date of service.
    reference: Reference = field(default_factory=packaged)


def unit(name: str) -> str:
    return CONTRACT_UNITS.get(name.lower(), name)


def minute(moment: datetime, zone: Any) -> datetime:
    """Clock time to the minute in the location's zone: durations come from
    whole clock minutes (R28)."""
    return moment.astimezone(zone).replace(second=0, microsecond=0)


def clock_times(administration: "Administration", zone: Any) -> tuple[str, str | None]:
    """Start and stop as the contract takes them (a stop only once stopped)."""
    run = administration.run
    assert run.started_at is not None
    start = minute(run.started_at, zone)
    if run.stopped_at is None:
        return start.isoformat(timespec="minutes"), None
    return start.isoformat(timespec="minutes"), minute(run.stopped_at, zone).isoformat(
        timespec="minutes"
    )


def running_pieces(
    administration: "Administration", zone: Any
) -> list[tuple[str, str]]:
    """The stretches a stopped, paused-and-resumed infusion actually ran.

    The contract has no pauses. R38: a paused bag is one run counting only the
    minutes it infused, which the contract says as one `bag` in several pieces:
    the engine joins them into one service and the explanation shows the real
    clock times, gaps included.
    """
    run = administration.run
    assert run.stopped_at is not None
    return [
        (
            minute(a, zone).isoformat(timespec="minutes"),
            minute(b, zone).isoformat(timespec="minutes"),
        )
        for a, b in run.stretches(run.stopped_at)
        if minute(b, zone) > minute(a, zone)
    ]


PIECE = "/"  # "12/2": the second running piece of administration 12


def app_ids(result: dict[str, Any]) -> dict[str, Any]:
    """The engine's result with every piece of a paused run named by its
    administration again, so lines and findings point at the app's records."""

    def own(ids: list[str]) -> list[str]:
        return list(dict.fromkeys(i.split(PIECE)[0] for i in ids))

    for key in ("lines", "findings"):
        for item in result.get(key, []):
            item["administrations"] = own(item.get("administrations", []))
    return result


def policy_in_force(encounter: "Encounter") -> "PolicyVersion | None":
    from payers.models import PolicyVersion

    return PolicyVersion.objects.select_related("payer").in_force(
        encounter.payer, encounter.date
    )


# A published version never changes (editing starts a new draft), so its
# policy document is read once per process, not on every tap. Keyed by the
# publication too: a row number can come back after a database is emptied
# (tests flush with their sequences reset), a publication time does not.
_published_policies: dict[tuple[int, Any], dict[str, Any]] = {}


def policy_of(version: "PolicyVersion | None") -> dict[str, Any]:
    if version is None:
        return {}
    if version.status != version.Status.PUBLISHED:
        return version.policy_document()
    key = (version.pk, version.published_at)
    if key not in _published_policies:
        _published_policies[key] = version.policy_document()
    # A copy: the cached document must not change through a caller.
    return copy.deepcopy(_published_policies[key])


def drug_of(
    administration: "Administration",
    overrides: dict[str, Any],
    *,
    facility: bool = False,
    units: dict[str, tuple[Decimal, str]] | None = None,
) -> dict[str, Any] | None:
    """The contract's drug, or None when nobody has reviewed its category.
    Its billing unit is the one of the HCPCS edition in force (`units`), else
    the formulary's. 340B stock is said only on a hospital's document: the
    office setting ignores it with a finding (R100)."""
    drug = administration.drug
    assert drug is not None
    name = drug.name
    override = overrides.get(drug.hcpcs) or overrides.get(name.lower()) or {}
    # A payer's reviewed override stands in for a missing formulary category.
    category = drug.category or override.get("category")
    if not category:
        return None
    out: dict[str, Any] = {"name": name, "category": category, "hcpcs": drug.hcpcs}
    amount, per = (units or {}).get(
        drug.hcpcs, (drug.billing_unit_amount, drug.billing_unit)
    )
    if amount and per:
        out["billing_unit"] = {"amount": number(amount), "unit": unit(per)}
    if administration.ndc:
        out["ndc"] = administration.ndc
    if administration.single_dose_container:
        out["single_dose_container"] = True
    if facility and administration.acquired_340b:
        out["acquired_340b"] = True
    return out


def administration_document(
    administration: "Administration",
    zone: Any,
    overrides: dict[str, Any],
    *,
    facility: bool = False,
    units: dict[str, tuple[Decimal, str]] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The contract administrations (one, or a paused run's pieces) and the
    app's finding about it; `facility` for a hospital's document."""
    a = administration
    ids = [str(a.pk)]
    if a.started_at is None:
        return [], {
            "severity": "info",
            "code": "chairside.not_started",
            "administrations": ids,
            "message": f"{a.drug_name} has not been started; it is not coded.",
        }
    out: dict[str, Any] = {"id": str(a.pk), "method": a.method}
    if a.drug is not None:
        drug = drug_of(a, overrides, facility=facility, units=units)
        if drug is None:
            return [], {
                "severity": "error",
                "code": "chairside.drug_needs_review",
                "administrations": ids,
                "message": f"{a.drug.hcpcs} {a.drug.name} has no reviewed "
                "drug category, so it is left out of the codes. A coder must set "
                "its category (formulary or payer policy) before the claim goes out.",
            }
        out["drug"] = drug
    if a.site_id is not None:
        out["site"] = str(a.site_id)
    out["start"], stop = clock_times(a, zone)
    if a.is_timed:
        out["stop"] = stop
    if a.dose_amount is not None and a.dose_unit:
        out["dose"] = {"amount": number(a.dose_amount), "unit": a.dose_unit}
        if a.wasted_amount is not None:
            out["wasted"] = {"amount": number(a.wasted_amount), "unit": a.dose_unit}
    if a.bag:
        out["bag"] = a.bag
    if a.rate is not None:
        out["rate"] = {"amount": number(a.rate), "unit": "mL/h"}
    if a.volume_infused is not None:
        out["volume_infused"] = {"amount": number(a.volume_infused), "unit": "mL"}
    for flag in ("kvo", "continuous_presence", "primary_reason", "discontinued"):
        if getattr(a, flag):
            out[flag] = True
    if not (a.is_timed and a.run.pauses and a.run.stopped_at is not None):
        return [out], None
    pieces = running_pieces(a, zone)
    out["bag"] = out.get("bag", f"run-{a.pk}")
    documents = []
    for n, (start, stop) in enumerate(pieces, start=1):
        piece = out | {"start": start, "stop": stop}
        if n > 1:
            # The dose was given once: it stays on the first piece.
            piece["id"] = f"{a.pk}{PIECE}{n}"
            piece.pop("dose", None)
            piece.pop("wasted", None)
        documents.append(piece)
    return documents, None


def site_document(site: "IVSite") -> dict[str, Any]:
    out = {"id": str(site.pk), "label": str(site)}
    if site.separate_access_reason:
        out["separate_access_reason"] = site.separate_access_reason
    return out


def build_document(
    encounter: "Encounter",
    administrations: Sequence["Administration"] | None = None,
    sites: Iterable["IVSite"] | None = None,
    *,
    in_force: Callable[["Encounter"], "PolicyVersion | None"] = policy_in_force,
    editions: Editions | None = None,
) -> Built:
    """The document, the policy version and the CMS editions in force, from
    records the caller may already hold (a page has them loaded; otherwise
    they are fetched); a caller building many documents may look the versions
    up its own way and share one `Editions`."""
    if administrations is None:
        administrations = list(
            encounter.administrations.select_related("drug", "site").order_by("pk")
        )
    if sites is None:
        sites = {a.site for a in administrations if a.site is not None}
    location = encounter.location
    zone = location.tz
    facility = location.setting == location.Setting.FACILITY
    version = in_force(encounter)
    policy = policy_of(version)
    overrides = policy.get("drug_overrides", {})
    medicaid = is_medicaid(encounter.payer)
    tables = (
        in_force_on(encounter.date, medicaid=medicaid)
        if editions is None
        else editions.in_force(encounter.date, medicaid=medicaid)
    )
    units = tables.billing_units
    documents, findings = [], []
    for administration in administrations:
        pieces, finding = administration_document(
            administration, zone, overrides, facility=facility, units=units
        )
        documents.extend(pieces)
        if finding is not None:
            findings.append(finding)
    used = {d.get("site") for d in documents}
    document = {
        "setting": location.setting,
        "timezone": location.timezone,
        "date_of_service": encounter.date.isoformat(),
        "payer": encounter.payer.name,
        "policy": policy,
        "sites": [
            site_document(s)
            for s in sorted(sites, key=lambda s: s.pk)
            if str(s.pk) in used
        ],
        "administrations": documents,
    }
    if facility:
        document |= hospital_facts(location)
    findings.extend(
        {
            "severity": "warning",
            "code": "chairside.medicaid_edits_not_loaded",
            "administrations": [],
            "message": note,
        }
        for note in tables.notes()
    )
    return Built(document, version, findings, tables.reference)


def is_medicaid(payer: Any) -> bool:
    from payers.models import Payer

    return bool(payer.kind == Payer.Kind.MEDICAID)


def reference_for(document: Any) -> Reference:
    """The editions in force for a document sent to a door as JSON: by its
    date of service, Medicaid's NCCI tables for a payer marked Medicaid. A
    document without a readable date gets the shipped editions; the engine
    then says what is wrong with it."""
    from payers.models import Payer

    if not isinstance(document, dict):
        return packaged()
    try:
        day = date.fromisoformat(str(document.get("date_of_service")))
    except ValueError:
        return packaged()
    payer = document.get("payer")
    medicaid = isinstance(payer, str) and (
        payer.strip().lower() == Payer.Kind.MEDICAID
        or Payer.objects.filter(
            name__iexact=payer.strip(), kind=Payer.Kind.MEDICAID
        ).exists()
    )
    return in_force_on(day, medicaid=medicaid).reference


def hospital_facts(location: "Location") -> dict[str, Any]:
    """What a hospital's claim needs to know of the location: an off-campus
    department's status (R99) and a covered entity's 340B modifier (R100).
    The contract's defaults (on campus, no 340B stock) are left unsaid, so an
    on-campus hospital without 340B stock sends the document it always sent."""
    out: dict[str, Any] = {}
    if location.department and location.department != location.Department.ON_CAMPUS:
        out["department"] = str(location.department)
    if location.covered_340b and location.modifier_340b:
        out["modifier_340b"] = str(location.modifier_340b)
    return out


def encounter_document(encounter: "Encounter") -> dict[str, Any]:
    """The contract document of `encounter` under the policy in force."""
    return build_document(encounter).document
