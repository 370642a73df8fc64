"""What a payer sends back for our 837s, written as real X12 from the values
claims/remittance/read.py reads: an 835 remittance advice (005010X221A1), a
999 implementation acknowledgement (005010X231A1) and a 277CA claim
acknowledgement (005010X214). Each is one interchange holding one
transaction set, valid for pyx12, that read_x12 reads back to the same values.

What the values do not carry and the guides require (the payer's address and
tax ID, the claim filing indicator, the patient's name on a 277CA) is written
as a plain demo stand-in.
"""

import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from claims.exports.x12 import Segments, amount, clean, names, provider
from claims.remittance.read import (
    Adjustment,
    ClaimAcknowledgement,
    ClaimPayment,
    ClaimStatus,
    FileAcknowledgement,
    Remittance,
    ServicePayment,
)

REMITTANCE = "005010X221A1"
ACKNOWLEDGEMENT = "005010X231A1"
CLAIM_ACKNOWLEDGEMENT = "005010X214"
CLAIM = "005010X222A1"  # the 837P a 999 acknowledges (the values do not say which)
ST02 = "0001"
# Stand-ins for what the values do not carry.
PAYER_TAX_ID = "1999999999"  # TRN03/BPR10: 1 and the payer's EIN
PAYER_ADDRESS = ("PO BOX 1000", "CHICAGO", "IL", "60601")
FILING_INDICATOR = "MB"  # CLP06: Medicare Part B
ROUTING, ACCOUNT = "999999999", "0001234567"  # BPR07/13 and BPR09/15 of an ACH


def text(value: str, size: int) -> str:
    """Free text (STC12, IK404) in its own case, without the delimiters."""
    return re.sub(r"[*~:^\x00-\x1f\x7f]", " ", value).strip()[:size]


def day(value: date) -> str:
    return value.strftime("%Y%m%d")


def envelope(
    body: Segments,
    *,
    functional_id: str,
    version: str,
    sender: str,
    receiver: str,
    control_number: int,
    created: datetime,
) -> str:
    """ISA/GS around the one transaction set in `body` (ST to SE, which this
    closes with its segment count), then GE/IEA."""
    control = control_number % 1_000_000_000
    out = Segments()
    out.add(
        "ISA", "00", " " * 10, "00", " " * 10,
        "ZZ", f"{clean(sender):<15.15}", "ZZ", f"{clean(receiver):<15.15}",
        created.strftime("%y%m%d"), created.strftime("%H%M"), "^", "00501",
        f"{control:09d}", "0", "P", ":",
    )  # fmt: skip
    out.add(
        "GS", functional_id, clean(sender, 15), clean(receiver, 15),
        day(created), created.strftime("%H%M"), control, "X", version,
    )  # fmt: skip
    out.items.extend(body.items)
    out.add("SE", len(body.items) + 1, ST02)
    out.add("GE", 1, control)
    out.add("IEA", 1, f"{control:09d}")
    return "~\n".join(out.items) + "~\n"


def cas(out: Segments, adjustments: Iterable[Adjustment]) -> None:
    """One CAS per run of adjustments of one group, up to six reasons each, so
    that they read back in their order."""
    runs: list[list[Adjustment]] = []
    for adjustment in adjustments:
        if runs and runs[-1][0].group == adjustment.group and len(runs[-1]) < 6:
            runs[-1].append(adjustment)
        else:
            runs.append([adjustment])
    for run in runs:
        out.add("CAS", run[0].group, *(e for a in run for e in triple(a)))


def triple(adjustment: Adjustment) -> tuple[str, str, str]:
    quantity = adjustment.quantity
    return (
        adjustment.reason,
        amount(adjustment.amount),
        "" if quantity is None else amount(quantity),
    )


def billed(claims: Iterable[ClaimStatus]) -> str:
    return amount(sum((c.billed or Decimal(0) for c in claims), Decimal(0)))


def patient_names(name: str) -> tuple[str, str]:
    """(last, first) from "LAST, FIRST" as read, or from "First Last"."""
    if "," in name:
        last, first = name.split(",", 1)
        return clean(last), clean(first, 35)
    return names(name) if name.strip() else ("UNKNOWN", "")


def remittance_835(
    remittance: Remittance,
    *,
    sender: str,
    receiver: str,
    control_number: int,
    created: datetime,
) -> str:
    out = Segments()
    out.add("ST", "835", ST02)
    total = remittance.total_paid
    # BPR: I(nformation and payment), or H (notification only) with nothing
    # paid; an ACH names the payer's and the payee's bank accounts.
    electronic = remittance.method in ("ACH", "BOP", "FWT")
    bank = (
        ["CCP", "01", ROUTING, "DA", ACCOUNT, PAYER_TAX_ID, "", "01", ROUTING,
         "DA", ACCOUNT] if electronic else [""] * 11
    )  # fmt: skip
    out.add(
        "BPR", "I" if total else "H", amount(total), "C", remittance.method,
        *bank, day(remittance.paid_on or created.date()),
    )  # fmt: skip
    # TRN: the check or EFT number that reassociates payment and advice.
    out.add("TRN", "1", clean(remittance.trace_number, 50), PAYER_TAX_ID)
    out.add("DTM", "405", day(created))
    # 1000A, the payer: its address and technical contact are required.
    out.add("N1", "PR", clean(remittance.payer_name))
    out.add("N3", PAYER_ADDRESS[0])
    out.add("N4", *PAYER_ADDRESS[1:])
    if remittance.payer_id:
        out.add("REF", "2U", clean(remittance.payer_id, 50))
    out.add("PER", "BL", "PROVIDER SERVICES", "TE", "8005550100")
    # 1000B, the payee, by NPI (else by tax ID), at the billing address.
    payee = provider()
    npi = remittance.payee_npi
    identifier = ("XX", npi) if npi else ("FI", payee.tax_id)
    out.add("N1", "PE", clean(remittance.payee_name), *identifier)
    out.add("N3", clean(payee.address, 55))
    out.add("N4", clean(payee.city, 30), clean(payee.state, 2), payee.zip)
    # 2000: one header number for all the claims.
    out.add("LX", "1")
    for claim in remittance.claims:
        claim_segments(out, claim)
    return envelope(
        out, functional_id="HP", version=REMITTANCE, sender=sender,
        receiver=receiver, control_number=control_number, created=created,
    )  # fmt: skip


def claim_segments(out: Segments, claim: ClaimPayment) -> None:
    """Loop 2100 with its 2110 service lines."""
    responsibility = claim.patient_responsibility
    out.add(
        "CLP", claim.claim_number, claim.status, amount(claim.billed),
        amount(claim.paid), "" if responsibility is None else amount(responsibility),
        FILING_INDICATOR, claim.payer_claim_number or claim.claim_number,
    )  # fmt: skip
    cas(out, claim.adjustments)
    last, first = patient_names(claim.patient_name)
    out.add("NM1", "QC", "1", last, first)
    if claim.remarks:
        # MOA: outpatient adjudication, up to five claim remark codes.
        out.add("MOA", "", "", *claim.remarks[:5])
    # Statement dates are required when the lines do not all carry theirs.
    dates = [s.service_date for s in claim.services if s.service_date]
    if dates and len(dates) < len(claim.services):
        out.add("DTM", "232", day(min(dates)))
        out.add("DTM", "233", day(max(dates)))
    for service in claim.services:
        service_segments(out, service)


def service_segments(out: Segments, service: ServicePayment) -> None:
    """Loop 2110: SVC, DTM, CAS, REF, AMT, LQ in the guide's order."""
    procedure = ":".join(["HC", service.code, *service.modifiers[:4]])
    original = service.original_units
    out.add(
        "SVC", procedure, amount(service.billed), amount(service.paid), "",
        amount(service.units), "", "" if original is None else amount(original),
    )  # fmt: skip
    if service.service_date:
        out.add("DTM", "472", day(service.service_date))
    cas(out, service.adjustments)
    if service.line_id:
        out.add("REF", "6R", service.line_id)
    if service.allowed is not None:
        out.add("AMT", "B6", amount(service.allowed))
    for remark in service.remarks:
        out.add("LQ", "HE", remark)


# The sentences claims/remittance/read.py makes of IK3 and IK4.
ERROR = re.compile(
    r"^Segment (?P<segment>\w+) at position (?P<position>\d+)"
    r"(?:, element (?P<element>[\d.]+)(?: \(data element (?P<reference>\d+)\))?)?"
    r"(?: in loop (?P<loop>\w+))?: .*?\((?P<code>\w+)\)"
    r'(?:, value "(?P<value>.*)")?\.$'
)


def acknowledgement_999(
    acknowledgement: FileAcknowledgement,
    *,
    sender: str,
    receiver: str,
    control_number: int,
    created: datetime,
) -> str:
    out = Segments()
    out.add("ST", "999", ST02, ACKNOWLEDGEMENT)
    # AK1: the 837 group acknowledged, by its GS06.
    out.add("AK1", "HC", acknowledgement.group_control_number, CLAIM)
    for transaction in acknowledgement.transactions:
        # 2000: AK2 per transaction set, its errors (2100 IK3, 2110 IK4), IK5.
        out.add("AK2", "837", transaction.control_number, CLAIM)
        opened = None
        for error in transaction.errors:
            found = ERROR.match(error)
            if found is None:
                raise ValueError(f"Not a 999 error sentence: {error!r}")
            where = (found["segment"], found["position"])
            if found["element"] is None:
                out.add("IK3", *where, found["loop"] or "", found["code"])
                opened = where
                continue
            if opened != where:  # an element error needs its segment's IK3
                out.add("IK3", *where, "", "8")
                opened = where
            out.add(
                "IK4", found["element"].replace(".", ":"), found["reference"] or "",
                found["code"], text(found["value"] or "", 99),
            )  # fmt: skip
        # IK502 5: one or more segments in error.
        failed = transaction.status != "A" and transaction.errors
        out.add("IK5", transaction.status, "5" if failed else "")
    accepted = sum(t.status in ("A", "E") for t in acknowledgement.transactions)
    count = len(acknowledgement.transactions)
    out.add("AK9", acknowledgement.status, count, count, accepted)
    return envelope(
        out, functional_id="FA", version=ACKNOWLEDGEMENT, sender=sender,
        receiver=receiver, control_number=control_number, created=created,
    )  # fmt: skip


def claim_acknowledgement_277ca(
    acknowledgement: ClaimAcknowledgement,
    *,
    sender: str,
    receiver: str,
    control_number: int,
    created: datetime,
) -> str:
    out = Segments()
    today = day(created)
    claims = acknowledgement.claims
    # The batch is the 837's BHT03; TRN02 of 2200B is required, so a batch
    # not known is written as this file's own control number.
    batch = acknowledgement.batch or str(control_number)
    accepted = [c for c in claims if c.accepted]
    rejected = [c for c in claims if not c.accepted]
    out.add("ST", "277", ST02, CLAIM_ACKNOWLEDGEMENT)
    out.add("BHT", "0085", "08", batch, today, created.strftime("%H%M"), "TH")
    # 2000A/2100A/2200A: the payer (information source) and when it received
    # and processed the file.
    out.add("HL", 1, "", 20, 1)
    out.add("NM1", "PR", 2, clean(sender), "", "", "", "", "PI", clean(sender, 80))
    out.add("TRN", 1, control_number)
    out.add("DTP", "050", "D8", today)
    out.add("DTP", "009", "D8", today)
    # 2000B/2100B/2200B: us (information receiver) and the batch's status,
    # with how many claims and how much were accepted and rejected.
    out.add("HL", 2, 1, 21, 1)
    out.add("NM1", "41", 2, clean(receiver), "", "", "", "", "46", clean(receiver, 80))
    out.add("TRN", 2, batch)
    out.add("STC", "A1:19:PR", today, "WQ", billed(claims))
    for qualifier, some in (("90", accepted), ("AA", rejected)):
        if some:
            out.add("QTY", qualifier, len(some))
    for qualifier, some in (("YU", accepted), ("YY", rejected)):
        if some:
            out.add("AMT", qualifier, billed(some))
    # 2000C/2100C/2200C: the billing provider.
    billing = provider()
    out.add("HL", 3, 2, 19, 1)
    out.add("NM1", "85", 2, clean(billing.name), "", "", "", "", "XX", billing.npi)
    out.add("TRN", 1, batch)
    out.add("STC", "A1:19:PR", "", "WQ", billed(claims))
    # 2000D/2100D/2200D: each claim under its patient; the values carry no
    # patient, so the patient level names a stand-in.
    for hl, claim in enumerate(claims, start=4):
        out.add("HL", hl, 3, "PT")
        out.add("NM1", "QC", 1, "PATIENT", "", "", "", "", "MI", claim.claim_number)
        out.add("TRN", 2, claim.claim_number)
        status = f"{claim.category}:{claim.status_code}"
        out.add(
            "STC", status, day(claim.on or created.date()),
            "WQ" if claim.accepted else "U", amount(claim.billed or 0),
            "", "", "", "", "", "", "", text(claim.message, 264),
        )  # fmt: skip
        if claim.payer_claim_number:
            out.add("REF", "1K", clean(claim.payer_claim_number, 50))
        out.add("DTP", "472", "D8", day(claim.on or created.date()))
    return envelope(
        out, functional_id="HN", version=CLAIM_ACKNOWLEDGEMENT, sender=sender,
        receiver=receiver, control_number=control_number, created=created,
    )  # fmt: skip
