"""Recording what came back: an 835's adjudications matched to our claims and
lines, a 999 to the exported file, a 277CA to each claim.

A file is one transaction: every claim, line and adjustment is recorded or
none. A file seen before (the same bytes, or the same interchange from the
same sender) adds nothing. What matches nothing is recorded too, with its raw
segments, on the unmatched list: never dropped.
"""

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from claims.models import (
    Acknowledgement,
    Adjustment,
    Claim,
    ClaimLine,
    ClaimPayment,
    ExportRecord,
    LinePayment,
    PayerClaimNumber,
    RemittanceFile,
)
from claims.remittance.expected import FeeSchedules
from claims.remittance.read import (
    ClaimAcknowledgement,
    FileAcknowledgement,
    Interchange,
    Remittance,
    ServicePayment,
    X12Refused,
    read_x12,
)
from claims.remittance.read import (
    ClaimPayment as Paid,
)

CLAIM_NUMBER = re.compile(r"^CS(\d{7})-(\d+)$")
ZERO = Decimal("0")
REVERSAL = "22"
DENIED = "4"


class ImportRefused(Exception):
    """A file that cannot be imported; the message names it and says why."""


@dataclass(frozen=True, kw_only=True)
class Imported:
    file: RemittanceFile
    already: bool = False

    def sentence(self) -> str:
        if self.already:
            return f"{self.file.file_name}: already imported; nothing added."
        return f"{self.file.file_name}: {self.file.summary}"


@dataclass
class Counts:
    matched: int = 0
    paid: int = 0
    denied: int = 0
    unmatched: int = 0
    accepted: int = 0
    rejected: int = 0


def import_x12(name: str, data: bytes, *, by: Any = None) -> Imported:
    """Record one 835, 999 or 277CA file, whole or not at all."""
    digest = hashlib.sha256(data).hexdigest()
    seen = RemittanceFile.objects.filter(sha256=digest).first()
    if seen is not None:
        return Imported(file=seen, already=True)
    try:
        interchange = read_x12(data)
    except X12Refused as error:
        raise ImportRefused(f"{name}: {error} Nothing was imported.") from error
    return record_interchange(name, digest, interchange, by=by)


def record_interchange(
    name: str, digest: str, interchange: Interchange, *, by: Any = None
) -> Imported:
    """Record a file read and validated, unless its interchange is known."""
    seen = RemittanceFile.objects.filter(
        sender=interchange.sender, control_number=interchange.control_number
    ).first()
    if seen is not None:
        return Imported(file=seen, already=True)
    with transaction.atomic():
        file = RemittanceFile.objects.create(
            kind=interchange.kind,
            file_name=name[:200],
            sender=interchange.sender,
            control_number=interchange.control_number,
            sha256=digest,
            summary="",
            imported_by=by if by is not None and by.is_authenticated else None,
        )
        file.summary = RECORDERS[interchange.kind](file, interchange, by)
        file.save(update_fields=["summary"])
    return Imported(file=file)


def claims_named(numbers: Iterable[str]) -> dict[str, Claim]:
    """Our claims by the patient control number (CLM01) the payer echoes."""
    wanted = {}
    for number in numbers:
        match = CLAIM_NUMBER.match(number.strip())
        if match:
            wanted[number] = (int(match.group(1)), int(match.group(2)))
    found = Claim.objects.filter(
        encounter_id__in={e for e, _ in wanted.values()}, finalised_at__isnull=False
    ).select_related("encounter", "payer")
    by_key = {(c.encounter_id, c.version): c for c in found}
    return {number: by_key[key] for number, key in wanted.items() if key in by_key}


def record_remittance(file: RemittanceFile, interchange: Interchange, by: Any) -> str:
    remittances = [t for t in interchange.transactions if isinstance(t, Remittance)]
    every = [(r, paid) for r in remittances for paid in r.claims]
    claims = claims_named(paid.claim_number for _, paid in every)
    lines: dict[int, list[ClaimLine]] = defaultdict(list)
    for claim_line in ClaimLine.objects.filter(
        claim__in=list(claims.values())
    ).order_by("number"):
        lines[claim_line.claim_id].append(claim_line)
    schedules = FeeSchedules(c.payer_id for c in claims.values() if c.payer_id)
    # A new adjudication ends the earlier ones' place on the worklist, those
    # of the encounter's other claim versions included (a replacement paid).
    LinePayment.objects.filter(
        claim_payment__claim__encounter_id__in={c.encounter_id for c in claims.values()}
    ).update(superseded=True)
    counts = Counts()
    made: list[tuple[ClaimPayment, Paid, Claim | None]] = []
    for sequence, (remittance, paid) in enumerate(every, start=1):
        claim = claims.get(paid.claim_number)
        made.append(
            (
                ClaimPayment(
                    file=file,
                    sequence=sequence,
                    claim=claim,
                    claim_number=paid.claim_number[:38],
                    claim_status_code=paid.status[:2],
                    status=claim_status(paid),
                    billed=paid.billed,
                    paid=paid.paid,
                    patient_responsibility=paid.patient_responsibility,
                    payer_claim_number=paid.payer_claim_number[:50],
                    payer_name=remittance.payer_name[:60],
                    trace_number=remittance.trace_number[:50],
                    paid_on=remittance.paid_on,
                    remarks=list(paid.remarks),
                    segments="~\n".join(paid.segments),
                ),
                paid,
                claim,
            )
        )
        if claim is None:
            counts.unmatched += 1
        else:
            counts.matched += 1
    ClaimPayment.objects.bulk_create([payment for payment, _, _ in made])
    # Within the file too, a later adjudication of a claim supersedes an
    # earlier one (a reversal, then its correction).
    # A reversal is current only when the file holds nothing else for the
    # claim: its correction may come before it.
    last: dict[int, int] = {}
    for payment, paid, claim in made:
        if claim is not None and (paid.status != REVERSAL or claim.pk not in last):
            last[claim.pk] = payment.pk
    line_payments: list[LinePayment] = []
    adjustments: list[tuple[LinePayment | None, ClaimPayment, Any]] = []
    for payment, paid, claim in made:
        available = list(lines[claim.pk]) if claim is not None else []
        if paid.services or payment.status != ClaimPayment.Status.DENIED:
            adjustments.extend((None, payment, a) for a in paid.adjustments)
        else:
            # Denied whole, with no service lines: one row for the worklist,
            # carrying the claim's reasons.
            whole = LinePayment(
                claim_payment=payment,
                code="",
                billed=paid.billed,
                paid=paid.paid,
                units=ZERO,
                denied=True,
                superseded=claim is None or last.get(claim.pk) != payment.pk,
                segments="",
            )
            line_payments.append(whole)
            adjustments.extend((whole, payment, a) for a in paid.adjustments)
            counts.denied += claim is not None
        for service in paid.services:
            line = matching_line(service, available, claim)
            reversal = paid.status == REVERSAL
            # Unpaid because the patient owes it (a deductible) is not a denial.
            patient_owes = any(a.group == "PR" for a in service.adjustments)
            denied = (
                not reversal
                and not patient_owes
                and service.paid == ZERO
                and service.billed > ZERO
            )
            expected = None
            note = ""
            if claim is not None and claim.payer_id and not reversal:
                found = schedules.expected(
                    payer_id=claim.payer_id,
                    code=service.code,
                    modifiers=service.modifiers,
                    # What was billed: units the payer cut are underpaid.
                    units=line.units
                    if line is not None
                    else service.original_units or service.units,
                    day=service.service_date
                    or claim.date_of_service
                    or file.imported_at.date(),
                )
                expected, note = found.amount, found.note
            tolerance = (
                claim.payer.underpayment_tolerance if claim and claim.payer else ZERO
            )
            # The payer's share and the patient's (PR) make what was allowed.
            received = service.paid + sum(
                (a.amount for a in service.adjustments if a.group == "PR"), ZERO
            )
            underpaid = (
                not denied
                and not reversal
                and expected is not None
                and expected - received > tolerance
            )
            made_line = LinePayment(
                claim_payment=payment,
                line=line,
                code=service.code[:5],
                modifiers=list(service.modifiers),
                billed=service.billed,
                paid=service.paid,
                allowed=service.allowed,
                units=service.units,
                line_control=service.line_id[:50],
                service_date=service.service_date,
                remarks=list(service.remarks),
                expected=expected,
                expected_note=note[:200],
                denied=denied,
                underpaid=underpaid,
                superseded=reversal
                or claim is None
                or last.get(claim.pk) != payment.pk,
                segments="~\n".join(service.segments),
            )
            line_payments.append(made_line)
            adjustments.extend((made_line, payment, a) for a in service.adjustments)
            if line is None and claim is not None:
                # An unmatched claim is counted once, not line by line.
                counts.unmatched += 1
            if claim is None:
                continue
            if denied:
                counts.denied += 1
            elif service.paid > ZERO:
                counts.paid += 1
    LinePayment.objects.bulk_create(line_payments)
    Adjustment.objects.bulk_create(
        Adjustment(
            claim_payment=payment,
            line=line,
            group=a.group[:2],
            reason=a.reason[:5],
            amount=a.amount,
            quantity=a.quantity,
        )
        for line, payment, a in adjustments
    )
    record_payer_numbers(
        (claim, paid.payer_claim_number)
        for _, paid, claim in made
        if claim is not None and paid.payer_claim_number
    )
    return (
        f"{counts.matched} claims matched, {counts.paid} lines paid, "
        f"{counts.denied} lines denied, {counts.unmatched} unmatched"
    )


def claim_status(paid: Paid) -> str:
    if paid.status == REVERSAL:
        return ClaimPayment.Status.REVERSED
    owed = [*paid.adjustments, *(a for s in paid.services for a in s.adjustments)]
    # Nothing paid because the patient owes it (a deductible) is processed,
    # not denied.
    patient_owes = any(a.group == "PR" for a in owed)
    if paid.status == DENIED or (
        paid.paid == ZERO and paid.billed > ZERO and not patient_owes
    ):
        return ClaimPayment.Status.DENIED
    if any(
        s.paid == ZERO
        and s.billed > ZERO
        and not any(a.group == "PR" for a in s.adjustments)
        for s in paid.services
    ):
        return ClaimPayment.Status.PARTIALLY_PAID
    return ClaimPayment.Status.PAID


def matching_line(
    service: ServicePayment, available: list[ClaimLine], claim: Claim | None
) -> ClaimLine | None:
    """The claim line an SVC answers: by its line item control number (REF*6R),
    else by code, modifiers and units; each line answered once."""
    if claim is None:
        return None
    for line in available:
        if (
            service.line_id
            and service.line_id == f"{claim.control_number}-{line.number}"
        ):
            available.remove(line)
            return line
    for units in (service.units, service.original_units):
        for line in available:
            if (
                line.code == service.code
                and sorted(line.modifiers) == sorted(service.modifiers)
                and units is not None
                and line.units == units
            ):
                available.remove(line)
                return line
    return None


def record_payer_numbers(numbers: Iterable[tuple[Claim, str]]) -> None:
    """The payer's claim control number, beside the immutable claim: a
    replacement claim names it in REF*F8. In bulk: an 835 holds thousands."""
    latest = {claim.pk: (claim, number[:50]) for claim, number in numbers}
    known = {
        kept.claim_id: kept
        for kept in PayerClaimNumber.objects.filter(claim_id__in=list(latest))
    }
    changed = []
    for pk, (_, number) in latest.items():
        if pk in known and known[pk].number != number:
            known[pk].number = number
            known[pk].recorded_by = None
            changed.append(known[pk])
    PayerClaimNumber.objects.bulk_update(changed, ["number", "recorded_by"])
    PayerClaimNumber.objects.bulk_create(
        PayerClaimNumber(claim=claim, number=number)
        for pk, (claim, number) in latest.items()
        if pk not in known
    )


def record_999(file: RemittanceFile, interchange: Interchange, by: Any) -> str:
    acknowledgements = [
        t for t in interchange.transactions if isinstance(t, FileAcknowledgement)
    ]
    exports = {
        str(e.control_number): e
        for e in ExportRecord.objects.filter(
            pk__in=[
                int(a.group_control_number)
                for a in acknowledgements
                if a.group_control_number.isdigit()
            ]
        )
    }
    counts = Counts()
    made = []
    for acknowledgement in acknowledgements:
        export = exports.get(acknowledgement.group_control_number.lstrip("0") or "0")
        accepted = acknowledgement.status in ("A", "E")
        problems = [e for t in acknowledgement.transactions for e in t.errors]
        made.append(
            Acknowledgement(
                file=file,
                export=export,
                reference=acknowledgement.group_control_number[:38],
                accepted=accepted,
                status=acknowledgement.status[:10],
                message=" ".join(problems),
            )
        )
        counts.matched += export is not None
        counts.unmatched += export is None
        counts.accepted += accepted
        counts.rejected += not accepted
    Acknowledgement.objects.bulk_create(made)
    return (
        f"{counts.matched} files acknowledged ({counts.accepted} accepted, "
        f"{counts.rejected} rejected), {counts.unmatched} unmatched"
    )


def record_277ca(file: RemittanceFile, interchange: Interchange, by: Any) -> str:
    statuses = [
        status
        for t in interchange.transactions
        if isinstance(t, ClaimAcknowledgement)
        for status in t.claims
    ]
    claims = claims_named(s.claim_number for s in statuses)
    counts = Counts()
    made = []
    for status in statuses:
        claim = claims.get(status.claim_number)
        made.append(
            Acknowledgement(
                file=file,
                claim=claim,
                reference=status.claim_number[:38],
                accepted=status.accepted,
                status=f"{status.category}:{status.status_code}"[:10],
                message=status.message,
            )
        )
        counts.matched += claim is not None
        counts.unmatched += claim is None
        counts.accepted += status.accepted
        counts.rejected += not status.accepted
    Acknowledgement.objects.bulk_create(made)
    record_payer_numbers(
        (claims[s.claim_number], s.payer_claim_number)
        for s in statuses
        if s.claim_number in claims and s.payer_claim_number
    )
    return (
        f"{counts.matched} claims matched ({counts.accepted} accepted, "
        f"{counts.rejected} rejected), {counts.unmatched} unmatched"
    )


RECORDERS: dict[str, Callable[[RemittanceFile, Interchange, Any], str]] = {
    RemittanceFile.Kind.REMITTANCE: record_remittance,
    RemittanceFile.Kind.FILE_ACKNOWLEDGEMENT: record_999,
    RemittanceFile.Kind.CLAIM_ACKNOWLEDGEMENT: record_277ca,
}
