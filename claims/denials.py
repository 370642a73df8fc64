"""The denial worklist: denied and underpaid lines of the latest adjudication
of each claim, with the rule and the policy version behind each line."""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q

from claims.models import Adjustment, LinePayment
from claims.remittance.codes import carc, group_name, rarc

PAGE_SIZE = 50
RULE = re.compile(r"\bR\d{1,3}\b")


@dataclass(frozen=True, kw_only=True)
class Reason:
    label: str  # "CO-97"
    description: str
    amount: Any
    known: bool


def filtered(user: Any, data: dict[str, Any], today: date) -> Any:
    rows = LinePayment.objects.for_user(user).to_work()
    if data.get("kind") == "denied":
        rows = rows.filter(denied=True)
    elif data.get("kind") == "underpaid":
        rows = rows.filter(underpaid=True)
    if data.get("payer"):
        rows = rows.filter(claim_payment__claim__payer=data["payer"])
    if data.get("location"):
        rows = rows.filter(claim_payment__claim__encounter__location=data["location"])
    if data.get("code"):
        rows = rows.filter(code=data["code"])
    if data.get("group") or data.get("reason"):
        adjustment = Q()
        if data.get("group"):
            adjustment &= Q(adjustments__group=data["group"])
        if data.get("reason"):
            adjustment &= Q(adjustments__reason=data["reason"])
        rows = rows.filter(adjustment)
    if data.get("rule"):
        # A rule is cited as "(R52)" or "(R88, R89)": R5 must not find R52.
        rows = rows.filter(
            line__explanation__regex=rf"(^|[^A-Za-z0-9]){data['rule']}([^0-9]|$)"
        )
    age = data.get("age")
    if age:
        spans = {"30": (0, 30), "60": (31, 60), "90": (61, 90), "older": (91, None)}
        low, high = spans[age]
        rows = rows.filter(claim_payment__paid_on__lte=today - timedelta(days=low))
        if high is not None:
            rows = rows.filter(claim_payment__paid_on__gte=today - timedelta(days=high))
    return rows


@dataclass(frozen=True, kw_only=True)
class Row:
    """A line on the worklist with what it shows beside its numbers: reasons
    in words, the rules its explanation cites, and its age in days."""

    payment: LinePayment
    reasons: list[Reason]
    remarks: list[Any]
    rules: list[str]
    age: int | None


def page(
    user: Any, data: dict[str, Any], today: date, number: Any = 1
) -> tuple[Page[Any], list[Row]]:
    rows = (
        filtered(user, data, today)
        .select_related(
            "claim_payment__claim__encounter__patient",
            "claim_payment__claim__encounter__location",
            "claim_payment__claim__payer",
            "claim_payment__claim__policy_version",
            "line",
        )
        .prefetch_related("adjustments")
        .order_by("-claim_payment__paid_on", "-pk")
    )
    found = Paginator(rows, PAGE_SIZE).get_page(number)
    return found, [row_of(payment, today) for payment in found]


def reason_of(adjustment: Adjustment) -> Reason:
    code = carc(adjustment.reason)
    return Reason(
        label=f"{adjustment.group}-{adjustment.reason}",
        description=f"{group_name(adjustment.group)}: {code.description}",
        amount=adjustment.amount,
        known=code.known,
    )


def row_of(payment: LinePayment, today: date) -> Row:
    paid_on = payment.claim_payment.paid_on
    return Row(
        payment=payment,
        reasons=[reason_of(a) for a in payment.adjustments.all()],
        remarks=[rarc(code) for code in payment.remarks],
        rules=RULE.findall(payment.line.explanation) if payment.line else [],
        age=(today - paid_on).days if paid_on else None,
    )
