"""Next quarter's MUE tables, loaded ahead of their date, so the next-quarter
page has something to show.

The files are written in CMS's own layout and imported as an admin imports
CMS's, through `import_cms_files`. Their values are the editions in force
with a few invented changes: they are demo data, not CMS's.
"""

import csv
import io
from datetime import date

from reference.editions import Recorded
from reference.importing import import_cms_files
from reference.models import MueEdit, ReferenceEdition, Table

NOTICE = (
    "CPT codes, descriptions and other data only are copyright 2026 American "
    "Medical Association. All rights reserved."
)
MAI_TEXT = {
    1: "1 Line Edit",
    2: "2 Date of Service Edit: Policy",
    3: "3 Date of Service Edit: Clinical",
}
# Invented: a lower infliximab limit, which the demo's doses exceed, and one
# hour less of hydration in the hospital.
CHANGES: dict[str, dict[str, int]] = {
    Table.MUE_PRACTITIONER: {"J1745": 30},
    Table.MUE_OUTPATIENT_HOSPITAL: {"J1745": 30, "96361": 3},
}
FILES: dict[str, tuple[str, str]] = {
    Table.MUE_PRACTITIONER: ("PractitionerServices", "Practitioner Services"),
    Table.MUE_OUTPATIENT_HOSPITAL: (
        "OutpatientHospitalServices",
        "Outpatient Hospital Services",
    ),
}


def next_quarter(today: date) -> date:
    month = (today.month - 1) // 3 * 3 + 4
    return date(today.year + month // 13, (month - 1) % 12 + 1, 1)


def mue_file(table: str, starts: date, today: date) -> tuple[str, bytes]:
    """The MUE table in force today, changed as CHANGES says, as CMS writes it."""
    name, heading = FILES[table]
    in_force = ReferenceEdition.objects.in_force(today).get(table=table)
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([NOTICE])
    writer.writerow(
        [
            "HCPCS/CPT Code",
            f"{heading} MUE Values",
            "MUE Adjudication Indicator",
            "MUE Rationale",
        ]
    )
    changed = CHANGES[table]
    for row in MueEdit.objects.filter(edition=in_force).order_by("code"):
        writer.writerow(
            [
                row.code,
                changed.get(row.code, row.units),
                MAI_TEXT.get(row.mai or 3, MAI_TEXT[3]),
                row.rationale,
            ]
        )
    return f"MCR_MUE_{name}_Eff_{starts:%m-%d-%Y}.csv", text.getvalue().encode()


def seed_next_quarter(today: date) -> list[Recorded]:
    starts = next_quarter(today)
    return import_cms_files([mue_file(table, starts, today) for table in CHANGES])
