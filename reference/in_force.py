"""The CMS editions in force on a date of service, handed to the engine.

The engine stays free of the database: it takes a `Reference` of plain values.
This builds one from the editions in force on a date and keeps it per set of
editions, so a busy day costs one small query per derivation. An edition never
changes once loaded (a correction is a new edition), which is what makes the
cache safe across processes.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from chairside_engine.tables import (
    MUE_TABLE,
    PTP_TABLE,
    Edition,
    PtpEdit,
    Reference,
    packaged,
)
from reference.models import (
    AddOnEdit,
    HcpcsCode,
    MueEdit,
    NcciEdit,
    OppsStatus,
    ReferenceEdition,
    Table,
)

# The engine's name for an edition -> the Medicare table and Medicaid's own.
MUE_SLOTS = {
    MUE_TABLE["office"]: (Table.MUE_PRACTITIONER, Table.MEDICAID_MUE_PRACTITIONER),
    MUE_TABLE["facility"]: (
        Table.MUE_OUTPATIENT_HOSPITAL,
        Table.MEDICAID_MUE_OUTPATIENT_HOSPITAL,
    ),
}
PTP_SLOTS = {
    PTP_TABLE["office"]: (
        Table.NCCI_PTP_PRACTITIONER,
        Table.MEDICAID_PTP_PRACTITIONER,
    ),
    PTP_TABLE["facility"]: (
        Table.NCCI_PTP_OUTPATIENT_HOSPITAL,
        Table.MEDICAID_PTP_OUTPATIENT_HOSPITAL,
    ),
}
AOC_SLOT = "ncci_aoc"
OPPS_SLOT = "opps_status_indicator"
SLOTS: dict[str, tuple[str, str | None]] = {
    **MUE_SLOTS,
    **PTP_SLOTS,
    AOC_SLOT: (Table.NCCI_AOC, None),
    OPPS_SLOT: (Table.OPPS_ADDENDUM_B, None),
}
MEDICAID_TABLES = {medicaid for _, medicaid in SLOTS.values() if medicaid}


@dataclass(frozen=True, kw_only=True)
class InForce:
    reference: Reference
    # HCPCS code -> (amount, unit): the billing units of the HCPCS edition in
    # force, for the codes whose descriptor there names one.
    billing_units: dict[str, tuple[Decimal, str]]
    # Medicaid tables a Medicaid payer's claim asked for and did not find.
    medicaid_missing: tuple[str, ...] = ()

    def notes(self) -> list[str]:
        if not self.medicaid_missing:
            return []
        names = ", ".join(Table(t).label for t in self.medicaid_missing)
        return [
            f"No Medicaid NCCI edition is loaded for {names}: Medicare's edits "
            "were applied instead. Load CMS's Medicaid files with "
            "`manage.py import_cms` to edit this claim by Medicaid's tables."
        ]


# slot, edition id, sha256, source, effective; no id for the shipped edition
Key = tuple[str, int | None, str, str, date | None]


def chosen(editions: Iterable[ReferenceEdition], day: date) -> ReferenceEdition | None:
    """The edition in force on `day`, if any: a claim dated before a table's
    first edition gets the shipped one (or Medicare's), never a later one."""
    for edition in sorted(editions, key=lambda e: e.effective, reverse=True):
        if edition.effective <= day and (edition.ends is None or edition.ends >= day):
            return edition
    return None


def in_force_on(day: date, *, medicaid: bool = False) -> InForce:
    """The engine's tables for a claim dated `day`; a Medicaid payer's claim
    is edited with Medicaid's NCCI tables where they are loaded."""
    by_table: dict[str, list[ReferenceEdition]] = {}
    for loaded in ReferenceEdition.objects.standing().filter(
        table__in=[Table.HCPCS, *(t for pair in SLOTS.values() for t in pair if t)]
    ):
        by_table.setdefault(loaded.table, []).append(loaded)
    keys: list[Key] = []
    missing: list[str] = []
    for slot, (medicare, medicaid_table) in SLOTS.items():
        edition: ReferenceEdition | None = None
        if medicaid and medicaid_table:
            edition = chosen(by_table.get(medicaid_table, []), day)
            if edition is None:
                missing.append(medicaid_table)
        source = ""
        if edition is None:
            edition = chosen(by_table.get(medicare, []), day)
            if edition is not None and medicaid and medicaid_table:
                source = f"{edition.source} (Medicare's: no Medicaid edition loaded)"
        if edition is None:
            keys.append((slot, None, "", "", None))
        else:
            keys.append(
                (
                    slot,
                    edition.pk,
                    edition.sha256,
                    source or edition.source,
                    edition.effective,
                )
            )
    hcpcs = chosen(by_table.get(Table.HCPCS, []), day)
    return InForce(
        reference=reference_of(tuple(keys)),
        billing_units=units_of(hcpcs.pk, hcpcs.sha256) if hcpcs else {},
        medicaid_missing=tuple(missing),
    )


@lru_cache(maxsize=64)
def reference_of(keys: tuple[Key, ...]) -> Reference:
    shipped = packaged()
    slots = {key[0]: key for key in keys}

    def edition(slot: str) -> Edition:
        _, pk, _, source, effective = slots[slot]
        if pk is None or effective is None:
            return shipped.editions[slot]
        return Edition(table=slot, source=source, effective=effective.isoformat())

    def pk(slot: str) -> int | None:
        return slots[slot][1]

    mue = {}
    for setting, slot in MUE_TABLE.items():
        if pk(slot) is None:
            mue[setting] = shipped.mue[setting]
            continue
        mue[setting] = {
            code: (Decimal(units), mai or 0)
            for code, units, mai in MueEdit.objects.filter(
                edition_id=pk(slot)
            ).values_list("code", "units", "mai")
        }
    ptp = {}
    for setting, slot in PTP_TABLE.items():
        if pk(slot) is None:
            ptp[setting] = shipped.ptp[setting]
            continue
        starts = slots[slot][4]
        pairs: dict[str, dict[str, PtpEdit]] = {}
        for row in NcciEdit.objects.filter(edition_id=pk(slot)).order_by("pk"):
            if row.deleted is not None and starts is not None and row.deleted <= starts:
                continue
            pairs.setdefault(row.column1, {})[row.column2] = PtpEdit(
                column1=row.column1,
                column2=row.column2,
                modifier_indicator=row.modifier_indicator,
                rationale=row.rationale,
            )
        ptp[setting] = pairs
    if pk(AOC_SLOT) is None:
        addon_primaries = shipped.addon_primaries
    else:
        primaries: dict[str, set[str]] = {}
        for add_on, primary in AddOnEdit.objects.filter(
            edition_id=pk(AOC_SLOT)
        ).values_list("add_on", "primary"):
            primaries.setdefault(add_on, set()).add(primary)
        addon_primaries = {code: frozenset(p) for code, p in primaries.items()}
    if pk(OPPS_SLOT) is None:
        opps_status = shipped.opps_status
    else:
        opps_status = dict(
            OppsStatus.objects.filter(edition_id=pk(OPPS_SLOT)).values_list(
                "code", "status_indicator"
            )
        )
    return Reference(
        mue=mue,
        ptp=ptp,
        addon_primaries=addon_primaries,
        opps_status=opps_status,
        editions={slot: edition(slot) for slot in slots},
    )


@lru_cache(maxsize=16)
def units_of(edition: int, sha256: str) -> dict[str, tuple[Decimal, str]]:
    """The billing units of one HCPCS edition (`sha256` keeps the cache true
    should a test database hand out the same id twice)."""
    return {
        code: (amount, unit)
        for code, amount, unit in HcpcsCode.objects.filter(
            edition_id=edition
        ).values_list("code", "billing_unit_amount", "billing_unit")
        if amount is not None and unit
    }


class Editions:
    """The editions in force looked up once per date, for a caller building
    many documents (a replay): a query per date, not per encounter. With
    `at`, the editions of that date whatever the encounter's: next quarter's."""

    def __init__(self, *, at: date | None = None) -> None:
        self._in_force: dict[tuple[date, bool], InForce] = {}
        self.at = at

    def in_force(self, day: date, *, medicaid: bool) -> InForce:
        day = self.at or day
        if (day, medicaid) not in self._in_force:
            self._in_force[day, medicaid] = in_force_on(day, medicaid=medicaid)
        return self._in_force[day, medicaid]
