"""Recording an edition of a CMS table: its dates beside the editions before
and after it, and its rows.

Editions of a table follow each other like payer policy versions: a new one
ends the open-ended one before it the day before it starts; a corrected file
for a quarter already loaded replaces that quarter's edition, which stays as
history; the same file loaded twice changes nothing. The caller holds the
transaction, so a refused file leaves nothing behind.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from reference.billing_units import parse_billing_unit
from reference.formulary import apply_categories
from reference.models import (
    AddOnEdit,
    AspPrice,
    Drug,
    HcpcsCode,
    MueEdit,
    NcciEdit,
    NdcCode,
    OppsStatus,
    ReferenceEdition,
    Table,
)

Row = Mapping[str, Any]
DAY = timedelta(days=1)


class EditionRefused(Exception):
    """A file that cannot become an edition; the message says why in a sentence."""


@dataclass(frozen=True, kw_only=True)
class Recorded:
    edition: ReferenceEdition
    # "loaded", "replaced" (a correction of that quarter) or "unchanged"
    outcome: str
    replaced: ReferenceEdition | None = None

    def sentence(self) -> str:
        """What the import did, for the person who ran it."""
        edition = self.edition
        span = f"effective {edition.effective:%Y-%m-%d}"
        if edition.ends is not None:
            span += f" to {edition.ends:%Y-%m-%d}"
        outcome = {
            "loaded": "loaded",
            "replaced": "replaces the edition loaded before for that date",
            "unchanged": "already loaded, nothing changed",
        }[self.outcome]
        return (
            f"{edition.get_table_display()}: {edition.source}, {span}, "
            f"{edition.rows:,} rows kept of {edition.rows_read:,} ({outcome})."
        )


def record_edition(
    *,
    table: str,
    effective: date,
    source: str,
    sha256: str,
    rows: Sequence[Row],
    rows_read: int,
    by: Any = None,
) -> Recorded:
    """Make `rows` the edition of `table` in force from `effective`."""
    label = Table(table).label
    standing = (
        ReferenceEdition.objects.standing().filter(table=table).select_for_update()
    )
    same = standing.filter(effective=effective).first()
    if same is not None and same.sha256 == sha256:
        return Recorded(edition=same, outcome="unchanged")
    closed = standing.filter(
        effective__lt=effective, ends__isnull=False, ends__gte=effective
    ).first()
    if closed is not None:
        raise EditionRefused(
            f"{source}: {label} effective {effective:%Y-%m-%d} falls inside the "
            f"edition of {closed.effective:%Y-%m-%d} to {closed.ends:%Y-%m-%d}, "
            "which a later edition has already closed; a correction must carry "
            f"that edition's date ({closed.effective:%Y-%m-%d})."
        )
    if same is not None:
        # A corrected file: the old edition keeps its rows as history.
        same.replaced_at = timezone.now()
        same.save(update_fields=["replaced_at"])
        ends = same.ends
    else:
        later = standing.filter(effective__gt=effective).order_by("effective").first()
        ends = later.effective - DAY if later is not None else None
        if table == Table.ASP_PAYMENT_LIMITS and ends is None:
            # A payment limit is published for one quarter: after it, a claim
            # has no ASP limit rather than a stale one.
            ends = quarter_end(effective)
        standing.filter(effective__lt=effective, ends__isnull=True).update(
            ends=effective - DAY
        )
    edition = ReferenceEdition.objects.create(
        table=table,
        source=source[:500],
        effective=effective,
        ends=ends,
        rows=len(rows),
        rows_read=rows_read,
        sha256=sha256,
        loaded_by=by if by is not None and by.is_authenticated else None,
    )
    WRITERS[table](edition, rows)
    if same is not None:
        same.replaced_by = edition
        same.save(update_fields=["replaced_by"])
        return Recorded(edition=edition, outcome="replaced", replaced=same)
    return Recorded(edition=edition, outcome="loaded")


def quarter_end(day: date) -> date:
    month = (day.month - 1) // 3 * 3 + 4
    return date(day.year + month // 13, (month - 1) % 12 + 1, 1) - DAY


def once(edition: ReferenceEdition, rows: Sequence[Row], *keys: str) -> list[Row]:
    """Each row once by `keys`: a repeat with the same values is dropped, one
    with other values refuses the file (which of the two would be right?)."""
    kept: dict[tuple[Any, ...], Row] = {}
    for row in rows:
        key = tuple(row[k] for k in keys)
        if key in kept and kept[key] != row:
            raise EditionRefused(
                f"{edition.source} lists {' '.join(map(str, key))} twice with "
                "different values; nothing was imported."
            )
        kept[key] = row
    return list(kept.values())


def mue_rows(edition: ReferenceEdition, rows: Sequence[Row]) -> None:
    rows = once(edition, rows, "code")
    negative = [row["code"] for row in rows if row["units"] < 0]
    if negative:
        raise EditionRefused(
            f"{edition.source} gives {negative[0]} a negative MUE; nothing was "
            "imported."
        )
    MueEdit.objects.bulk_create(
        MueEdit(
            edition=edition,
            code=row["code"],
            units=row["units"],
            mai=row["mai"],
            rationale=row["rationale"][:100],
        )
        for row in rows
    )


def ptp_rows(edition: ReferenceEdition, rows: Sequence[Row]) -> None:
    NcciEdit.objects.bulk_create(
        NcciEdit(
            edition=edition,
            column1=row["column1"],
            column2=row["column2"],
            modifier_indicator=row["modifier_indicator"],
            effective=row["effective"],
            deleted=row["deleted"],
            rationale=row["rationale"][:100],
        )
        for row in rows
    )


def add_on_rows(edition: ReferenceEdition, rows: Sequence[Row]) -> None:
    # A pair deleted and listed again is one edit: the row in force wins.
    pairs: dict[tuple[str, str], Row] = {}
    for row in rows:
        key = (row["add_on"], row["primary"])
        if key not in pairs or row.get("deleted") is None:
            pairs[key] = row
    AddOnEdit.objects.bulk_create(
        AddOnEdit(
            edition=edition, add_on=add_on, primary=primary, edit_type=row["edit_type"]
        )
        for (add_on, primary), row in pairs.items()
        if row.get("deleted") is None or row["deleted"] > edition.effective
    )


def opps_rows(edition: ReferenceEdition, rows: Sequence[Row]) -> None:
    rows = once(edition, rows, "code")
    OppsStatus.objects.bulk_create(
        OppsStatus(
            edition=edition,
            code=row["code"],
            short_descriptor=row["short_descriptor"][:60],
            status_indicator=row["status_indicator"],
            apc=row["apc"],
            payment_rate=row["payment_rate"],
        )
        for row in rows
    )


def hcpcs_rows(edition: ReferenceEdition, rows: Sequence[Row]) -> None:
    rows = once(edition, rows, "code")
    codes = []
    for row in rows:
        unit = parse_billing_unit(row["long_descriptor"] or row["short_descriptor"])
        codes.append(
            HcpcsCode(
                edition=edition,
                code=row["code"],
                short_descriptor=row["short_descriptor"][:60],
                long_descriptor=row["long_descriptor"],
                billing_unit_amount=unit.amount,
                billing_unit=unit.unit,
                unit_qualifier=unit.qualifier,
                added=row["added"],
                terminated=row["terminated"],
            )
        )
    HcpcsCode.objects.bulk_create(codes)
    # A code new to the formulary can be given at the chair once a coder has
    # reviewed its category; one already there keeps its reviewed row.
    Drug.objects.bulk_create(
        [
            Drug(
                hcpcs=code.code,
                short_descriptor=code.short_descriptor,
                long_descriptor=code.long_descriptor,
                billing_unit_amount=code.billing_unit_amount,
                billing_unit=code.billing_unit,
                unit_qualifier=code.unit_qualifier,
                added=code.added,
                terminated=code.terminated,
            )
            for code in codes
        ],
        ignore_conflicts=True,
    )
    apply_categories()


def asp_rows(edition: ReferenceEdition, rows: Sequence[Row]) -> None:
    rows = once(edition, rows, "code")
    AspPrice.objects.bulk_create(
        AspPrice(
            edition=edition,
            code=row["code"],
            short_description=row["short_description"][:80],
            dosage=row["dosage"][:80],
            payment_limit=row["payment_limit"],
            coinsurance_pct=row["coinsurance_pct"],
            notes=row["notes"],
        )
        for row in rows
    )


def ndc_rows(edition: ReferenceEdition, rows: Sequence[Row]) -> None:
    rows = once(edition, rows, "hcpcs", "ndc11")
    NdcCode.objects.bulk_create(
        NdcCode(
            edition=edition,
            ndc11=row["ndc11"],
            ndc=row["ndc"],
            hcpcs=row["hcpcs"],
            labeler=row["labeler"][:120],
            drug_name=row["drug_name"][:120],
            hcpcs_dosage=row["hcpcs_dosage"][:40],
            package_size=Decimal(row["package_size"]),
            package_quantity=Decimal(row["package_quantity"]),
            billing_units_per_item=Decimal(row["billing_units_per_item"]),
            billing_units_per_package=Decimal(row["billing_units_per_package"]),
        )
        for row in rows
    )


WRITERS: dict[str, Callable[[ReferenceEdition, Sequence[Row]], None]] = {
    Table.MUE_PRACTITIONER: mue_rows,
    Table.MUE_OUTPATIENT_HOSPITAL: mue_rows,
    Table.MEDICAID_MUE_PRACTITIONER: mue_rows,
    Table.MEDICAID_MUE_OUTPATIENT_HOSPITAL: mue_rows,
    Table.NCCI_PTP_PRACTITIONER: ptp_rows,
    Table.NCCI_PTP_OUTPATIENT_HOSPITAL: ptp_rows,
    Table.MEDICAID_PTP_PRACTITIONER: ptp_rows,
    Table.MEDICAID_PTP_OUTPATIENT_HOSPITAL: ptp_rows,
    Table.NCCI_AOC: add_on_rows,
    Table.OPPS_ADDENDUM_B: opps_rows,
    Table.HCPCS: hcpcs_rows,
    Table.ASP_PAYMENT_LIMITS: asp_rows,
    Table.NDC_CROSSWALK: ndc_rows,
}
