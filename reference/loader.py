"""Load the CMS extracts shipped in the shared data folder as dated editions.

The extracts (shared/data/README.md says where each came from) are the first
editions of a new installation; later quarters come from CMS's own files
through `manage.py import_cms`. Every table is recorded like an imported file,
so loading twice changes nothing and a newer quarter already imported stays
in force after its date.
"""

import csv
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from reference.editions import Recorded, record_edition
from reference.formulary import apply_categories
from reference.models import Drug, Table


class ReferenceDataError(Exception):
    pass


Rows = list[dict[str, str]]


def read_rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def optional_date(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


def optional_decimal(value: str) -> Decimal | None:
    return Decimal(value) if value else None


def optional_int(value: str) -> int | None:
    return int(value) if value else None


def upsert_drugs(rows: Rows) -> None:
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


@dataclass(frozen=True)
class Extract:
    """One table read from one shipped file."""

    table: str
    filename: str
    source: str
    effective: date
    rows: Callable[[Rows], list[dict[str, Any]]]


def mue(
    column: str, mai: str, rationale: str
) -> Callable[[Rows], list[dict[str, Any]]]:
    def rows(csv_rows: Rows) -> list[dict[str, Any]]:
        return [
            {
                "code": row["code"],
                "units": int(row[column]),
                "mai": optional_int(row[mai] or row["mai"]),
                "rationale": row[rationale],
            }
            for row in csv_rows
            if row[column]
        ]

    return rows


def ptp(setting: str) -> Callable[[Rows], list[dict[str, Any]]]:
    def rows(csv_rows: Rows) -> list[dict[str, Any]]:
        return [
            {
                "column1": row["column1"],
                "column2": row["column2"],
                "modifier_indicator": int(row["modifier_indicator"]),
                "effective": None,  # the extract lost the edits' own dates
                "deleted": optional_date(row["deletion_date"]),
                "rationale": row["rationale"],
            }
            for row in csv_rows
            if row["setting"] == setting
        ]

    return rows


def add_ons(csv_rows: Rows) -> list[dict[str, Any]]:
    return [
        {
            "add_on": row["add_on_code"],
            "primary": row["primary_code"],
            "edit_type": int(row["aoc_edit_type"]),
            "deleted": None,
        }
        for row in csv_rows
    ]


def hcpcs(csv_rows: Rows) -> list[dict[str, Any]]:
    return [
        {
            "code": row["code"],
            "short_descriptor": row["short_descriptor"],
            "long_descriptor": row["long_descriptor"],
            "added": optional_date(row["hcpcs_added_date"]),
            "terminated": optional_date(row["hcpcs_termination_date"]),
        }
        for row in csv_rows
    ]


def opps(csv_rows: Rows) -> list[dict[str, Any]]:
    return [
        {
            "code": row["code"],
            "short_descriptor": row["short_descriptor"],
            "status_indicator": row["opps_status_indicator_2026q2"],
            "apc": "",
            "payment_rate": None,
        }
        for row in csv_rows
        if row["opps_status_indicator_2026q2"]
    ]


def asp(csv_rows: Rows) -> list[dict[str, Any]]:
    return [
        {
            "code": row["code"],
            "short_description": row["short_description"],
            "dosage": row["hcpcs_code_dosage"],
            "payment_limit": optional_decimal(
                "" if row["payment_limit"] == "N/A" else row["payment_limit"]
            ),
            "coinsurance_pct": optional_decimal(row["coinsurance_pct"]),
            "notes": row["notes"],
        }
        for row in csv_rows
    ]


def ndcs(csv_rows: Rows) -> list[dict[str, Any]]:
    return [
        {
            "ndc11": row["ndc11"],
            "ndc": row["ndc"],
            "hcpcs": row["hcpcs"],
            "labeler": row["labeler"],
            "drug_name": row["drug_name"],
            "hcpcs_dosage": row["hcpcs_dosage"],
            "package_size": row["package_size"],
            "package_quantity": row["package_qty"],
            "billing_units_per_item": row["billing_units_per_item"],
            "billing_units_per_package": row["billing_units_per_package"],
        }
        for row in csv_rows
    ]


# Effective dates are the editions' own (shared/data/README.md, "Sources").
EXTRACTS = (
    Extract(Table.HCPCS, "hcpcs_drugs.csv", "HCPCS2024Q3", date(2024, 7, 1), hcpcs),
    Extract(
        Table.OPPS_ADDENDUM_B,
        "hcpcs_drugs.csv",
        "OPPS_ADDB_2026Q2",
        date(2026, 4, 1),
        opps,
    ),
    Extract(
        Table.MUE_PRACTITIONER,
        "mue.csv",
        "NCCI_MUE_2024Q3",
        date(2024, 7, 1),
        mue("practitioner_mue", "mai", "practitioner_rationale"),
    ),
    Extract(
        Table.MUE_OUTPATIENT_HOSPITAL,
        "mue.csv",
        "NCCI_MUE_2024Q3",
        date(2024, 7, 1),
        mue("facility_mue", "facility_mai", "facility_rationale"),
    ),
    Extract(
        Table.NCCI_PTP_PRACTITIONER,
        "ncci_ptp.csv",
        "NCCI_PTP_PRAC_2024Q3",
        date(2024, 7, 1),
        ptp("practitioner"),
    ),
    Extract(
        Table.NCCI_PTP_OUTPATIENT_HOSPITAL,
        "ncci_ptp.csv",
        "NCCI_PTP_OPH_2024Q3",
        date(2024, 7, 1),
        ptp("outpatient_hospital"),
    ),
    Extract(
        Table.NCCI_AOC,
        "ncci_aoc_drug_admin.csv",
        "NCCI_AOC_2024Q3",
        date(2024, 6, 3),
        add_ons,
    ),
    Extract(
        Table.ASP_PAYMENT_LIMITS,
        "asp_payment_limits_2025q4.csv",
        "ASP_2025Q4",
        date(2025, 10, 1),
        asp,
    ),
    Extract(
        Table.NDC_CROSSWALK,
        "ndc_hcpcs_sample.csv",
        "ASP_XWALK_2025Q4",
        date(2025, 10, 1),
        ndcs,
    ),
)


def data_dir() -> Path:
    return Path(settings.SHARED_DATA_DIR)


@transaction.atomic
def load_reference_data(directory: Path | None = None) -> list[Recorded]:
    """Record every shipped extract in `directory` as an edition; all or none."""
    directory = directory or data_dir()
    if not directory.is_dir():
        raise ReferenceDataError(
            f"No reference data folder at {directory}; set CHAIRSIDE_SHARED_DATA."
        )
    for extract in EXTRACTS:
        if not (directory / extract.filename).is_file():
            raise ReferenceDataError(f"{directory / extract.filename} is missing")
    upsert_drugs(list(read_rows(directory / "hcpcs_drugs.csv")))
    recorded = []
    for extract in EXTRACTS:
        path = directory / extract.filename
        csv_rows = list(read_rows(path))
        rows = extract.rows(csv_rows)
        recorded.append(
            record_edition(
                table=extract.table,
                effective=extract.effective,
                source=extract.source,
                sha256=hashlib.sha256(
                    path.read_bytes() + extract.table.encode()
                ).hexdigest(),
                rows=rows,
                rows_read=len(csv_rows),
            )
        )
    return recorded
