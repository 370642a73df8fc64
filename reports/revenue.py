"""Charges, what the payers were expected to pay, what they paid and what
they denied, by payer; and the denials by reason, from the remittances."""

from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from claims.models import Adjustment, Claim, ClaimLine, ClaimQuerySet, LinePayment
from claims.remittance.codes import carc
from encounters.models import EncounterQuerySet
from payers.models import Payer
from reports.charts import Chart
from reports.report import Filters, Report, Row

ZERO = Decimal("0.00")


def current_claims(filters: Filters) -> ClaimQuerySet:
    return Claim.objects.current().filter(encounter__in=filters.encounters())


def build(filters: Filters) -> Report:
    claims = current_claims(filters)
    charged: dict[Any, Any] = dict(
        ClaimLine.objects.filter(claim__in=claims)
        .values("claim__payer")
        .annotate(total=Sum("charge"))
        .values_list("claim__payer", "total")
    )
    remitted: dict[Any, Any] = {
        r["claim_payment__claim__payer"]: r
        for r in LinePayment.objects.filter(
            claim_payment__claim__in=claims, superseded=False
        )
        .values("claim_payment__claim__payer")
        .annotate(
            expected=Sum("expected"),
            paid=Sum("paid"),
            denied=Sum("billed", filter=Q(denied=True)),
            underpaid=Count("pk", filter=Q(underpaid=True)),
        )
    }
    payers = Payer.objects.filter(pk__in=charged.keys() | remitted.keys())
    rows = []
    for payer in payers:
        got = remitted.get(payer.pk, {})
        rows.append(
            Row(
                key=str(payer.pk),
                label=payer.name,
                cells=(
                    charged.get(payer.pk) or ZERO,
                    got.get("expected") or ZERO,
                    got.get("paid") or ZERO,
                    got.get("denied") or ZERO,
                    got.get("underpaid") or 0,
                ),
            )
        )
    return Report(
        slug="revenue",
        title="Charges, payments and denials by payer",
        about="The charges of the finalised claims dated in the range, and from "
        "their latest remittance: what the fee schedules expected, what was paid, "
        "the charges of denied lines and how many lines were underpaid.",
        columns=("Payer", "Charged", "Expected", "Paid", "Denied", "Underpaid lines"),
        rows=rows,
        chart=Chart(
            title="Charged, paid and denied by payer ($)",
            series=("Charged", "Paid", "Denied"),
            labels=tuple(row.label for row in rows),
            values=tuple((row.cells[0], row.cells[2], row.cells[3]) for row in rows),
        ),
    )


def behind(filters: Filters, key: str) -> EncounterQuerySet:
    payer = int(key) if key.isdigit() else 0
    return filters.encounters().filter(claims__payer=payer).distinct()


def build_denials(filters: Filters) -> Report:
    claims = current_claims(filters)
    reasons = (
        Adjustment.objects.filter(
            line__denied=True,
            line__superseded=False,
            line__claim_payment__claim__in=claims,
        )
        .values("group", "reason")
        .annotate(lines=Count("line", distinct=True), amount=Sum("amount"))
        .order_by("-lines", "group", "reason")
    )
    rows = [
        Row(
            key=f"{r['group']}-{r['reason']}",
            label=f"{r['group']}-{r['reason']}",
            cells=(carc(r["reason"]).description, r["lines"], r["amount"]),
        )
        for r in reasons
    ]
    return Report(
        slug="denials",
        title="Denied lines by reason",
        about="Denied lines of the latest remittance of each claim, by adjustment "
        "group and reason code (CARC), with the amount adjusted.",
        columns=("Reason", "What it means", "Lines", "Amount"),
        rows=rows,
        chart=Chart(
            title="Denied lines by reason",
            series=("Lines",),
            labels=tuple(row.label for row in rows),
            values=tuple((row.cells[1],) for row in rows),
        ),
    )


def behind_denials(filters: Filters, key: str) -> EncounterQuerySet:
    group, _, reason = key.partition("-")
    return (
        filters.encounters()
        .filter(
            claims__payments__lines__denied=True,
            claims__payments__lines__superseded=False,
            claims__payments__lines__adjustments__group=group,
            claims__payments__lines__adjustments__reason=reason,
        )
        .distinct()
    )
