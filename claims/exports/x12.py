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
from collections.abc import Sequence
from dataclasses import dataclass
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
    """A data element without the delimiters, upper case as payers expect,
    cut to the element's maximum length (60 for names and addresses)."""
    return re.sub(r"[*~:^\n\r]", " ", str(text)).strip().upper()[:size]


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


def claim_segments(
    out: Segments, claim: Claim, hl: int, *, institutional: bool
) -> None:
    patient = claim.parties["patient"]
    payer = claim.parties["payer"]
    lines = list(claim.lines.all())
    total = claim.total_charge
    out.add("HL", hl, 1, 22, 0)
    kind = payer["kind"]
    filing = ("MA" if institutional else "MB") if kind == "medicare" else FILING[kind]
    out.add("SBR", "P", "18", "", "", "", "", "", "", filing)
    last, first = names(patient["name"])
    out.add("NM1", "IL", 1, last, first, "", "", "", "MI", clean(patient["mrn"]))
    out.add("DMG", "D8", patient["date_of_birth"].replace("-", ""), "U")
    payer_id = clean(payer["payer_id"] or f"CS{claim.payer_id:05d}")
    out.add("NM1", "PR", 2, clean(payer["name"]), "", "", "", "", "PI", payer_id)
    assert claim.date_of_service is not None  # exports take finalised claims
    day = claim.date_of_service.strftime("%Y%m%d")
    if institutional:
        # 13: hospital outpatient; A: the UB-04 type of bill qualifier.
        place = f"13:A:{claim.frequency_code}"
        out.add(
            "CLM", claim.control_number, amount(total), "", "", place, "", "A", "Y", "Y"
        )
        out.add("DTP", "434", "RD8", f"{day}-{day}")
        out.add("CL1", "", "", "01")
    else:
        # 11: office; B: the place-of-service qualifier.
        place = f"11:B:{claim.frequency_code}"
        out.add(
            "CLM",
            claim.control_number,
            amount(total),
            "",
            "",
            place,
            "Y",
            "A",
            "Y",
            "Y",
        )
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


def claims_837(
    claims: Sequence[Claim], *, institutional: bool, now: datetime, control: int
) -> str:
    """One 837 interchange holding `claims` (all of one setting)."""
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
    out.add("HL", 1, "", 20, 1)
    out.add("NM1", "85", 2, clean(p.name), "", "", "", "", "XX", p.npi)
    out.add("N3", clean(p.address))
    out.add("N4", clean(p.city), clean(p.state), p.zip)
    out.add("REF", "EI", p.tax_id)
    for n, claim in enumerate(claims, start=2):
        claim_segments(out, claim, n, institutional=institutional)
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
