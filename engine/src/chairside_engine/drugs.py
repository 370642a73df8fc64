"""Drug (supply) lines: HCPCS units, waste with JW and JZ, NDC (section J).

R78: Final[units] = dose / billing unit, rounded up, at least one; R79: or kept to two
decimals. R80-R83: for a drug from a single-dose container the line bills the
dose; the waste earns units(dose + wasted) - units(dose) on a separate JW line
when above zero, otherwise the drug line carries JZ (dates of service from
2023-07-01; JW since 2017). R83: not when the drug is packaged in the setting.
R84-R86: the NDC goes with the line; a payer may require it. R100: a hospital's
dose bought at the 340B price carries JG or TB on its lines when the drug is
separately payable, and is billed apart from the same drug's other stock.
"""

from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Final, final

from chairside_engine.amounts import ONE, ZERO, Amount, plain
from chairside_engine.parsing import Administration, Encounter
from chairside_engine.result import DRUG, Finding, Line, error
from chairside_engine.tables import Reference
from chairside_engine.wording import plural

JW_FROM: Final = date(2017, 1, 1)
JZ_FROM: Final = date(2023, 7, 1)
CENT: Final = Decimal("0.01")
SEPARATELY_PAYABLE: Final = frozenset({"G", "K"})  # OPPS status indicators


# A final class with Final attributes, as result.Line explains.
@final
class _Given:
    def __init__(
        self,
        *,
        hcpcs: str,
        ndc: str | None,
        day: date,
        name: str,
        billing_unit: Amount,
        dose: Decimal,  # in the billing unit's unit
        wasted: Decimal,
        single_dose: bool,
        admins: tuple[str, ...],
        acquired_340b: bool,
    ) -> None:
        self.hcpcs: Final = hcpcs
        self.ndc: Final = ndc
        self.day: Final = day
        self.name: Final = name
        self.billing_unit: Final = billing_unit
        self.dose: Final = dose
        self.wasted: Final = wasted
        self.single_dose: Final = single_dose
        self.admins: Final = admins
        self.acquired_340b: Final = acquired_340b

    def line(
        self, units: Decimal, modifiers: tuple[str, ...], explanation: str
    ) -> Line:
        return Line(
            code=self.hcpcs,
            units=units,
            modifiers=modifiers,
            kind=DRUG,
            date=self.day,
            administrations=self.admins,
            explanation=explanation,
            ndc=self.ndc,
        )


def drug_lines(
    encounter: Encounter, reference: Reference, findings: list[Finding]
) -> list[Line]:
    groups: dict[tuple[str, str | None, date, bool], list[Administration]] = {}
    facility = encounter.setting == "facility"
    for admin in encounter.administrations:
        drug = admin.drug
        if admin.method == "oral" or drug is None or admin.dose is None:
            continue
        if drug.hcpcs is None or drug.billing_unit is None:
            continue
        day = (
            encounter.clock.date_of(admin.start)
            if admin.start
            else encounter.date_of_service
        )
        # R100: 340B stock counts only on the hospital's claim, on its own lines.
        acquired = facility and drug.acquired_340b
        groups.setdefault((drug.hcpcs, drug.ndc, day, acquired), []).append(admin)
    lines: list[Line] = []
    for (hcpcs, ndc, day, acquired), admins in groups.items():
        given = _aggregate(hcpcs, ndc, day, admins, acquired)
        lines += _lines(given, encounter, reference)
        if encounter.policy.ndc_required and ndc is None:
            findings.append(  # R84-R86
                error(
                    "drug.ndc_missing",
                    f"{hcpcs} ({given.name}) has no NDC and this payer requires one "
                    "(R86).",
                    given.admins,
                )
            )
    return lines


def _aggregate(
    hcpcs: str,
    ndc: str | None,
    day: date,
    admins: list[Administration],
    acquired_340b: bool,
) -> _Given:
    first = admins[0]
    assert first.drug is not None
    assert first.drug.billing_unit is not None
    unit = first.drug.billing_unit
    dose = wasted = ZERO
    for admin in admins:
        if admin.dose is not None:
            dose += admin.dose.in_unit(unit.unit) or ZERO
        if admin.wasted is not None:
            wasted += admin.wasted.in_unit(unit.unit) or ZERO
    return _Given(
        hcpcs=hcpcs,
        ndc=ndc,
        day=day,
        name=first.drug.name,
        billing_unit=unit,
        dose=dose,
        wasted=wasted,
        single_dose=any(
            a.drug is not None and a.drug.single_dose_container for a in admins
        ),
        admins=tuple(a.id for a in admins),
        acquired_340b=acquired_340b,
    )


def units(amount: Decimal, billing_unit: Decimal, rounding: str) -> Decimal:
    if amount <= ZERO:
        return ZERO
    exact = amount / billing_unit
    if rounding == "decimal":
        return max(CENT, exact.quantize(CENT, ROUND_HALF_UP))  # R79
    return max(ONE, exact.to_integral_value(ROUND_CEILING))  # R78


def _lines(given: _Given, encounter: Encounter, reference: Reference) -> list[Line]:
    lines = _supply_lines(given, encounter, reference)
    if not given.acquired_340b:
        return lines
    return _with_340b(lines, given, encounter, reference)


def _with_340b(
    lines: list[Line], given: _Given, encounter: Encounter, reference: Reference
) -> list[Line]:
    """R100: the billed line and its JW line carry the hospital's 340B modifier
    when the drug is separately payable; a packaged drug's lines carry none."""
    modifier = encounter.modifier_340b or "JG"
    status = reference.opps_status.get(given.hcpcs)
    if status in SEPARATELY_PAYABLE:
        why = (
            f"; bought through 340B and separately payable (OPPS status {status}), "
            f"so {modifier} (R100)."
        )
        return [
            line.revised(
                modifier=modifier, explanation=line.explanation.removesuffix(".") + why
            )
            for line in lines
        ]
    if status is None:
        why = (
            f"; bought through 340B, but its OPPS status is not in the shipped "
            f"table, so no {modifier}: check that it is not separately payable (R100)."
        )
    else:
        why = (
            f"; bought through 340B, but not separately payable (OPPS status "
            f"{status}), so no {modifier} (R100)."
        )
    return [
        line.revised(explanation=line.explanation.removesuffix(".") + why)
        for line in lines
    ]


def _supply_lines(
    given: _Given, encounter: Encounter, reference: Reference
) -> list[Line]:
    policy = encounter.policy
    per = given.billing_unit.value
    billed = units(given.dose, per, policy.unit_rounding)
    unit_words = given.billing_unit
    base = (
        f"{Amount(given.dose, unit_words.unit)} at {unit_words} a unit = "
        f"{plural(billed, 'unit')}"
    )
    packaged = (
        encounter.setting == "facility"
        and reference.opps_status.get(given.hcpcs) == "N"
    )
    wanted = (
        given.single_dose
        and policy.waste_modifiers
        and not packaged
        and given.day >= JW_FROM
    )
    if not wanted:
        reason = ""
        if given.single_dose and policy.waste_modifiers and packaged:
            reason = "; packaged in the hospital setting, so no JW or JZ (R83)"
        elif given.wasted:
            wasted = Amount(given.wasted, unit_words.unit)
            reason = f"; {wasted} discarded, not billed here (R83)"
        return [given.line(billed, (), f"{base}{reason}.")]
    waste_words = Amount(given.wasted, unit_words.unit)
    waste_units = units(given.dose + given.wasted, per, policy.unit_rounding) - billed
    if waste_units > ZERO:
        return [
            given.line(billed, (), f"{base} given from a single-dose container (R78)."),
            given.line(
                waste_units,
                ("JW",),
                f"{waste_words} discarded: "
                f"{plain(billed + waste_units)} units with the waste less "
                f"{plain(billed)} "
                f"given = {plain(waste_units)} on a JW line (R80).",
            ),
        ]
    if given.day < JZ_FROM:
        return [given.line(billed, (), f"{base}; JZ applies from 2023-07-01 (R81).")]
    if given.wasted:
        tail = (
            f"{waste_words} discarded is already "
            "covered by rounding up, so JZ and no JW line (R82)"
        )
    else:
        tail = "nothing discarded (R81)"
    return [given.line(billed, ("JZ",), f"{base}; {tail}.")]
