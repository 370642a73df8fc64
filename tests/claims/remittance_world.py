"""Finalised claims and what a payer sends back for them, written as real X12
by the demo's writer (demo/x12_responses.py)."""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.models import User

from claims import services as claims
from claims.models import Claim, ClaimLine
from claims.remittance.read import (
    Adjustment,
    ClaimPayment,
    Remittance,
    ServicePayment,
)
from demo.x12_responses import remittance_835
from encounters.models import Encounter

CREATED = datetime(2026, 12, 1, 6, 0)


def finalised(visit: Encounter, coder: User) -> Claim:
    claims.add_diagnosis(visit, code="C18.9", by=coder)
    visit.refresh_from_db()
    return claims.finalise_claim(visit, by=coder, version=visit.version)


def paid_line(
    line: ClaimLine,
    claim: Claim,
    *,
    paid: str,
    adjustments: Iterable[Adjustment] = (),
    remarks: tuple[str, ...] = (),
    line_id: bool = True,
) -> ServicePayment:
    return ServicePayment(
        code=line.code,
        modifiers=tuple(line.modifiers),
        billed=line.charge,
        paid=Decimal(paid),
        units=line.units,
        original_units=None,
        service_date=line.date,
        line_id=f"{claim.control_number}-{line.number}" if line_id else "",
        allowed=None,
        adjustments=tuple(adjustments),
        remarks=remarks,
        segments=(),
    )


def adjudicated(
    claim: Claim,
    services: Iterable[ServicePayment],
    *,
    status: str = "1",
    number: str = "",
    payer_number: str = "PCN123",
) -> ClaimPayment:
    services = tuple(services)
    return ClaimPayment(
        claim_number=number or claim.control_number,
        status=status,
        billed=sum((s.billed for s in services), Decimal("0.00")),
        paid=sum((s.paid for s in services), Decimal("0.00")),
        patient_responsibility=None,
        payer_claim_number=payer_number,
        patient_name="DOE, ANN",
        adjustments=(),
        remarks=(),
        services=services,
        segments=(),
    )


def file_835(
    folder: Path,
    payments: Iterable[ClaimPayment],
    *,
    control: int = 1,
    name: str = "",
    paid_on: date = date(2026, 12, 1),
) -> Path:
    payments = tuple(payments)
    text = remittance_835(
        Remittance(
            payer_name="MEDICARE",
            payer_id="00430",
            payee_name="TEST INFUSION CENTER",
            payee_npi="1234567893",
            method="ACH",
            total_paid=sum((p.paid for p in payments), Decimal("0.00")),
            paid_on=paid_on,
            trace_number=f"EFT{control:05d}",
            claims=payments,
        ),
        sender="MEDICARE",
        receiver="CHAIRSIDE",
        control_number=control,
        created=CREATED,
    )
    path = folder / (name or f"remit-{control}.835")
    path.write_text(text)
    return path
