"""What an edition loaded ahead of its date changes against the one in force
before it: codes whose MUE, PTP pair, add-on primaries, status indicator,
billing unit, payment limit or package units differ."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from reference.models import (
    AddOnEdit,
    AspPrice,
    HcpcsCode,
    MueEdit,
    NcciEdit,
    NdcCode,
    OppsStatus,
    ReferenceEdition,
    Table,
)

MAI = {1: "line edit", 2: "date of service, policy", 3: "date of service, clinical"}
PTP_INDICATOR = {0: "never together", 1: "with a modifier", 9: "not applicable"}


@dataclass(frozen=True, kw_only=True)
class Change:
    key: str  # a code, or a pair "96365/96366"
    before: str  # "" when the code is new
    after: str  # "" when the code is gone


@dataclass(frozen=True, kw_only=True)
class TableChanges:
    upcoming: ReferenceEdition
    current: ReferenceEdition | None
    changes: list[Change]


def mue_values(edition: ReferenceEdition) -> dict[str, str]:
    return {
        row.code: f"{row.units} ({MAI.get(row.mai or 0, 'no indicator')})"
        for row in MueEdit.objects.filter(edition=edition)
    }


def ptp_values(edition: ReferenceEdition) -> dict[str, str]:
    return {
        f"{row.column1}/{row.column2}": PTP_INDICATOR.get(
            row.modifier_indicator, str(row.modifier_indicator)
        )
        for row in NcciEdit.objects.filter(edition=edition).order_by("pk")
        if row.in_force_on(edition.effective)
    }


def add_on_values(edition: ReferenceEdition) -> dict[str, str]:
    return {
        f"{row.add_on}/{row.primary}": f"type {row.edit_type}"
        for row in AddOnEdit.objects.filter(edition=edition)
    }


def opps_values(edition: ReferenceEdition) -> dict[str, str]:
    return {
        row.code: f"SI {row.status_indicator}"
        for row in OppsStatus.objects.filter(edition=edition)
    }


def hcpcs_values(edition: ReferenceEdition) -> dict[str, str]:
    return {
        row.code: (
            f"{row.billing_unit_amount.normalize():f} {row.billing_unit}"
            if row.billing_unit_amount is not None
            else "no billing unit"
        )
        + (f", ended {row.terminated:%Y-%m-%d}" if row.terminated else "")
        for row in HcpcsCode.objects.filter(edition=edition)
    }


def asp_values(edition: ReferenceEdition) -> dict[str, str]:
    return {
        row.code: (
            f"${row.payment_limit.normalize():f} per {row.dosage}"
            if row.payment_limit is not None
            else "no payment limit"
        )
        for row in AspPrice.objects.filter(edition=edition)
    }


def ndc_values(edition: ReferenceEdition) -> dict[str, str]:
    return {
        f"{row.hcpcs} {row.ndc}": f"{row.billing_units_per_package.normalize():f} "
        "units a package"
        for row in NdcCode.objects.filter(edition=edition)
    }


VALUES: dict[str, Callable[[ReferenceEdition], dict[str, str]]] = {
    Table.MUE_PRACTITIONER: mue_values,
    Table.MUE_OUTPATIENT_HOSPITAL: mue_values,
    Table.MEDICAID_MUE_PRACTITIONER: mue_values,
    Table.MEDICAID_MUE_OUTPATIENT_HOSPITAL: mue_values,
    Table.NCCI_PTP_PRACTITIONER: ptp_values,
    Table.NCCI_PTP_OUTPATIENT_HOSPITAL: ptp_values,
    Table.MEDICAID_PTP_PRACTITIONER: ptp_values,
    Table.MEDICAID_PTP_OUTPATIENT_HOSPITAL: ptp_values,
    Table.NCCI_AOC: add_on_values,
    Table.OPPS_ADDENDUM_B: opps_values,
    Table.HCPCS: hcpcs_values,
    Table.ASP_PAYMENT_LIMITS: asp_values,
    Table.NDC_CROSSWALK: ndc_values,
}


def upcoming_changes(today: date) -> list[TableChanges]:
    """Each edition that takes effect after `today`, against the edition in
    force the day before it starts."""
    found = []
    for upcoming in ReferenceEdition.objects.upcoming(today).order_by(
        "effective", "table"
    ):
        current = (
            ReferenceEdition.objects.in_force(upcoming.effective - timedelta(days=1))
            .filter(table=upcoming.table)
            .first()
        )
        values = VALUES[upcoming.table]
        after = values(upcoming)
        before = values(current) if current is not None else {}
        found.append(
            TableChanges(
                upcoming=upcoming,
                current=current,
                changes=[
                    Change(
                        key=key, before=before.get(key, ""), after=after.get(key, "")
                    )
                    for key in sorted(before.keys() | after.keys())
                    if before.get(key) != after.get(key)
                ],
            )
        )
    return found
