"""`manage.py import_patients FILE` and the upload on the patient list: one
file, one transaction; any bad row and nothing is saved, every bad row said."""

from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from encounters.models import AuditEntry, Coverage, Patient
from encounters.registration import COLUMNS
from payers.models import Payer
from tests.encounters import registry

pytestmark = pytest.mark.django_db

HEADER = ",".join(COLUMNS)
# Ada: Medicare and Medicaid. Bo: a child on his mother's plan.
GOOD = f"""{HEADER}
A-1,Lovelace,Ada,King,1960-12-10,F,12 Lake St,,Chicago,IL,60601,312-555-0101,Medicare,1EG4-TE5-MK73,,,18,1,2025-01-01,,,,,
A-1,Lovelace,Ada,King,1960-12-10,F,12 Lake St,,Chicago,IL,60601,312-555-0101,illinois medicaid,910000001,,,self,secondary,2025-01-01,2026-12-31,,,,
B-2,Okafor,Bo,,2010-04-02,male,9 Elm Ave,Apt 2,Oak Park,il,60302-1234,,Lakeshore Mutual,LM-55,G-7,Gold PPO,child,1,2025-03-01,,Okafor,Ngozi,1982-08-30,F
"""  # noqa: E501
# Every reason a row can have, one or more per line.
BAD = f"""{HEADER}
C-3,,Cy,,1990-13-01,X,1 Main St,,Chicago,Illinois,606,12345,Medicare,1EG4-TE5-MK73,,,18,1,2025-01-01,,,,,
D-4,Doe,Di,,1980-01-01,F,1 Main St,,Chicago,IL,60601,,Nobody Health,D-4,,,18,1,2025-01-01,,,,,
E-5,Eve,Em,,1980-01-01,F,1 Main St,,Chicago,IL,60601,,Medicare,e 5!,,,19,4,2025-02-01,2025-01-01,,,,
A-1,Lovelace,Ada,,1960-12-10,F,12 Lake St,,Chicago,IL,60601,,Medicare,1EG4-TE5-MK73,,,18,1,2025-01-01,,,,,
A-1,Lovelace,Ada,,1960-12-10,F,12 Lake St,,Chicago,IL,60601,,Lakeshore Mutual,LM-1,,,18,1,2025-06-01,,,,,
"""  # noqa: E501
REASONS = [
    "line 2: last_name: Give the patient's legal last name.",
    "line 2: date_of_birth: Give the date as YYYY-MM-DD.",
    "line 2: sex: Select a valid choice. X is not one of the available choices.",
    "line 2: state: Ensure this value has at most 2 characters (it has 8).",
    "line 2: postal_code: A ZIP code has 5 digits, or 9 (ZIP+4).",
    "line 2: phone: A phone number has 10 digits, area code first.",
    "line 3: payer: No payer is named 'Nobody Health'; use one of "
    "Illinois Medicaid, Lakeshore Mutual, Medicare.",
    "line 4: order: Select a valid choice. 4 is not one of the available choices.",
    "line 4: member_id: A member ID is 2 to 80 letters, digits or dashes, as on "
    "the card.",
    "line 4: effective_to: The coverage cannot end before it starts.",
    "line 4: subscriber_last_name: Give the subscriber's last name.",
    "line 4: subscriber_first_name: Give the subscriber's first name.",
    "line 4: subscriber_date_of_birth: Give the subscriber's date of birth.",
    "line 4: subscriber_sex: Give the subscriber's sex.",
    "line 6: order: Medicare is already the patient's primary coverage from "
    "2025-01-01; end it first, or choose another order.",
]


@pytest.fixture(autouse=True)
def payers(db: None) -> None:
    registry.payer()
    registry.payer("Illinois Medicaid", Payer.Kind.MEDICAID)
    registry.payer("Lakeshore Mutual", Payer.Kind.COMMERCIAL)


def csv_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "patients.csv"
    # As a spreadsheet saves it: a byte-order mark first.
    path.write_text(text, encoding="utf-8-sig")
    return str(path)


def test_a_good_file_registers_patients_and_coverage(tmp_path: Path) -> None:
    out = StringIO()
    call_command("import_patients", csv_file(tmp_path, GOOD), stdout=out)
    assert "2 patient(s) registered, 0 changed; 3 coverage(s) added" in out.getvalue()
    ada = Patient.objects.get(mrn="A-1")
    assert (ada.name, ada.sex, ada.phone) == ("Ada King Lovelace", "F", "3125550101")
    assert [(c.payer.name, c.order) for c in ada.coverages_on(date(2025, 5, 1))] == [
        ("Medicare", 1),
        ("Illinois Medicaid", 2),
    ]
    bo = Patient.objects.get(mrn="B-2")
    assert (bo.sex, bo.state, bo.postal_code) == ("M", "IL", "603021234")
    child = bo.coverages.get()
    assert child.relationship == Coverage.Relationship.CHILD
    assert (child.subscriber_first_name, child.subscriber_sex) == ("Ngozi", "F")
    assert (child.group_number, child.plan_name) == ("G-7", "Gold PPO")
    # Audited, with no user: the command line has none.
    entries = AuditEntry.objects.filter(patient__in=[ada, bo])
    assert sorted(e.action for e in entries) == [
        "coverage.added",
        "coverage.added",
        "coverage.added",
        "patient.added",
        "patient.added",
    ]
    assert all(e.by is None for e in entries)


def test_importing_again_changes_only_what_differs(tmp_path: Path) -> None:
    call_command("import_patients", csv_file(tmp_path, GOOD), stdout=StringIO())
    out = StringIO()
    call_command("import_patients", csv_file(tmp_path, GOOD), stdout=out)
    assert "0 patient(s) registered, 0 changed; 0 coverage(s) added, 0 changed" in (
        out.getvalue()
    )
    moved = GOOD.replace("9 Elm Ave", "10 Elm Ave")
    out = StringIO()
    call_command("import_patients", csv_file(tmp_path, moved), stdout=out)
    assert "0 patient(s) registered, 1 changed" in out.getvalue()
    assert Coverage.objects.count() == 3
    entry = AuditEntry.objects.get(action="patient.changed")
    assert (entry.before, entry.after) == (
        {"address_line1": "9 Elm Ave"},
        {"address_line1": "10 Elm Ave"},
    )


def test_a_bad_file_saves_nothing_and_says_every_reason(tmp_path: Path) -> None:
    err = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command(
            "import_patients", csv_file(tmp_path, BAD), stdout=StringIO(), stderr=err
        )
    assert refused.value.returncode == 2
    assert f"{len(REASONS)} problem(s)" in str(refused.value)
    assert err.getvalue().splitlines() == REASONS
    # The good rows (D-4's patient, A-1 and its first coverage) are not kept.
    assert not Patient.objects.exists()
    assert not Coverage.objects.exists()
    assert not AuditEntry.objects.exists()


def test_one_patient_has_one_set_of_details(tmp_path: Path) -> None:
    lines = GOOD.splitlines()
    lines[2] = lines[2].replace("1960-12-10", "1961-12-10").replace("Chicago", "Cicero")
    with pytest.raises(CommandError):
        call_command(
            "import_patients",
            csv_file(tmp_path, "\n".join(lines)),
            stdout=StringIO(),
            stderr=(err := StringIO()),
        )
    assert err.getvalue().splitlines() == [
        "line 3: MRN A-1 is on line 2 with another date_of_birth, city; give the "
        "patient the same details on every row."
    ]
    assert not Patient.objects.exists()


def test_a_file_with_the_wrong_columns_is_refused_whole(tmp_path: Path) -> None:
    header = HEADER.replace("member_id", "member").replace(",phone", "")
    with pytest.raises(CommandError):
        call_command(
            "import_patients",
            csv_file(tmp_path, header + "\n"),
            stdout=StringIO(),
            stderr=(err := StringIO()),
        )
    assert err.getvalue().splitlines() == [
        "line 1: Missing columns: phone, member_id. Unknown columns: member."
    ]


def test_a_file_not_utf8_or_missing(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(HEADER.encode() + b"\nA-1,L\xf6we\n")
    with pytest.raises(CommandError, match="not UTF-8") as refused:
        call_command("import_patients", str(path))
    assert refused.value.returncode == 2
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_patients", str(tmp_path / "none.csv"))


def upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("patients.csv", text.encode(), content_type="text/csv")


def test_the_upload_form_imports_the_same(as_coder: Client, coder) -> None:
    response = as_coder.post(
        reverse("encounters:import_patients"), {"file": upload(GOOD)}
    )
    assert response.status_code == 302
    assert Patient.objects.count() == 2
    assert AuditEntry.objects.filter(by=coder).count() == 5
    page = as_coder.get(response["Location"])
    assert "Imported patients.csv: 2 patient(s) registered" in page.text


def test_the_upload_form_lists_every_bad_row(as_admin: Client) -> None:
    response = as_admin.post(
        reverse("encounters:import_patients"),
        {"file": upload(BAD)},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert response.text.lstrip().startswith('<form id="import-form"')
    assert f"Nothing was imported: {len(REASONS)} problem(s)" in response.text
    assert response.text.count("<li>line ") == len(REASONS)
    assert not Patient.objects.exists()
    response = as_admin.post(reverse("encounters:import_patients"), {})
    assert response.status_code == 422
    assert "Choose the CSV file to import." in response.text


def test_nurses_cannot_import(as_nurse: Client) -> None:
    response = as_nurse.post(
        reverse("encounters:import_patients"), {"file": upload(GOOD)}
    )
    assert response.status_code == 403
    assert not Patient.objects.exists()


def test_the_columns_are_the_fields_of_the_two_forms() -> None:
    from encounters.registration import COVERAGE_COLUMNS, PATIENT_COLUMNS

    assert sorted(COLUMNS) == sorted((*PATIENT_COLUMNS, *COVERAGE_COLUMNS))


def test_a_row_longer_than_the_header_is_refused(tmp_path: Path) -> None:
    row = GOOD.splitlines()[1]
    with pytest.raises(CommandError):
        call_command(
            "import_patients",
            csv_file(tmp_path, f"{HEADER}\n{row},extra\n{row}\n"),
            stdout=StringIO(),
            stderr=(err := StringIO()),
        )
    assert err.getvalue().splitlines() == [
        "line 2: The row has more values than the header has columns."
    ]
    assert not Patient.objects.exists()


def test_a_file_the_csv_reader_cannot_read_is_refused_not_a_crash(
    as_coder: Client, tmp_path: Path
) -> None:
    # A field past the csv module's limit (131,072 characters): a sentence,
    # on the page (422) and from the command (exit 2), never a 500.
    text = f"{HEADER}\n{'x' * 200_000}\n{GOOD.splitlines()[1]}\n"
    response = as_coder.post(
        reverse("encounters:import_patients"), {"file": upload(text)}
    )
    assert response.status_code == 422
    assert "line 2: The file cannot be read as CSV" in response.text
    with pytest.raises(CommandError) as refused:
        call_command("import_patients", csv_file(tmp_path, text), stderr=StringIO())
    assert refused.value.returncode == 2
    assert not Patient.objects.exists()
