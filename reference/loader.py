"""Load the public CMS reference tables from the shared data folder.

Each table is replaced as a whole inside one transaction, so a load is
idempotent and never leaves a half-loaded table; its edition (source id and
effective date, from the file itself) is recorded in ReferenceEdition.
"""

import csv
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction

from reference.formulary import apply_categories
from reference.models import (
    AddOnEdit,
    Drug,
    MueEdit,
    NcciEdit,
    NdcCode,
    ReferenceEdition,
)


class ReferenceDataError(Exception):
    pass


def read_rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def optional_date(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


def optional_decimal(value: str) -> Decimal | None:
    return Decimal(value) if value else None


def optional_int(value: str) -> int | None:
    return int(value) if value else None


def drugs(rows: list[dict[str, str]]) -> None:
    # Upsert rather than replace: administrations point at these rows.
    Drug.objects.bulk_create(
        [
            Drug(
                hcpcs=row["code"],
                short_descriptor=row["short_descriptor"],
                long_descriptor=row["long_descriptor"],
                billing_unit_amount=optional_decimal(row["billing_unit_amount"]),
                billing_unit=row["billing_unit"],
                unit_qualifier=row["unit_qualifier"],
                label=row["category"],
                added=optional_date(row["hcpcs_added_date"]),
                terminated=optional_date(row["hcpcs_termination_date"]),
                opps_status_indicator=row["opps_status_indicator_2026q2"],
                status_note=row["status_note"],
            )
            for row in rows
        ],
        update_conflicts=True,
        unique_fields=["hcpcs"],
        update_fields=[
            "short_descriptor",
            "long_descriptor",
            "billing_unit_amount",
            "billing_unit",
            "unit_qualifier",
            "label",
            "added",
            "terminated",
            "opps_status_indicator",
            "status_note",
        ],
    )
    # The CMS file has no category; the reviewed mapping supplies it.
    apply_categories()


def mue_edits(rows: list[dict[str, str]]) -> None:
    MueEdit.objects.all().delete()
    MueEdit.objects.bulk_create(
        MueEdit(
            code=row["code"],
            practitioner_mue=optional_int(row["practitioner_mue"]),
            practitioner_mai=optional_int(row["mai"]),
            facility_mue=optional_int(row["facility_mue"]),
            facility_mai=optional_int(row["facility_mai"]),
            practitioner_rationale=row["practitioner_rationale"],
            facility_rationale=row["facility_rationale"],
            effective=date.fromisoformat(row["effective"]),
        )
        for row in rows
    )


def ncci_edits(rows: list[dict[str, str]]) -> None:
    NcciEdit.objects.all().delete()
    NcciEdit.objects.bulk_create(
        NcciEdit(
            column1=row["column1"],
            column2=row["column2"],
            modifier_indicator=row["modifier_indicator"],
            setting=row["setting"],
            effective=date.fromisoformat(row["effective"]),
            deleted=optional_date(row["deletion_date"]),
            active=row["active_in_edition"] == "Y",
            rationale=row["rationale"],
        )
        for row in rows
    )


def add_on_edits(rows: list[dict[str, str]]) -> None:
    AddOnEdit.objects.all().delete()
    AddOnEdit.objects.bulk_create(
        AddOnEdit(
            add_on=row["add_on_code"],
            primary=row["primary_code"],
            edit_type=int(row["aoc_edit_type"]),
        )
        for row in rows
    )


def ndc_codes(rows: list[dict[str, str]]) -> None:
    NdcCode.objects.all().delete()
    NdcCode.objects.bulk_create(
        NdcCode(
            ndc11=row["ndc11"],
            ndc=row["ndc"],
            hcpcs=row["hcpcs"],
            labeler=row["labeler"],
            drug_name=row["drug_name"],
            hcpcs_dosage=row["hcpcs_dosage"],
            package_size=Decimal(row["package_size"]),
            package_quantity=Decimal(row["package_qty"]),
            billing_units_per_item=Decimal(row["billing_units_per_item"]),
            billing_units_per_package=Decimal(row["billing_units_per_package"]),
        )
        for row in rows
    )


@dataclass(frozen=True)
class Table:
    name: str
    filename: str
    load: Callable[[list[dict[str, str]]], None]
    # Where the edition is written: the CSV has no effective column for the
    # HCPCS and add-on files, so their edition date comes from the data README.
    fixed_effective: date | None = None


TABLES = (
    Table("hcpcs_drugs", "hcpcs_drugs.csv", drugs, fixed_effective=date(2024, 7, 1)),
    Table("mue", "mue.csv", mue_edits),
    Table("ncci_ptp", "ncci_ptp.csv", ncci_edits),
    Table(
        "ncci_aoc",
        "ncci_aoc_drug_admin.csv",
        add_on_edits,
        fixed_effective=date(2024, 6, 3),
    ),
    Table("ndc_crosswalk", "ndc_hcpcs_sample.csv", ndc_codes),
)


def edition_of(table: Table, rows: list[dict[str, str]]) -> tuple[str, date]:
    sources = sorted({part for row in rows for part in row["source"].split("|")})
    if table.fixed_effective is not None:
        return " | ".join(sources), table.fixed_effective
    effective = {row["effective"] for row in rows}
    if len(effective) != 1:
        raise ReferenceDataError(
            f"{table.filename} mixes editions ({', '.join(sorted(effective))})"
        )
    return " | ".join(sources), date.fromisoformat(effective.pop())


def data_dir() -> Path:
    return Path(settings.SHARED_DATA_DIR)


def load_reference_data(directory: Path | None = None) -> list[ReferenceEdition]:
    """Replace every reference table from `directory`; return their editions."""
    directory = directory or data_dir()
    if not directory.is_dir():
        raise ReferenceDataError(
            f"No reference data folder at {directory}; set CHAIRSIDE_SHARED_DATA."
        )
    editions = []
    for table in TABLES:
        path = directory / table.filename
        if not path.is_file():
            raise ReferenceDataError(f"{path} is missing")
        rows = list(read_rows(path))
        source, effective = edition_of(table, rows)
        with transaction.atomic():
            table.load(rows)
            edition, _ = ReferenceEdition.objects.update_or_create(
                table=table.name,
                defaults={
                    "source": source,
                    "effective": effective,
                    "rows": len(rows),
                    "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                },
            )
        editions.append(edition)
    return editions
