"""Reading CMS's files as CMS publishes them: every layout, in each format it
comes in, found below its notice lines and cut down to the codes Chairside
uses."""

import hashlib
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal

import pytest

from reference.cms_files import (
    TABLES,
    CmsFileError,
    CmsTable,
    effective_from_name,
    read_cms_file,
)
from tests.reference.cms_fixtures import (
    AocRow,
    addendum_b_csv,
    aoc_txt,
    aoc_xlsx,
    asp_csv,
    crosswalk_csv,
    csv_of,
    hcpcs_xlsx,
    mue_csv,
    mue_xlsx,
    ptp_txt,
    ptp_xlsx,
    xlsx_of,
    zip_of,
)

MUE_NAME = "MCR_MUE_PractitionerServices_Eff_01-01-2027.csv"
MUE_ROWS = [
    ("96365", 1, 3, "Clinical: Data"),
    ("96366", 8, 3, "Clinical: Data"),
    ("96376", 0, 2, "CMS Policy"),
    ("J9035", 180, 1, "Prescribing Information"),
    ("11042", 1, 2, "Anatomic Consideration"),  # debridement: not kept
    ("A9606", 1, 3, "Clinical: Data"),  # radium: not kept
]
MUE_KEPT = [
    {"code": "96365", "units": 1, "mai": 3, "rationale": "Clinical: Data"},
    {"code": "96366", "units": 8, "mai": 3, "rationale": "Clinical: Data"},
    {"code": "96376", "units": 0, "mai": 2, "rationale": "CMS Policy"},
    {"code": "J9035", "units": 180, "mai": 1, "rationale": "Prescribing Information"},
]
PTP_ROWS = [
    ("96413", "96360", date(1996, 1, 1), None, 1, "Misuse of column two code"),
    ("96413", "96365", date(2009, 1, 1), date(2019, 12, 31), 0, "Mutually exclusive"),
    ("96413", "96365", date(2020, 1, 1), None, 1, "Mutually exclusive"),
    ("99213", "96372", date(2013, 1, 1), None, 9, "Standards of medical practice"),
    ("11042", "96360", date(2002, 1, 1), None, 1, "Misuse of column two code"),
    ("96413", "J9035", date(2010, 1, 1), None, 1, "Drug with administration"),
    ("96413", "11042", date(2002, 1, 1), None, 1, "Misuse of column two code"),
]
PTP_KEPT = [
    {
        "column1": "96413",
        "column2": "96360",
        "effective": date(1996, 1, 1),
        "deleted": None,
        "modifier_indicator": 1,
        "rationale": "Misuse of column two code",
        "before_1996": True,
    },
    {
        "column1": "96413",
        "column2": "96365",
        "effective": date(2009, 1, 1),
        "deleted": date(2019, 12, 31),
        "modifier_indicator": 0,
        "rationale": "Mutually exclusive",
        "before_1996": False,
    },
    {
        "column1": "96413",
        "column2": "96365",
        "effective": date(2020, 1, 1),
        "deleted": None,
        "modifier_indicator": 1,
        "rationale": "Mutually exclusive",
        "before_1996": False,
    },
    {
        "column1": "99213",
        "column2": "96372",
        "effective": date(2013, 1, 1),
        "deleted": None,
        "modifier_indicator": 9,
        "rationale": "Standards of medical practice",
        "before_1996": False,
    },
    {
        "column1": "96413",
        "column2": "J9035",
        "effective": date(2010, 1, 1),
        "deleted": None,
        "modifier_indicator": 1,
        "rationale": "Drug with administration",
        "before_1996": False,
    },
]


def only(tables: list[CmsTable]) -> CmsTable:
    assert len(tables) == 1, [table.source for table in tables]
    return tables[0]


def refusal(name: str, data: bytes) -> str:
    with pytest.raises(CmsFileError) as raised:
        read_cms_file(name, data)
    return str(raised.value)


# MUE ------------------------------------------------------------------------


def test_mue_csv_is_read_below_its_notice_line() -> None:
    data = mue_csv(MUE_ROWS)
    assert data.startswith(b'"CPT\xae codes')  # Windows code page, not UTF-8
    table = only(read_cms_file(MUE_NAME, data))
    assert table.table == "mue_practitioner"
    assert table.source == MUE_NAME
    assert table.effective == date(2027, 1, 1)
    assert table.medicaid is False
    assert list(table.rows) == MUE_KEPT
    assert table.rows_read == 6
    assert table.sha256 == hashlib.sha256(data).hexdigest()


def test_mue_xlsx_with_codes_kept_as_numbers() -> None:
    name = "MCR_MUE_OutpatientHospitalServices_Eff_04-01-2027.xlsx"
    table = only(read_cms_file(name, mue_xlsx(MUE_ROWS, setting="outpatient_hospital")))
    assert table.table == "mue_outpatient_hospital"
    assert table.effective == date(2027, 4, 1)
    assert list(table.rows) == MUE_KEPT
    assert table.rows_read == 6


def test_mue_without_the_notice_line_or_an_indicator() -> None:
    table = only(
        read_cms_file(MUE_NAME, mue_csv([("96360", 1, None, "")], notice=False))
    )
    assert list(table.rows) == [
        {"code": "96360", "units": 1, "mai": None, "rationale": ""}
    ]


def test_a_zip_gives_one_table_read_from_its_csv() -> None:
    data = mue_csv(MUE_ROWS)
    zipped = zip_of(
        {
            "MCR_MUE_PractitionerServices_Eff_01-01-2027.xlsx": mue_xlsx(MUE_ROWS[:1]),
            MUE_NAME: data,
            "MCR_MUE_PractitionerServices_Changes_Eff_01-01-2027.csv": mue_csv(
                MUE_ROWS[:2]
            ),
            "MUE_Readme.pdf": b"%PDF-1.7",
        }
    )
    table = only(read_cms_file("MCR_MUE_PractitionerServices.zip", zipped))
    assert table.source == f"MCR_MUE_PractitionerServices.zip/{MUE_NAME}"
    assert table.effective == date(2027, 1, 1)
    assert list(table.rows) == MUE_KEPT
    assert table.sha256 == hashlib.sha256(data).hexdigest()


def test_a_zip_of_both_settings_gives_both_tables() -> None:
    zipped = zip_of(
        {
            "MCR_MUE_PractitionerServices_Eff_01-01-2027.xlsx": mue_xlsx(MUE_ROWS),
            "MCR_MUE_OutpatientHospitalServices_Eff_01-01-2027.xlsx": mue_xlsx(
                MUE_ROWS[:1], setting="outpatient_hospital"
            ),
        }
    )
    tables = read_cms_file("mue-2027-q1.zip", zipped)
    assert [(t.table, len(t.rows)) for t in tables] == [
        ("mue_practitioner", 4),
        ("mue_outpatient_hospital", 1),
    ]


def test_medicaid_mue_by_name() -> None:
    name = "MCD_MUE_PractitionerServices_Eff_01-01-2027.csv"
    table = only(read_cms_file(name, mue_csv(MUE_ROWS)))
    assert (table.table, table.medicaid) == ("medicaid_mue_practitioner", True)


def test_medicaid_mue_by_notice_line() -> None:
    data = csv_of(
        [
            ["Medicaid NCCI Medically Unlikely Edits, Outpatient Hospital Services"],
            [
                "HCPCS/CPT Code",
                "Outpatient Hospital Services MUE Values",
                "MUE Rationale",
            ],
            ["96365", "2", "Clinical: Data"],
        ]
    )
    table = only(read_cms_file("MUE_Eff_01-01-2027.csv", data))
    assert (table.table, table.medicaid) == ("medicaid_mue_outpatient_hospital", True)
    assert list(table.rows) == [
        {"code": "96365", "units": 2, "mai": None, "rationale": "Clinical: Data"}
    ]


def test_the_agency_name_does_not_make_a_file_medicaid() -> None:
    data = csv_of(
        [
            ["Published by the Centers for Medicare & Medicaid Services"],
            ["HCPCS/CPT Code", "Practitioner Services MUE Values"],
            ["96365", "1"],
        ]
    )
    table = only(read_cms_file(MUE_NAME, data))
    assert (table.table, table.medicaid) == ("mue_practitioner", False)


def test_a_code_listed_twice_with_different_values_is_refused() -> None:
    data = mue_csv([*MUE_ROWS, ("96365", 2, 3, "Clinical: Data")])
    message = refusal(MUE_NAME, data)
    assert message.startswith(MUE_NAME)
    assert "96365" in message
    assert "1 units (MAI 3, Clinical: Data)" in message
    assert "2 units (MAI 3, Clinical: Data)" in message


def test_a_code_listed_twice_alike_is_kept_once() -> None:
    table = only(read_cms_file(MUE_NAME, mue_csv([*MUE_ROWS, MUE_ROWS[0]])))
    assert list(table.rows) == MUE_KEPT
    assert table.rows_read == 7


def test_dme_supplier_mues_are_refused() -> None:
    name = "MCR_MUE_DMESupplierServices_Eff_01-01-2027.csv"
    message = refusal(name, mue_csv(MUE_ROWS, setting="dme"))
    assert message.startswith(name)
    assert "DME supplier MUEs" in message
    assert "infusion centre" in message


def test_an_indicator_that_is_no_indicator_is_refused() -> None:
    data = csv_of(
        [
            [
                "HCPCS/CPT Code",
                "Practitioner Services MUE Values",
                "MUE Adjudication Indicator",
            ],
            ["96365", "1", "Clinical"],
        ]
    )
    assert "'Clinical'" in refusal(MUE_NAME, data)


# PTP ------------------------------------------------------------------------


def test_ptp_txt_with_its_header_over_two_rows() -> None:
    data = ptp_txt(PTP_ROWS)
    assert b"\tprior to 1996\t" in data.splitlines()[2]
    table = only(read_cms_file("ccipra-v331r0-f1.txt", data))
    assert table.table == "ncci_ptp_practitioner"
    assert table.effective is None
    assert table.medicaid is False
    assert list(table.rows) == PTP_KEPT
    assert table.rows_read == 7


def test_ptp_txt_with_a_one_row_header() -> None:
    table = only(
        read_cms_file("ccioph-v331r0-f2.txt", ptp_txt(PTP_ROWS, split_header=False))
    )
    assert table.table == "ncci_ptp_outpatient_hospital"
    assert list(table.rows) == PTP_KEPT


def test_ptp_xlsx_with_codes_and_dates_as_numbers() -> None:
    table = only(read_cms_file("ccioph-v331r0-f1.xlsx", ptp_xlsx(PTP_ROWS)))
    assert table.table == "ncci_ptp_outpatient_hospital"
    assert list(table.rows) == PTP_KEPT
    assert table.rows_read == 7


def test_rows_that_are_not_data_are_neither_kept_nor_counted() -> None:
    data = csv_of(
        [
            ["Column 1", "Column 2", "Effective", "Deletion", "Modifier"],
            ["Code", "Code", "Date", "Date", "Indicator"],
            ["96413", "96360", "19960101", "*", "1"],
            [],
            ["Note: edits deleted before 1996 are not listed", "", "", "", ""],
        ],
        delimiter="\t",
    )
    table = only(read_cms_file("ccipra-v331r0-f1.txt", data))
    assert [(row["column1"], row["column2"]) for row in table.rows] == [
        ("96413", "96360")
    ]
    assert table.rows_read == 1


def test_a_ptp_zip_is_read_from_its_txt() -> None:
    zipped = zip_of(
        {
            "ccipra-v331r0-f1.xlsx": ptp_xlsx(PTP_ROWS[:1]),
            "ccipra-v331r0-f1.txt": ptp_txt(PTP_ROWS),
            "NCCI_PTP_Readme.pdf": b"%PDF-1.7",
        }
    )
    table = only(read_cms_file("ccipra-v331r0-f1.zip", zipped))
    assert table.source == "ccipra-v331r0-f1.zip/ccipra-v331r0-f1.txt"
    assert table.table == "ncci_ptp_practitioner"
    assert list(table.rows) == PTP_KEPT


@pytest.mark.parametrize(
    ("name", "table"),
    [
        ("practitioner-ptp-edits.txt", "ncci_ptp_practitioner"),
        ("PTP_Hospital_part1.txt", "ncci_ptp_outpatient_hospital"),
        ("outpatient-ptp.txt", "ncci_ptp_outpatient_hospital"),
        ("medicaid-ncci-ptp-practitioner-2027q1.txt", "medicaid_ptp_practitioner"),
        ("MCD-ccioph-2027q1.txt", "medicaid_ptp_outpatient_hospital"),
    ],
)
def test_the_ptp_setting_comes_from_the_name(name: str, table: str) -> None:
    read = only(read_cms_file(name, ptp_txt(PTP_ROWS)))
    assert read.table == table
    assert read.medicaid is table.startswith("medicaid")


def test_the_setting_of_a_ptp_zip_member_may_come_from_the_zip() -> None:
    zipped = zip_of({"part1.txt": ptp_txt(PTP_ROWS)})
    table = only(read_cms_file("ccioph-v331r0-f1.zip", zipped))
    assert table.table == "ncci_ptp_outpatient_hospital"


def test_a_ptp_file_whose_name_names_no_setting_is_refused() -> None:
    message = refusal("ptp-edits-f1.txt", ptp_txt(PTP_ROWS))
    assert message.startswith("ptp-edits-f1.txt does not say whether")
    assert "ccipra" in message
    assert "ccioph" in message


def test_an_active_edit_with_two_modifier_indicators_is_refused() -> None:
    rows = [*PTP_ROWS, ("96413", "96360", date(2021, 1, 1), None, 0, "Misuse")]
    message = refusal("ccipra-v331r0-f1.txt", ptp_txt(rows))
    assert "96413/96360" in message
    assert "modifier indicators 1 and 0" in message


def test_an_edit_deleted_and_added_again_is_kept_for_each_span() -> None:
    rows = [
        (
            "96413",
            "96365",
            date(2009, 1, 1),
            date(2019, 12, 31),
            0,
            "Mutually exclusive",
        ),
        (
            "96413",
            "96365",
            date(2020, 1, 1),
            date(2020, 6, 30),
            1,
            "Mutually exclusive",
        ),
        ("96413", "96365", date(2020, 7, 1), None, 1, "Mutually exclusive"),
    ]
    table = only(read_cms_file("ccipra-v331r0-f1.txt", ptp_txt(rows)))
    assert [(row["deleted"], row["modifier_indicator"]) for row in table.rows] == [
        (date(2019, 12, 31), 0),
        (date(2020, 6, 30), 1),
        (None, 1),
    ]


def test_a_date_that_is_no_date_is_refused() -> None:
    data = ptp_txt(PTP_ROWS[:1]).replace(b"19960101", b"1996-13-01")
    message = refusal("ccipra-v331r0-f1.txt", data)
    assert message == (
        "ccipra-v331r0-f1.txt gives 96413/96360 the effective date '1996-13-01', "
        "which is not a date."
    )


# Add-on code edits ----------------------------------------------------------

AOC_ROWS = [
    ("96367", "96365", 1, None, None, ""),
    ("96376", "96374", 1, None, None, "96376 may be reported by facilities only"),
    ("96366", "96360", 1, date(2024, 3, 31), None, ""),
    ("96368", "C8957", 1, None, date(2023, 12, 31), ""),
    ("96547", "49000", 2, date(2025, 6, 30), date(2024, 12, 31), ""),
    ("11045", "11042", 1, None, None, ""),  # debridement: not kept
]
AOC_KEPT = [
    {
        "add_on": "96367",
        "primary": "96365",
        "edit_type": 1,
        "deleted": None,
        "note": "",
    },
    {
        "add_on": "96376",
        "primary": "96374",
        "edit_type": 1,
        "deleted": None,
        "note": "96376 may be reported by facilities only",
    },
    {
        "add_on": "96366",
        "primary": "96360",
        "edit_type": 1,
        "deleted": date(2024, 3, 31),
        "note": "",
    },
    {
        "add_on": "96368",
        "primary": "C8957",
        "edit_type": 1,
        "deleted": date(2023, 12, 31),
        "note": "",
    },
    {
        "add_on": "96547",
        "primary": "49000",
        "edit_type": 2,
        "deleted": date(2024, 12, 31),
        "note": "",
    },
]


@pytest.mark.parametrize(
    ("name", "writer"),
    [("AOC_V2027Q1_MCR.xlsx", aoc_xlsx), ("AOC_V2027Q1_MCR.txt", aoc_txt)],
)
def test_add_on_code_edits(
    name: str, writer: Callable[[Iterable[AocRow]], bytes]
) -> None:
    table = only(read_cms_file(name, writer(AOC_ROWS)))
    assert table.table == "ncci_aoc"
    assert table.effective == date(2027, 1, 1)
    assert list(table.rows) == AOC_KEPT
    assert table.rows_read == 6


def test_medicaid_applies_only_to_mues_and_ptp_edits() -> None:
    table = only(read_cms_file("Medicaid_AOC_V2027Q1.xlsx", aoc_xlsx(AOC_ROWS)))
    assert (table.table, table.medicaid) == ("ncci_aoc", False)


# ASP payment limits ---------------------------------------------------------

ASP_ROWS = [
    ("90371", "Hep b ig im", "1 ML", "134.194", "20.000", ""),
    ("A9606", "Radium ra223 dichloride ther", "1 microCurie", "N/A", "20.000", "AWP"),
    (
        "J0129",
        "Abatacept injection",
        "10 MG",
        "44.109",
        "20.000",
        '"lesser of" applied',
    ),
    ("J0897", "Denosumab injection", "1 MG", "29.380", "17.508", "Inflation-adjusted"),
    ("J9999", "Chemotherapy drug", "", "N/A", "", ""),
]
ASP_KEPT = [
    {
        "code": "J0129",
        "short_description": "Abatacept injection",
        "dosage": "10 MG",
        "payment_limit": Decimal("44.109"),
        "coinsurance_pct": Decimal("20.000"),
        "notes": '"lesser of" applied',
    },
    {
        "code": "J0897",
        "short_description": "Denosumab injection",
        "dosage": "1 MG",
        "payment_limit": Decimal("29.380"),
        "coinsurance_pct": Decimal("17.508"),
        "notes": "Inflation-adjusted",
    },
    {
        "code": "J9999",
        "short_description": "Chemotherapy drug",
        "dosage": "",
        "payment_limit": None,
        "coinsurance_pct": None,
        "notes": "",
    },
]


def test_asp_payment_limits_take_their_date_from_the_notice_line() -> None:
    data = asp_csv(ASP_ROWS, effective=date(2025, 10, 1))
    assert b"Effective October 1, 2025 through December 31, 2025" in data
    table = only(read_cms_file("asp_pricing.csv", data))
    assert table.table == "asp_payment_limits"
    assert table.effective == date(2025, 10, 1)
    assert list(table.rows) == ASP_KEPT
    assert table.rows_read == 5


def test_the_name_s_date_comes_before_the_notice_line_s() -> None:
    data = asp_csv(ASP_ROWS, effective=date(2025, 10, 1))
    table = only(read_cms_file("January 2026 ASP Pricing File.csv", data))
    assert table.effective == date(2026, 1, 1)


def test_a_file_without_a_date_has_none() -> None:
    table = only(read_cms_file("asp_pricing.csv", asp_csv(ASP_ROWS, effective=None)))
    assert table.effective is None


def test_asp_in_a_zip_with_its_workbook() -> None:
    zipped = zip_of(
        {
            "Oct 2025 ASP Pricing File 092925.xlsx": xlsx_of(
                [["HCPCS Code"], ["J0129"]]
            ),
            "Oct 2025 ASP Pricing File 092925.csv": asp_csv(ASP_ROWS),
        }
    )
    table = only(read_cms_file("oct-2025-asp-pricing-file.zip", zipped))
    assert table.source.endswith("092925.csv")
    assert table.effective == date(2025, 10, 1)
    assert list(table.rows) == ASP_KEPT


# NDC-HCPCS crosswalk --------------------------------------------------------

CROSSWALK_ROWS = [
    (
        "90375",
        "Rabies ig im/sc",
        "Kedrion",
        "76125-0150-10",
        "Kedrab",
        "150 IU",
        "1",
        "1",
        "1",
        "1",
    ),
    (
        "J0129",
        "Abatacept injection",
        "E.R. Squibb & Sons, L.L.C.",
        "00003-2188-11",
        "Orencia",
        "10 MG",
        "1",
        "4",
        "12.5",
        "50",
    ),
    (
        "J0131",
        "Inj, acetaminophen (nos)",
        "Sandoz Inc.",
        "00781-3156-95",
        "Acetaminophen",
        "10 MG",
        "100",
        "10",
        "100",
        "1000",
    ),
    (
        "J7050",
        "Normal saline solution infus",
        "B. Braun",
        "ALT-0001",
        "Saline",
        "250 CC",
        "250",
        "1",
        "1",
        "1",
    ),
]
CROSSWALK_KEPT = [
    {
        "hcpcs": "J0129",
        "short_description": "Abatacept injection",
        "labeler": "E.R. Squibb & Sons, L.L.C.",
        "ndc": "00003-2188-11",
        "ndc11": "00003218811",
        "drug_name": "Orencia",
        "hcpcs_dosage": "10 MG",
        "package_size": Decimal(1),
        "package_quantity": Decimal(4),
        "billing_units_per_item": Decimal("12.5"),
        "billing_units_per_package": Decimal(50),
    },
    {
        "hcpcs": "J0131",
        "short_description": "Inj, acetaminophen (nos)",
        "labeler": "Sandoz Inc.",
        "ndc": "00781-3156-95",
        "ndc11": "00781315695",
        "drug_name": "Acetaminophen",
        "hcpcs_dosage": "10 MG",
        "package_size": Decimal(100),
        "package_quantity": Decimal(10),
        "billing_units_per_item": Decimal(100),
        "billing_units_per_package": Decimal(1000),
    },
]


def test_the_crosswalk_below_its_eight_notice_lines() -> None:
    table = only(read_cms_file("asp_crosswalk.csv", crosswalk_csv(CROSSWALK_ROWS)))
    assert table.table == "ndc_crosswalk"
    # From the title line, not "Effective January 1, 2005, Medicare will ...".
    assert table.effective == date(2025, 10, 1)
    assert table.medicaid is False
    assert list(table.rows) == CROSSWALK_KEPT
    assert table.rows_read == 4


def test_a_crosswalk_row_without_a_package_size_is_refused() -> None:
    rows = [(*CROSSWALK_ROWS[1][:6], "", *CROSSWALK_ROWS[1][7:])]
    message = refusal("asp_crosswalk.csv", crosswalk_csv(rows))
    assert message == "asp_crosswalk.csv gives J0129 00003-2188-11 no package size."


# OPPS Addendum B ------------------------------------------------------------


def test_addendum_b() -> None:
    data = addendum_b_csv(
        [
            ("96365", "Ther/proph/diag iv inf init", "S", "5693", "$215.43"),
            ("J9035", "Inj bevacizumab 10 mg", "k", "1234", "$1,234.56"),
            ("J3490", "Drugs unclassified", "N", "", ""),
            ("0001A", "Adm sarscov2 30mcg/0.3ml 1st", "S", "9398", "$40.00"),
        ]
    )
    table = only(read_cms_file("April_2026_Addendum_B.csv", data))
    assert table.table == "opps_addendum_b"
    assert table.effective == date(2026, 4, 1)
    assert list(table.rows) == [
        {
            "code": "96365",
            "short_descriptor": "Ther/proph/diag iv inf init",
            "status_indicator": "S",
            "apc": "5693",
            "payment_rate": Decimal("215.43"),
        },
        {
            "code": "J9035",
            "short_descriptor": "Inj bevacizumab 10 mg",
            "status_indicator": "K",
            "apc": "1234",
            "payment_rate": Decimal("1234.56"),
        },
        {
            "code": "J3490",
            "short_descriptor": "Drugs unclassified",
            "status_indicator": "N",
            "apc": "",
            "payment_rate": None,
        },
    ]
    assert table.rows_read == 4


# HCPCS ----------------------------------------------------------------------

ABATACEPT = (
    "Injection, abatacept, 10 mg (code may be used for medicare when drug "
    "administered under the direct supervision of a physician, not for use when "
    "drug is self administered)"
)


def test_the_hcpcs_file_joins_long_descriptions_and_skips_modifiers() -> None:
    data = hcpcs_xlsx(
        [
            (
                "25",
                "Significant, separately identifiable e/m service",
                "Sig sep e/m",
                date(2000, 1, 1),
                None,
                "N",
            ),
            (
                "A9606",
                "Radium ra-223 dichloride, therapeutic, per microcurie",
                "Radium ra223 dichloride ther",
                date(2014, 1, 1),
                None,
                "N",
            ),
            ("J0129", ABATACEPT, "Abatacept injection", date(2007, 1, 1), None, "N"),
            (
                "J9070",
                "Cyclophosphamide, 100 mg",
                "Cyclophosphamide 100 mg inj",
                date(2000, 1, 1),
                date(2024, 3, 31),
                "D",
            ),
        ]
    )
    table = only(read_cms_file("HCPC2027_JAN_ANWEB.xlsx", data))
    assert table.table == "hcpcs"
    assert table.effective == date(2027, 1, 1)
    assert list(table.rows) == [
        {
            "code": "J0129",
            "short_descriptor": "Abatacept injection",
            "long_descriptor": ABATACEPT,
            "added": date(2007, 1, 1),
            "terminated": None,
            "action": "N",
        },
        {
            "code": "J9070",
            "short_descriptor": "Cyclophosphamide 100 mg inj",
            "long_descriptor": "Cyclophosphamide, 100 mg",
            "added": date(2000, 1, 1),
            "terminated": date(2024, 3, 31),
            "action": "D",
        },
    ]
    # J0129's description runs over three rows, the modifier's and A9606's
    # over one each.
    assert table.rows_read == 6


def test_long_description_pieces_join_in_seqnum_order() -> None:
    header = ["HCPC", "SEQNUM", "RECID", "LONG DESCRIPTION", "SHORT DESCRIPTION"]
    data = xlsx_of(
        [
            header,
            ["J0129", "00200", 4, "the direct supervision of a physician)", ""],
            ["J0129", "00100", 3, "Injection, abatacept, 10 mg (under", "Abatacept"],
        ]
    )
    table = only(read_cms_file("HCPC2027_APR_ANWEB.xlsx", data))
    assert table.rows[0]["long_descriptor"] == (
        "Injection, abatacept, 10 mg (under the direct supervision of a physician)"
    )
    assert table.rows[0]["short_descriptor"] == "Abatacept"
    assert table.effective == date(2027, 4, 1)


# Dates in names -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "effective"),
    [
        ("MCR_MUE_PractitionerServices_Eff_01-01-2027.csv", date(2027, 1, 1)),
        ("mue_04-01-2027.xlsx", date(2027, 4, 1)),
        ("aoc-2027-07-01.xlsx", date(2027, 7, 1)),
        ("October 2025 ASP Pricing File.csv", date(2025, 10, 1)),
        ("asp-jan-2027.zip", date(2027, 1, 1)),
        ("addendum-b-2027-april.csv", date(2027, 4, 1)),
        ("addendum_b_2027_september.csv", date(2027, 9, 1)),
        ("HCPC2027_JAN_ANWEB.xlsx", date(2027, 1, 1)),
        ("medicaid-ptp-2027Q3.zip", date(2027, 7, 1)),
        ("medicaid-ptp-2027-q4.zip", date(2027, 10, 1)),
        ("ccipra-v331r0-f1.txt", None),
        ("mue_13-45-2027.csv", None),
        ("summary2027.csv", None),
    ],
)
def test_effective_from_name(name: str, effective: date | None) -> None:
    assert effective_from_name(name) == effective


# Files that cannot be read --------------------------------------------------


def test_a_file_of_no_known_layout_names_the_columns_of_every_layout() -> None:
    data = csv_of([["Code", "Description"], ["96365", "Infusion"]])
    message = refusal("codes.csv", data)
    assert message.startswith(
        "codes.csv is not a CMS file Chairside can read: its columns match none "
        "of the supported tables. Expected, for example, an MUE file with columns "
        '"HCPCS/CPT Code", "Practitioner Services MUE Values" or "Outpatient '
        'Hospital Services MUE Values", "MUE Adjudication Indicator", "MUE '
        'Rationale"; a PTP file with "Column 1", "Column 2", "Effective Date", '
        '"Deletion Date", "Modifier", "PTP Edit Rationale"; '
    )
    for columns in (
        '"Add-on Code", "Primary Code", "AOC Edit Type"',
        '"HCPCS Code Dosage", "Payment Limit", "Co-insurance Percentage"',
        '"NDC2", "Drug Name", "HCPCS dosage", "PKG SIZE", "PKG QTY", "BILLUNITS"',
        '"SI", "APC", "Payment Rate"',
        '"HCPC", "SEQNUM", "LONG DESCRIPTION", "SHORT DESCRIPTION"',
    ):
        assert columns in message
    assert message.endswith('"ACTION CD".')


def test_a_header_below_the_notice_lines_cms_writes_is_not_looked_for() -> None:
    notices = [[f"Notice line {n}"] for n in range(30)]
    data = csv_of([*notices, ["HCPCS/CPT Code", "Practitioner Services MUE Values"]])
    assert refusal(MUE_NAME, data).startswith(f"{MUE_NAME} is not a CMS file")


def test_a_cut_short_zip_is_refused() -> None:
    zipped = zip_of({MUE_NAME: mue_csv(MUE_ROWS)})
    message = refusal("mue.zip", zipped[: len(zipped) // 2])
    assert message == (
        "mue.zip is not a whole zip file: it was probably cut short while "
        "downloading, so download it again."
    )


def test_a_zip_whose_member_is_damaged_is_refused() -> None:
    zipped = bytearray(zip_of({MUE_NAME: mue_csv(MUE_ROWS * 50)}))
    zipped[100:110] = b"\xff" * 10
    assert "is not a whole zip file" in refusal("mue.zip", bytes(zipped))


def test_an_empty_file_is_refused() -> None:
    assert refusal(MUE_NAME, b"") == f"{MUE_NAME} is empty: download it again."


def test_a_zip_of_only_a_pdf_is_refused_naming_what_it_holds() -> None:
    zipped = zip_of({"docs/NCCI_Readme.pdf": b"%PDF-1.7"})
    assert refusal("ncci.zip", zipped) == (
        "ncci.zip holds no CMS table Chairside can read; it contains "
        "docs/NCCI_Readme.pdf."
    )


def test_a_zip_of_unknown_tables_names_its_members() -> None:
    zipped = zip_of({"codes.csv": csv_of([["Code"], ["96365"]]), "notes.docx": b"x"})
    message = refusal("codes.zip", zipped)
    assert message.endswith("it contains codes.csv, notes.docx.")


@pytest.mark.parametrize(
    "data",
    [b"PK\x03\x04 not a workbook", xlsx_of([["HCPC"]])[:300], b"HCPC,SEQNUM\n"],
)
def test_a_workbook_openpyxl_cannot_open_is_refused(data: bytes) -> None:
    assert refusal("HCPC2027_JAN_ANWEB.xlsx", data) == (
        "HCPC2027_JAN_ANWEB.xlsx cannot be opened as an Excel workbook: it may be "
        "damaged or cut short, so download it again."
    )


def test_a_file_of_another_kind_is_refused() -> None:
    message = refusal("NCCI_Readme.pdf", b"%PDF-1.7")
    assert message.startswith("NCCI_Readme.pdf is not a file Chairside can read")


def test_every_table_is_described() -> None:
    assert set(TABLES) == {
        "mue_practitioner",
        "mue_outpatient_hospital",
        "medicaid_mue_practitioner",
        "medicaid_mue_outpatient_hospital",
        "ncci_ptp_practitioner",
        "ncci_ptp_outpatient_hospital",
        "medicaid_ptp_practitioner",
        "medicaid_ptp_outpatient_hospital",
        "ncci_aoc",
        "asp_payment_limits",
        "ndc_crosswalk",
        "opps_addendum_b",
        "hcpcs",
    }
    assert all(TABLES.values())


def test_a_damaged_member_beside_a_readable_one_is_passed_over() -> None:
    zipped = zip_of(
        {
            "MCR_MUE_PractitionerServices_Eff_01-01-2027.xlsx": b"PK\x03\x04 cut",
            MUE_NAME: mue_csv(MUE_ROWS),
        }
    )
    table = only(read_cms_file("mue.zip", zipped))
    assert table.source == f"mue.zip/{MUE_NAME}"
    assert list(table.rows) == MUE_KEPT


def test_a_zip_whose_only_table_is_damaged_says_which_member() -> None:
    member = "MCR_MUE_PractitionerServices_Eff_01-01-2027.xlsx"
    zipped = zip_of({member: b"PK\x03\x04 cut", "readme.pdf": b"%PDF-1.7"})
    assert refusal("mue.zip", zipped) == (
        f"mue.zip/{member} cannot be opened as an Excel workbook: it may be "
        "damaged or cut short, so download it again."
    )


def test_julian_dates_count_days_into_the_year() -> None:
    rows = [("96367", "96365", 1, date(2030, 1, 1), None, "")]
    data = aoc_txt(rows).replace(b"2030001", b"2024366")
    table = only(read_cms_file("aoc.txt", data))
    assert table.rows[0]["deleted"] == date(2024, 12, 31)


@pytest.mark.parametrize("julian", ["2023366", "2024000", "0000001", "203001"])
def test_a_julian_date_that_is_no_date_is_refused(julian: str) -> None:
    rows = [("96367", "96365", 1, date(2030, 1, 1), None, "")]
    data = aoc_txt(rows).replace(b"2030001", julian.encode())
    assert refusal("aoc.txt", data) == (
        f"aoc.txt gives 96367/96365 the edit's deletion date {julian!r}, which is "
        "not a date (YYYYDDD)."
    )
