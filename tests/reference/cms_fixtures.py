"""Small files in CMS's own layouts, written for tests.

Each writer returns the bytes CMS would publish for the rows it is given:
the notice lines above the header, the header as CMS words it, the values as
CMS writes them (MAI text, "*" for no deletion date, Julian dates, numbers
kept as numbers in a workbook). A test hands them to `read_cms_file` or an
import under CMS's file name, so it reads a file as an admin would. Nothing
is downloaded.

    data = mue_csv([("96365", 2, 3, "Clinical: Data")])
    import_cms_files([("MCR_MUE_PractitionerServices_Eff_01-01-2027.csv", data)])
"""

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

import openpyxl

AMA_NOTICE = (
    "CPT® codes, descriptions and other data only are copyright 2026 American "
    "Medical Association. All rights reserved. Applicable FARS/HHSARS apply."
)
MAI_TEXT = {
    1: "1 Line Edit",
    2: "2 Date of Service Edit: Policy",
    3: "3 Date of Service Edit: Clinical",
}
MUE_HEADINGS = {
    "practitioner": "Practitioner Services MUE Values",
    "outpatient_hospital": "Outpatient Hospital Services MUE Values",
    "dme": "DME Supplier Services MUE Values",
}

# (code, MUE value, MAI 1-3 or None, rationale)
MueRow = tuple[str, int, int | None, str]
# (column 1, column 2, effective, deleted or None, modifier indicator, rationale)
PtpRow = tuple[str, str, date, date | None, int, str]
# (add-on, primary, edit type, edit deleted, primary code deleted, note)
AocRow = tuple[str, str, int, date | None, date | None, str]
# (code, short description, dosage, payment limit, co-insurance %, notes),
# each as CMS writes it: "44.109", "N/A", "20.000"
AspRow = tuple[str, str, str, str, str, str]
# (HCPCS, short description, labeler, NDC 5-4-2, drug name, HCPCS dosage,
#  package size, package quantity, billing units per item, per package)
CrosswalkRow = tuple[str, str, str, str, str, str, str, str, str, str]
# (code, short descriptor, status indicator, APC, payment rate as "$1,234.56")
AddendumBRow = tuple[str, str, str, str, str]
# (code, long description, short description, added, terminated, action code);
# a two-character code is a modifier
HcpcsRow = tuple[str, str, str, date | None, date | None, str]


def csv_of(rows: Iterable[Sequence[object]], *, delimiter: str = ",") -> bytes:
    """Rows as CMS's text files: Windows line ends and code page."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows(rows)
    return text.getvalue().encode("cp1252")


def xlsx_of(rows: Iterable[Sequence[object]]) -> bytes:
    """Rows as the first worksheet of a workbook; None is an empty cell."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def zip_of(members: dict[str, bytes]) -> bytes:
    """A zip holding `members` (name: content), as CMS's downloads do."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def mue_table(
    rows: Iterable[MueRow], *, setting: str, notice: bool
) -> list[list[object]]:
    header: list[object] = [
        "HCPCS/CPT Code",
        MUE_HEADINGS[setting],
        "MUE Adjudication Indicator",
        "MUE Rationale",
    ]
    table: list[list[object]] = [[AMA_NOTICE]] if notice else []
    table.append(header)
    for code, units, mai, rationale in rows:
        table.append([code, units, MAI_TEXT[mai] if mai else "", rationale])
    return table


def mue_csv(
    rows: Iterable[MueRow], *, setting: str = "practitioner", notice: bool = True
) -> bytes:
    """An MUE table as CMS's csv. `rows`: (code, MUE value, MAI or None,
    rationale); `setting`: "practitioner", "outpatient_hospital" or "dme";
    `notice`: the AMA notice line above the header."""
    return csv_of(mue_table(rows, setting=setting, notice=notice))


def mue_xlsx(
    rows: Iterable[MueRow], *, setting: str = "practitioner", notice: bool = True
) -> bytes:
    """An MUE table as CMS's workbook, numeric codes kept as numbers; as
    `mue_csv`."""
    table = mue_table(rows, setting=setting, notice=notice)
    return xlsx_of([number_or_text(row[0]), *row[1:]] for row in table)


def ptp_table(
    rows: Iterable[PtpRow], *, split_header: bool, numbers: bool
) -> list[list[object]]:
    table: list[list[object]] = [
        ["CPT only copyright 2026 American Medical Association. All rights reserved."]
    ]
    if split_header:
        table += [
            [
                "Column 1",
                "Column 2",
                "*=in existence",
                "Effective",
                "Deletion",
                "Modifier",
                "PTP Edit Rationale",
            ],
            [
                "",
                "",
                "prior to 1996",
                "Date",
                "Date *=no data",
                "0=not allowed 1=allowed 9=not applicable",
                "",
            ],
        ]
    else:
        table.append(
            [
                "Column 1",
                "Column 2",
                "*=in existence prior to 1996",
                "Effective Date",
                "Deletion Date *=no data",
                "Modifier 0=not allowed 1=allowed 9=not applicable",
                "PTP Edit Rationale",
            ]
        )
    for column1, column2, effective, deleted, modifier, rationale in rows:
        written = [
            yyyymmdd(effective),
            yyyymmdd(deleted) if deleted else "*",
        ]
        table.append(
            [
                number_or_text(column1) if numbers else column1,
                number_or_text(column2) if numbers else column2,
                "*" if effective <= date(1996, 1, 1) else "",
                *(number_or_text(value) if numbers else value for value in written),
                modifier if numbers else str(modifier),
                rationale,
            ]
        )
    return table


def ptp_txt(rows: Iterable[PtpRow], *, split_header: bool = True) -> bytes:
    """A PTP table part as CMS's tab-delimited txt. `rows`: (column 1,
    column 2, effective, deleted or None, modifier indicator, rationale);
    edits effective 1996-01-01 are marked in existence before 1996.
    `split_header`: the header's descriptions run on in a second row."""
    table = ptp_table(rows, split_header=split_header, numbers=False)
    return csv_of(table, delimiter="\t")


def ptp_xlsx(rows: Iterable[PtpRow], *, split_header: bool = True) -> bytes:
    """A PTP table part as CMS's workbook, codes and dates kept as numbers;
    as `ptp_txt`."""
    return xlsx_of(ptp_table(rows, split_header=split_header, numbers=True))


def aoc_table(rows: Iterable[AocRow]) -> list[list[object]]:
    table: list[list[object]] = [
        [AMA_NOTICE],
        [
            "Primary Code",
            "Primary Code Eff Dt (Julian)",
            "Primary Code Del Dt (Julian)",
            "Add-on Code",
            "AOC Eff Dt (Julian)",
            "AOC Del Dt (Julian)",
            "AOC Edit Eff Dt (Julian)",
            "AOC Edit Del Dt (Julian)",
            "AOC Edit Type",
            "Special Instruction Notes",
        ],
    ]
    for add_on, primary, edit_type, deleted, primary_deleted, note in rows:
        table.append(
            [
                primary,
                "1996001",
                yyyyddd(primary_deleted),
                add_on,
                "1996001",
                "",
                "2013001",
                yyyyddd(deleted),
                str(edit_type),
                note,
            ]
        )
    return table


def aoc_xlsx(rows: Iterable[AocRow]) -> bytes:
    """The add-on code edits as CMS's workbook. `rows`: (add-on, primary,
    edit type, edit deleted or None, primary code deleted or None, note);
    dates are written as CMS does, YYYYDDD."""
    return xlsx_of(aoc_table(rows))


def aoc_txt(rows: Iterable[AocRow]) -> bytes:
    """The add-on code edits as CMS's tab-delimited txt; as `aoc_xlsx`."""
    return csv_of(aoc_table(rows), delimiter="\t")


def asp_csv(
    rows: Iterable[AspRow], *, effective: date | None = date(2025, 10, 1)
) -> bytes:
    """CMS's "Payment Allowance Limits for Medicare Part B Drugs" csv. `rows`:
    (code, short description, dosage, payment limit, co-insurance %, notes)
    as CMS writes them; `effective`: the quarter's first day, stated in the
    notice lines ("Effective October 1, 2025 through December 31, 2025"), or
    None for no such line."""
    period = []
    if effective is not None:
        month = effective.month + 3
        ends = date(effective.year + (month > 12), (month - 1) % 12 + 1, 1)
        ends -= timedelta(days=1)
        period = [[f"Effective {long_date(effective)} through {long_date(ends)}"], []]
    notes = [
        [
            "Note 1: Payment allowance limits subject to the ASP methodology are "
            "based on ASP data."
        ],
        [
            "Note 2: The absence or presence of a HCPCS code and the payment allowance "
            "limits in this table does not indicate whether Medicare covers a drug."
        ],
    ]
    header = [
        "HCPCS Code",
        "Short Description",
        "HCPCS Code Dosage",
        "Payment Limit",
        "Co-insurance Percentage",
        "Vaccine AWP%",
        "Vaccine Limit",
        "Blood AWP%",
        "Blood limit",
        "Clotting Factor",
        "Notes",
    ]
    body = [
        [code, short, dosage, limit, coinsurance, "", "", "", "", "", notes_text]
        for code, short, dosage, limit, coinsurance, notes_text in rows
    ]
    return csv_of(
        [
            ["Payment Allowance Limits for Medicare Part B Drugs"],
            [],
            *period,
            *notes,
            [],
            [],
            header,
            *body,
        ]
    )


def crosswalk_csv(
    rows: Iterable[CrosswalkRow], *, month: str = "October", year: int = 2025
) -> bytes:
    """CMS's "ASP NDC - HCPCS Crosswalk" csv: eight notice lines, the title
    first ("October 2025 ASP NDC - HCPCS Crosswalk"), then the header
    ("_2025_CODE", ..., "BILLUNITSPKG"). `rows`: (HCPCS, short description,
    labeler, NDC 5-4-2, drug name, HCPCS dosage, package size, package
    quantity, billing units per item, billing units per package), as text."""
    notices: list[list[object]] = [
        [f"{month} {year} ASP NDC - HCPCS Crosswalk"],
        [],
        [
            "Effective January 1, 2005, Medicare will base payment for a Part B drug "
            "on 106% of the Average Sales Price (ASP) of the drug as reported "
            "quarterly to the Centers for Medicare and Medicaid Services (CMS)."
        ],
        [],
        ["The crosswalks are not intended to be a comprehensive list of all drugs."],
        [],
        ["Comments on the file may be sent to CMS."],
        [],
    ]
    header = [
        f"_{year}_CODE",
        "Short Description",
        "LABELER NAME",
        "NDC2",
        "Drug Name",
        "HCPCS dosage",
        "PKG SIZE",
        "PKG QTY",
        "BILLUNITS",
        "BILLUNITSPKG",
    ]
    return csv_of([*notices, header, *rows])


def addendum_b_csv(rows: Iterable[AddendumBRow]) -> bytes:
    """CMS's OPPS Addendum B csv. `rows`: (code, short descriptor, status
    indicator, APC, payment rate as CMS writes it, "$1,234.56" or "")."""
    notices: list[list[object]] = [
        ["Addendum B.--OPPS Payment by HCPCS Code for CY 2026"],
        [
            "CPT codes and descriptions only are copyright 2025 American Medical "
            "Association."
        ],
        [],
    ]
    header = [
        "HCPCS Code",
        "Short Descriptor",
        "SI",
        "APC",
        "Relative Weight",
        "Payment Rate",
        "National Unadjusted Copayment",
        "Minimum Unadjusted Copayment",
        "Note",
    ]
    body = [
        [code, short, si, apc, "", rate, "", "", ""]
        for code, short, si, apc, rate in rows
    ]
    return csv_of([*notices, header, *body])


HCPCS_HEADER = [
    "HCPC",
    "SEQNUM",
    "RECID",
    "LONG DESCRIPTION",
    "SHORT DESCRIPTION",
    "PRICE1",
    "MULT_PI",
    "COV",
    "ADD DT",
    "ACT EFF DT",
    "TERM DT",
    "ACTION CD",
]


def hcpcs_xlsx(rows: Iterable[HcpcsRow], *, piece: int = 80) -> bytes:
    """CMS's HCPCS quarterly workbook (HCPC2027_JAN_ANWEB.xlsx). `rows`: (code,
    long description, short description, added, terminated, action code); a
    two-character code is a modifier. A long description longer than `piece`
    characters runs on in rows of the same code with a higher SEQNUM, as
    CMS writes it."""
    table: list[list[object]] = [[*HCPCS_HEADER]]
    for code, long, short, added, terminated, action in rows:
        modifier = len(code) == 2
        for number, text in enumerate(pieces(long, piece)):
            first = number == 0
            table.append(
                [
                    code,
                    f"{(number + 1) * 100:05d}",
                    ("7" if modifier else "3") if first else ("8" if modifier else "4"),
                    text,
                    short if first else "",
                    "51" if first else "",
                    "A" if first else "",
                    "D" if first else "",
                    int(yyyymmdd(added)) if first and added else None,
                    int(yyyymmdd(added)) if first and added else None,
                    int(yyyymmdd(terminated)) if first and terminated else None,
                    action if first else "",
                ]
            )
    return xlsx_of(table)


def pieces(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def number_or_text(value: object) -> object:
    """A code or date as Excel keeps it when typed in: a number, unless it has
    letters or leading zeros."""
    if isinstance(value, str) and value.isdigit() and not value.startswith("0"):
        return int(value)
    return value


def yyyymmdd(day: date) -> str:
    return f"{day:%Y%m%d}"


def yyyyddd(day: date | None) -> str:
    return f"{day.year}{day.timetuple().tm_yday:03d}" if day else ""


def long_date(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"
