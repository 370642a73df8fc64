"""X12 837 claim files from finalised claims: 837P (005010X222A1, the
professional claim of a physician office) and 837I (005010X223A2, the
institutional claim of a hospital outpatient department).

One interchange per file: the billing provider once (2000A), then each claim
under its own subscriber level (2000B; the patient is the subscriber). Drug
lines carry the NDC in 2410 (LIN N4, CTP quantity and unit, R84-R85); the
837I lines carry their revenue codes (SV201).
"""

import io
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings

from claims.models import Claim, ClaimLine

PROFESSIONAL = "005010X222A1"
INSTITUTIONAL = "005010X223A2"


@dataclass(frozen=True)
class Provider:
    """Who bills and who receives the file (settings.CHAIRSIDE_BILLING_PROVIDER)."""

    name: str
    npi: str
    tax_id: str
    address: str
    city: str
    state: str
    zip: str
    contact: str
    phone: str
    submitter_id: str
    receiver_id: str
    receiver_name: str
    taxonomy: str = ""


# The demo centre: NPI 1234567893 is the check-digit-valid example number of
# the NPI standard, not a real provider.
DEMO_PROVIDER = {
    "name": "Chairside Demo Infusion Center",
    "npi": "1234567893",
    "tax_id": "123456789",
    "address": "100 Lakeview Drive",
    "city": "Chicago",
    "state": "IL",
    "zip": "606011234",
    "contact": "Billing Office",
    "phone": "3125550100",
    "submitter_id": "CHAIRSIDE",
    "receiver_id": "CLEARINGHOUSE",
    "receiver_name": "Clearinghouse",
}


def provider() -> Provider:
    return Provider(**getattr(settings, "CHAIRSIDE_BILLING_PROVIDER", DEMO_PROVIDER))


# Claim filing indicator (SBR09) by payer kind; Medicare is Part B on the
# professional claim and Part A on the institutional one.
FILING = {"medicaid": "MC", "commercial": "CI", "other": "ZZ"}


def clean(text: Any, size: int = 60) -> str:
    """A data element without the delimiters, upper case as payers expect, in
    the X12 character set (José Núñez is JOSE NUNEZ: an accented letter is
    not one), cut to the element's maximum length (60 for names and
    addresses)."""
    upper = unicodedata.normalize("NFKD", str(text).upper())
    plain = upper.encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[*~:^\x00-\x1f\x7f]", " ", plain).strip()[:size]


def amount(value: Decimal | int) -> str:
    value = Decimal(value).normalize()
    return f"{value:f}"


def names(full: str) -> tuple[str, str]:
    """(last, first) from "First Last"."""
    parts = full.split()
    if len(parts) == 1:
        return clean(parts[0]), ""
    return clean(parts[-1]), clean(" ".join(parts[:-1]), 35)


class Segments:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, *elements: Any) -> None:
        # Trailing empty elements are dropped, as the standard requires.
        values = [str(e) for e in elements]
        while values and values[-1] == "":
            values.pop()
        self.items.append("*".join(values))


def service(line: ClaimLine) -> str:
    return ":".join(["HC", line.code, *line.modifiers[:4]])


RESPONSIBILITY = {1: "P", 2: "S", 3: "T"}  # SBR01 by coverage order
SELF = "18"  # the individual relationship code of a subscriber to themself


def filing(payer: dict[str, Any], *, institutional: bool) -> str:
    if payer["kind"] == "medicare":
        return "MA" if institutional else "MB"
    return FILING[payer["kind"]]


def payer_id(payer: dict[str, Any], claim: Claim) -> str:
    # Without a payer ID, the payer's own row (the claim's, for the payer
    # billed on a claim finalised before the snapshot kept it).
    return clean(payer["payer_id"] or f"CS{payer.get('pk', claim.payer_id):05d}", 80)


def born(text: str) -> str:
    return text.replace("-", "")


def address(out: Segments, place: dict[str, Any]) -> None:
    if place.get("line1") and place.get("city"):
        out.add("N3", clean(place["line1"], 55), clean(place.get("line2", ""), 55))
        out.add("N4", clean(place["city"], 30), clean(place["state"], 2),
                place["postal_code"])  # fmt: skip


def person_names(someone: dict[str, Any]) -> tuple[str, str, str]:
    """(last, first, middle) from the snapshot's legal names, or from the one
    display name of a claim finalised before names were kept in parts."""
    if someone.get("last_name"):
        return (
            clean(someone["last_name"]),
            clean(someone.get("first_name", ""), 35),
            clean(someone.get("middle_name", ""), 25),
        )
    last, first = names(someone["name"])
    return last, first, ""


def subscriber_segments(
    out: Segments, claim: Claim, hl: int, parent: int, *, institutional: bool
) -> int:
    """2000B (and 2000C when the patient is not the subscriber), with the
    subscriber's and the payer's names; the next HL number."""
    parties = claim.parties
    patient, payer = parties["patient"], parties["payer"]
    covered = parties.get("coverage")
    relationship = covered["relationship"] if covered else SELF
    dependent = relationship != SELF
    out.add("HL", hl, parent, 22, 1 if dependent else 0)
    group = clean(covered["group_number"], 50) if covered else ""
    plan = clean(covered["plan_name"], 60) if covered and not group else ""
    out.add(
        "SBR", RESPONSIBILITY[covered["order"] if covered else 1],
        "" if dependent else SELF, group, plan, "", "", "", "",
        filing(payer, institutional=institutional),
    )  # fmt: skip
    # The member id is the payer's, from the coverage; a claim finalised before
    # coverage was registered can only say the patient's record number.
    member = covered["member_id"] if covered else patient["mrn"]
    subscriber = covered["subscriber"] if dependent and covered else patient
    last, first, middle = person_names(subscriber)
    out.add("NM1", "IL", 1, last, first, middle, "", "", "MI", clean(member, 80))
    if not dependent:
        address(out, patient.get("address", {}))
        out.add("DMG", "D8", born(patient["date_of_birth"]), patient.get("sex", "U"))
    elif subscriber.get("date_of_birth"):
        out.add("DMG", "D8", born(subscriber["date_of_birth"]), subscriber["sex"])
    out.add(
        "NM1", "PR", 2, clean(payer["name"]), "", "", "", "", "PI",
        payer_id(payer, claim),
    )  # fmt: skip
    if not dependent:
        return hl + 1
    out.add("HL", hl + 1, hl, 23, 0)
    out.add("PAT", relationship)
    last, first, middle = person_names(patient)
    out.add("NM1", "QC", 1, last, first, middle)
    address(out, patient.get("address", {}))
    out.add("DMG", "D8", born(patient["date_of_birth"]), patient.get("sex", "U"))
    return hl + 2


def practitioner_segments(
    out: Segments, parties: dict[str, Any], *, institutional: bool, billing_npi: str
) -> None:
    # 837I 2310A: the attending provider, always; 837P 2310B: the rendering
    # provider, only when it is not the billing provider (a practitioner who
    # bills under their own NPI): "if not required, do not send".
    someone = parties.get("attending")
    if not someone or (not institutional and someone["npi"] == billing_npi):
        return
    entity, role = ("71", "AT") if institutional else ("82", "PE")
    out.add(
        "NM1", entity, 1, clean(someone["last_name"]),
        clean(someone["first_name"], 35), "", "", "", "XX", someone["npi"],
    )  # fmt: skip
    out.add("PRV", role, "PXC", someone["taxonomy"])


def other_payer_segments(out: Segments, claim: Claim, *, institutional: bool) -> None:
    """2320/2330A/2330B: each other coverage in force on the date of service."""
    patient = claim.parties["patient"]
    for other in claim.parties.get("other_coverages", []):
        dependent = other["relationship"] != SELF
        group = clean(other["group_number"], 50)
        out.add(
            "SBR", RESPONSIBILITY[other["order"]], other["relationship"], group,
            "" if group else clean(other["plan_name"], 60), "", "", "", "",
            filing(other["payer"], institutional=institutional),
        )  # fmt: skip
        # Benefits assigned, release of information on file (837 2320 OI).
        out.add("OI", "", "", "Y", "", "", "Y")
        subscriber = other["subscriber"] if dependent else patient
        last, first, middle = person_names(subscriber)
        out.add(
            "NM1", "IL", 1, last, first, middle, "", "", "MI",
            clean(other["member_id"], 80),
        )  # fmt: skip
        out.add(
            "NM1", "PR", 2, clean(other["payer"]["name"]), "", "", "", "", "PI",
            payer_id(other["payer"], claim),
        )  # fmt: skip


def claim_segments(
    out: Segments,
    claim: Claim,
    hl: int,
    parent: int,
    *,
    institutional: bool,
    billing_npi: str,
) -> int:
    """One claim under its subscriber; the next HL number."""
    parties = claim.parties
    lines = list(claim.lines.all())
    total = claim.total_charge
    following = subscriber_segments(out, claim, hl, parent, institutional=institutional)
    assert claim.date_of_service is not None  # exports take finalised claims
    day = claim.date_of_service.strftime("%Y%m%d")
    place_of = parties.get("location", {})
    if institutional:
        # The UB-04 type of bill (13: hospital outpatient) with the claim's
        # frequency; A: the type of bill qualifier.
        place = f"{place_of.get('type_of_bill') or '13'}:A:{claim.frequency_code}"
        out.add(
            "CLM", claim.control_number, amount(total), "", "", place, "", "A", "Y", "Y"
        )
        out.add("DTP", "434", "RD8", f"{day}-{day}")
        out.add("CL1", "", "", "01")
    else:
        # The place of service (11: office); B: its qualifier.
        place = f"{place_of.get('place_of_service') or '11'}:B:{claim.frequency_code}"
        out.add(
            "CLM", claim.control_number, amount(total), "", "", place,
            "Y", "A", "Y", "Y",
        )  # fmt: skip
    if parties.get("authorisation"):
        out.add("REF", "G1", clean(parties["authorisation"], 50))
    original = claim.replaces
    if original is not None and hasattr(original, "payer_number"):
        # A replacement (frequency 7) names the claim it replaces by the
        # payer's own number for it; the scrubber refuses one without it.
        out.add("REF", "F8", clean(original.payer_number.number, 50))
    codes = [d["code"].replace(".", "") for d in claim.diagnoses]
    if institutional:
        out.add("HI", f"ABK:{codes[0]}")
        if codes[1:]:
            out.add("HI", *(f"ABF:{c}" for c in codes[1:12]))
    else:
        out.add("HI", f"ABK:{codes[0]}", *(f"ABF:{c}" for c in codes[1:12]))
    practitioner_segments(
        out, parties, institutional=institutional, billing_npi=billing_npi
    )
    other_payer_segments(out, claim, institutional=institutional)
    for line in lines:
        out.add("LX", line.number)
        units = amount(line.units)
        if institutional:
            out.add(
                "SV2",
                line.revenue_code,
                service(line),
                amount(line.charge),
                "UN",
                units,
            )
        else:
            pointers = ":".join(str(p) for p in line.pointers[:4]) or "1"
            out.add(
                "SV1", service(line), amount(line.charge), "UN", units, "", "", pointers
            )
        out.add("DTP", "472", "D8", line.date.strftime("%Y%m%d"))
        out.add("REF", "6R", line.line_id)
        if line.ndc and line.ndc_quantity is not None:
            out.add("LIN", "", "N4", line.ndc)
            out.add("CTP", "", "", "", amount(line.ndc_quantity), line.ndc_unit)
    return following


def billing_of(claim: Claim, fallback: Provider) -> Provider:
    """The billing provider the claim was finalised under (its location's),
    or the organisation's for a claim finalised before locations had one."""
    billed = claim.parties.get("billing_provider")
    if not billed:
        return fallback
    return replace(
        fallback,
        name=billed["name"],
        npi=billed["npi"],
        tax_id=billed["tax_id"],
        taxonomy=billed["taxonomy"],
        address=billed["address"],
        city=billed["city"],
        state=billed["state"],
        zip=billed["postal_code"],
    )


def claims_837(
    claims: Sequence[Claim], *, institutional: bool, now: datetime, control: int
) -> str:
    """One 837 interchange holding `claims` (all of one setting), grouped under
    their billing providers (2000A)."""
    p = provider()
    version = INSTITUTIONAL if institutional else PROFESSIONAL
    control = control % 1_000_000_000
    out = Segments()
    out.add(
        "ISA", "00", " " * 10, "00", " " * 10,
        "ZZ", f"{clean(p.submitter_id):<15.15}", "ZZ", f"{clean(p.receiver_id):<15.15}",
        now.strftime("%y%m%d"), now.strftime("%H%M"), "^", "00501",
        f"{control:09d}", "0", "P", ":",
    )  # fmt: skip
    out.add(
        "GS", "HC", clean(p.submitter_id), clean(p.receiver_id),
        now.strftime("%Y%m%d"), now.strftime("%H%M"), control, "X", version,
    )  # fmt: skip
    start = len(out.items)
    out.add("ST", "837", "0001", version)
    out.add(
        "BHT",
        "0019",
        "00",
        f"{control}",
        now.strftime("%Y%m%d"),
        now.strftime("%H%M"),
        "CH",
    )
    out.add("NM1", "41", 2, clean(p.name), "", "", "", "", "46", clean(p.submitter_id))
    out.add("PER", "IC", clean(p.contact), "TE", p.phone)
    out.add(
        "NM1",
        "40",
        2,
        clean(p.receiver_name),
        "",
        "",
        "",
        "",
        "46",
        clean(p.receiver_id),
    )
    groups: dict[Provider, list[Claim]] = {}
    for claim in claims:
        groups.setdefault(billing_of(claim, p), []).append(claim)
    hl = 1
    for billing, grouped in groups.items():
        parent = hl
        out.add("HL", parent, "", 20, 1)
        if billing.taxonomy:
            out.add("PRV", "BI", "PXC", billing.taxonomy)
        out.add("NM1", "85", 2, clean(billing.name), "", "", "", "", "XX", billing.npi)
        out.add("N3", clean(billing.address, 55))
        out.add("N4", clean(billing.city, 30), clean(billing.state, 2), billing.zip)
        out.add("REF", "EI", billing.tax_id)
        hl += 1
        for claim in grouped:
            hl = claim_segments(
                out,
                claim,
                hl,
                parent,
                institutional=institutional,
                billing_npi=billing.npi,
            )
    out.add("SE", len(out.items) - start + 1, "0001")
    out.add("GE", 1, control)
    out.add("IEA", 1, f"{control:09d}")
    return "~\n".join(out.items) + "~\n"


def validate(text: str) -> list[str]:
    """pyx12's findings on an X12 file: empty when the file is valid."""
    import logging

    import pyx12.params
    import pyx12.x12n_document

    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    errors = io.StringIO()
    valid = pyx12.x12n_document.x12n_document(
        pyx12.params.params(), io.StringIO(text), None, None, fd_json=errors
    )
    found = list(collect(parse_json(errors.getvalue())))
    if not valid and not found:
        found.append("pyx12 rejected the file.")
    return found


def parse_json(raw: str) -> Any:
    try:
        return json.loads(raw) if raw.strip() else {}
    except ValueError:
        return {"errors": [line for line in raw.splitlines() if line.strip()]}


def collect(node: Any, where: str = "") -> Any:
    """Every error pyx12 reported, at any level of its report."""
    if isinstance(node, dict):
        here = node.get("seg_id") or node.get("id") or where
        for error in node.get("errors") or []:
            text = error.get("err_str", error) if isinstance(error, dict) else error
            yield f"{here}: {text}" if here else str(text)
        for key, value in node.items():
            if key != "errors":
                yield from collect(value, str(here))
    elif isinstance(node, list):
        for item in node:
            yield from collect(item, where)
