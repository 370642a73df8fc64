"""What the demo payers sent back for part of the finalised demo claims: 835
remittance advice (most lines paid at the fee schedule, one claim with a line
denied as bundled, one underpaid) and a 277CA rejecting one claim.

The files are real X12 (demo/x12_responses.py) and are imported as a payer's
would be, through `import_x12`. The fee schedules are invented: 80% of the
demo price list for every payer.
"""

from collections.abc import Sequence
from datetime import datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from claims.models import Charge, Claim, ClaimLine, Fee
from claims.remittance.read import (
    Adjustment,
    ClaimAcknowledgement,
    ClaimPayment,
    ClaimStatus,
    Remittance,
    ServicePayment,
)
from claims.remittance.recording import Imported, import_x12
from demo.weeks import PRICES_FROM
from demo.x12_responses import claim_acknowledgement_277ca, remittance_835
from payers.models import Payer

CENT = Decimal("0.01")
ALLOWED = Decimal("0.80")  # of the demo price
# Medicare and most plans pay 80% of the allowed amount; the rest is the
# patient's coinsurance (PR-2).
PAID_SHARE = Decimal("0.80")
SENDER = "DEMOCLEARING"
RECEIVER = "CHAIRSIDE"


def seed_fees(*, by: Any) -> int:
    """Every demo payer allows 80% of the demo price of each code."""
    made = 0
    prices = Charge.objects.filter(effective=PRICES_FROM)
    for payer in Payer.objects.all():
        for price in prices:
            _, created = Fee.objects.get_or_create(
                payer=payer,
                code=price.code,
                modifier="",
                effective=PRICES_FROM,
                defaults={
                    "amount": (price.price * ALLOWED).quantize(CENT, ROUND_HALF_UP),
                    "created_by": by,
                },
            )
            made += created
    return made


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def service(
    line: ClaimLine, claim: Claim, *, deny: bool, share: Decimal
) -> ServicePayment:
    allowed = cents(line.charge * ALLOWED)
    line_id = f"{claim.control_number}-{line.number}"
    if deny:
        return ServicePayment(
            code=line.code,
            modifiers=tuple(line.modifiers),
            billed=line.charge,
            paid=Decimal("0.00"),
            units=line.units,
            original_units=None,
            service_date=line.date,
            line_id=line_id,
            allowed=Decimal("0.00"),
            adjustments=(
                Adjustment(group="CO", reason="97", amount=line.charge, quantity=None),
            ),
            remarks=("M80",),
            segments=(),
        )
    paid = cents(allowed * share)
    coinsurance = (
        cents(allowed * (1 - PAID_SHARE)) if share == PAID_SHARE else Decimal(0)
    )
    adjustments = [
        Adjustment(group="CO", reason="45", amount=line.charge - allowed, quantity=None)
    ]
    if coinsurance:
        adjustments.append(
            Adjustment(group="PR", reason="2", amount=coinsurance, quantity=None)
        )
    short = allowed - paid - coinsurance
    if short:
        adjustments.append(
            Adjustment(group="CO", reason="45", amount=short, quantity=None)
        )
    return ServicePayment(
        code=line.code,
        modifiers=tuple(line.modifiers),
        billed=line.charge,
        paid=paid,
        units=line.units,
        original_units=None,
        service_date=line.date,
        line_id=line_id,
        allowed=allowed,
        adjustments=tuple(a for a in adjustments if a.amount != 0),
        remarks=(),
        segments=(),
    )


def payment(claim: Claim, *, deny_line: int | None, share: Decimal) -> ClaimPayment:
    services = tuple(
        service(line, claim, deny=line.number == deny_line, share=share)
        for line in claim.lines.all()
        if line.charge > 0
    )
    paid = sum((s.paid for s in services), Decimal("0.00"))
    patient = sum(
        (a.amount for s in services for a in s.adjustments if a.group == "PR"),
        Decimal("0.00"),
    )
    return ClaimPayment(
        claim_number=claim.control_number,
        status="1",
        billed=sum((s.billed for s in services), Decimal("0.00")),
        paid=paid,
        patient_responsibility=patient,
        payer_claim_number=f"{claim.encounter_id:07d}{claim.version:02d}DEMO",
        patient_name=claim.encounter.patient.name,
        adjustments=(),
        remarks=(),
        services=services,
        segments=(),
    )


def seed_remittance(claims: Sequence[Claim]) -> list[Imported]:
    """An 835 per payer for these claims, one with a line denied as bundled
    and one underpaid; a 277CA rejecting the last claim."""
    if len(claims) < 5:
        return []
    paid, rejected = list(claims[:-1]), claims[-1]
    by_payer: dict[int, list[ClaimPayment]] = {}
    payers: dict[int, Payer] = {}
    # The first claim with two administration lines has its last one denied
    # as bundled; the claim after it is underpaid.
    bundled = next(
        (
            n
            for n, claim in enumerate(paid)
            if sum(line.kind == "administration" for line in claim.lines.all()) > 1
        ),
        0,
    )
    for n, claim in enumerate(paid):
        assert claim.payer is not None  # finalised claims name their payer
        administration_lines = [
            line.number for line in claim.lines.all() if line.kind == "administration"
        ]
        deny = administration_lines[-1] if n == bundled else None
        share = Decimal("0.50") if n == bundled + 1 else PAID_SHARE
        by_payer.setdefault(claim.payer.pk, []).append(
            payment(claim, deny_line=deny, share=share)
        )
        payers[claim.payer.pk] = claim.payer
    latest = max(c.date_of_service for c in claims if c.date_of_service)
    created = datetime.combine(latest, time(6, 0))
    imported = []
    for number, (pk, payments) in enumerate(sorted(by_payer.items()), start=1):
        remittance = Remittance(
            payer_name=payers[pk].name.upper(),
            payer_id=payers[pk].payer_id or f"DEMO{pk}",
            payee_name="CHAIRSIDE DEMO INFUSION",
            payee_npi="1234567893",
            method="ACH",
            total_paid=sum((p.paid for p in payments), Decimal("0.00")),
            paid_on=latest,
            trace_number=f"EFT{latest:%Y%m%d}{pk:03d}",
            claims=tuple(payments),
        )
        text = remittance_835(
            remittance,
            sender=SENDER,
            receiver=RECEIVER,
            control_number=int(f"{latest:%y%m%d}{number:03d}"),
            created=created,
        )
        imported.append(import_x12(f"demo-835-{latest}-{number}.x12", text.encode()))
    status = ClaimAcknowledgement(
        batch="",
        claims=(
            ClaimStatus(
                claim_number=rejected.control_number,
                category="A7",
                status_code="562",
                accepted=False,
                on=latest,
                message="Entity's National Provider Identifier (NPI) not on file",
                payer_claim_number="",
                billed=rejected.total_charge,
            ),
        ),
    )
    text = claim_acknowledgement_277ca(
        status,
        sender=SENDER,
        receiver=RECEIVER,
        control_number=int(f"{latest:%y%m%d}900"),
        created=created,
    )
    imported.append(import_x12(f"demo-277ca-{latest}.x12", text.encode()))
    return imported
