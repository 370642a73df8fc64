"""What a payer should pay for a line: its fee schedule in force on the date
of service, an amount per unit or, for a drug, a percentage of the CMS ASP
payment limit of that quarter. With no ASP edition for the quarter the line
says so rather than use a stale limit."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from claims.models import Fee
from reference.models import AspPrice, ReferenceEdition, Table

CENT = Decimal("0.01")
# Modifiers that change what Medicare pays for a line, in the order a fee
# for them is looked for.
PAYMENT_MODIFIERS = ("PN", "PO", "JG", "TB")


@dataclass(frozen=True, kw_only=True)
class Expected:
    amount: Decimal | None
    note: str


class FeeSchedules:
    """The fee schedules of some payers, read once for a whole import."""

    def __init__(self, payer_ids: Iterable[int]) -> None:
        self.fees: dict[tuple[int, str, str], list[Fee]] = {}
        for fee in Fee.objects.filter(payer_id__in=list(payer_ids)).order_by(
            "-effective"
        ):
            self.fees.setdefault((fee.payer_id, fee.code, fee.modifier), []).append(fee)
        self.asp: dict[date, dict[str, AspPrice] | None] = {}

    def fee(
        self, payer_id: int, code: str, modifiers: Iterable[str], day: date
    ) -> Fee | None:
        given = set(modifiers)
        for modifier in [m for m in PAYMENT_MODIFIERS if m in given] + [""]:
            for fee in self.fees.get((payer_id, code, modifier), []):
                if fee.effective <= day:
                    return fee
        return None

    def asp_on(self, day: date) -> dict[str, AspPrice] | None:
        if day not in self.asp:
            edition = (
                ReferenceEdition.objects.in_force(day)
                .filter(table=Table.ASP_PAYMENT_LIMITS)
                .first()
            )
            self.asp[day] = (
                None
                if edition is None
                else {
                    price.code: price
                    for price in edition.asp_prices.select_related("edition")
                }
            )
        return self.asp[day]

    def expected(
        self,
        *,
        payer_id: int,
        code: str,
        modifiers: Iterable[str],
        units: Decimal,
        day: date,
    ) -> Expected:
        fee = self.fee(payer_id, code, modifiers, day)
        if fee is None:
            return Expected(
                amount=None, note=f"No fee for {code} in the payer's schedule on {day}."
            )
        named = f"{code}-{fee.modifier}" if fee.modifier else code
        if fee.amount is not None:
            return Expected(
                amount=(fee.amount * units).quantize(CENT, ROUND_HALF_UP),
                note=f"{units.normalize():f} × {fee.amount} for {named} "
                f"(fee schedule from {fee.effective}).",
            )
        assert fee.asp_percent is not None  # a fee is an amount or a percent of ASP
        prices = self.asp_on(day)
        if prices is None:
            return Expected(
                amount=None,
                note=f"No ASP payment limits are loaded for {day}: import that "
                "quarter's ASP file to expect a payment for this drug.",
            )
        price = prices.get(code)
        if price is None or price.payment_limit is None:
            return Expected(
                amount=None,
                note=f"The ASP file in force on {day} has no payment limit for {code}.",
            )
        amount = price.payment_limit * fee.asp_percent / 100 * units
        return Expected(
            amount=amount.quantize(CENT, ROUND_HALF_UP),
            note=f"{units.normalize():f} × {fee.asp_percent.normalize():f}% of the ASP "
            f"limit {price.payment_limit} ({price.edition.source}) for {named}.",
        )
