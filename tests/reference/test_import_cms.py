"""Importing CMS's quarterly files: from the command line and the upload page,
a whole import or nothing, and every door editing a claim with the editions
in force on its date of service."""

import json
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from coding.services import derive_encounter
from encounters.models import Encounter
from payers.models import Payer
from reference.models import (
    AddOnEdit,
    AspPrice,
    HcpcsCode,
    MueEdit,
    NcciEdit,
    NdcCode,
    OppsStatus,
    ReferenceEdition,
)
from tests.claims.claim_world import ready_encounter
from tests.engine.builders import admin, document
from tests.reference import cms_fixtures as cms

pytestmark = pytest.mark.django_db

PRACTITIONER_2027Q1 = "MCR_MUE_PractitionerServices_Eff_01-01-2027.csv"
HOSPITAL_2027Q1 = "MCR_MUE_OutpatientHospitalServices_Eff_01-01-2027.csv"


@pytest.fixture
def shipped(db: None) -> None:
    call_command("load_reference_data", stdout=StringIO())


def write(folder: Path, name: str, data: bytes) -> str:
    path = folder / name
    path.write_bytes(data)
    return str(path)


def import_cms(*args: str) -> str:
    out = StringIO()
    call_command("import_cms", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            ReferenceEdition,
            MueEdit,
            NcciEdit,
            AddOnEdit,
            OppsStatus,
            HcpcsCode,
            AspPrice,
            NdcCode,
        )
    }


def chemo(day: str, setting: str = "facility") -> dict[str, object]:
    return document(
        admin("1", "infusion", "chemotherapy", "09:00", 60),
        date_of_service=day,
        setting=setting,
    )


def derive_by_command(folder: Path, doc: dict[str, object]) -> dict[str, object]:
    path = folder / "document.json"
    path.write_text(json.dumps(doc))
    out = StringIO()
    call_command("derive", str(path), stdout=out)
    result: dict[str, object] = json.loads(out.getvalue())
    return result


def mue_findings(result: dict[str, object]) -> list[str]:
    findings = result["findings"]
    assert isinstance(findings, list)
    return [f["message"] for f in findings if f["code"] == "edit.mue"]


def test_a_future_mue_file_edits_claims_dated_in_its_quarter_only(
    shipped: None, tmp_path: Path, as_coder: Client
) -> None:
    data = cms.mue_csv(
        [("96413", 0, 3, "Clinical: Data")], setting="outpatient_hospital"
    )
    out = import_cms(write(tmp_path, HOSPITAL_2027Q1, data))
    assert out == (
        "MUE, outpatient hospital: MCR_MUE_OutpatientHospitalServices_Eff_01-01-2027"
        ".csv, effective 2027-01-01, 1 rows kept of 1 (loaded).\n"
    )
    before = ReferenceEdition.objects.get(
        table="mue_outpatient_hospital", source="NCCI_MUE_2024Q3"
    )
    assert before.ends == date(2026, 12, 31)

    # The command line door.
    assert mue_findings(derive_by_command(tmp_path, chemo("2026-12-31"))) == []
    (message,) = mue_findings(derive_by_command(tmp_path, chemo("2027-01-01")))
    assert "exceed the medically unlikely edit of 0" in message
    assert f"{HOSPITAL_2027Q1}, effective 2027-01-01" in message
    # The HTTP door.
    answer = as_coder.post(
        "/api/v1/derive", chemo("2027-03-31"), content_type="application/json"
    ).json()
    assert len(mue_findings(answer)) == 1
    assert answer["engine"]["reference"]["mue_outpatient_hospital"] == {
        "source": HOSPITAL_2027Q1,
        "effective": "2027-01-01",
    }
    # The practitioner table is a table of its own: not changed by this file.
    assert (
        mue_findings(derive_by_command(tmp_path, chemo("2027-01-05", "office"))) == []
    )


def test_an_encounter_is_derived_with_the_editions_of_its_date(
    shipped: None, tmp_path: Path, nurse: User
) -> None:
    data = cms.mue_csv(
        [("96413", 0, 3, "Clinical: Data")], setting="outpatient_hospital"
    )
    import_cms(write(tmp_path, HOSPITAL_2027Q1, data))
    visit = ready_encounter(nurse)
    assert not mue_findings(visit.derivation.result)
    Encounter.objects.filter(pk=visit.pk).update(date=date(2027, 1, 4))
    visit.refresh_from_db()
    result = derive_encounter(visit).result
    assert len(mue_findings(result)) == 1


def test_a_file_of_unknown_layout_is_refused_and_changes_nothing(
    shipped: None, tmp_path: Path
) -> None:
    before = counts()
    good = write(
        tmp_path,
        PRACTITIONER_2027Q1,
        cms.mue_csv([("96413", 0, 3, "Clinical: Data")]),
    )
    odd = write(tmp_path, "claims_2027.csv", b"Patient,Amount\nAnn,12\n")
    with pytest.raises(CommandError) as refused:
        import_cms(good, odd)
    message = str(refused.value)
    assert "claims_2027.csv is not a CMS file Chairside can read" in message
    assert '"Practitioner Services MUE Values"' in message
    assert '"PTP Edit Rationale"' in message
    assert message.endswith("Nothing was imported.")
    assert counts() == before


def test_importing_the_same_file_twice_changes_nothing(
    shipped: None, tmp_path: Path
) -> None:
    path = write(
        tmp_path, PRACTITIONER_2027Q1, cms.mue_csv([("96413", 2, 3, "Clinical")])
    )
    import_cms(path)
    before = counts()
    assert "already loaded, nothing changed" in import_cms(path)
    assert counts() == before


def test_a_corrected_file_replaces_its_quarter_and_history_stays(
    shipped: None, tmp_path: Path, as_coder: Client
) -> None:
    import_cms(
        write(tmp_path, PRACTITIONER_2027Q1, cms.mue_csv([("96413", 2, 3, "A")]))
    )
    corrected = tmp_path / "corrected"
    corrected.mkdir()
    out = import_cms(
        write(corrected, PRACTITIONER_2027Q1, cms.mue_csv([("96413", 3, 3, "A")]))
    )
    assert "replaces the edition loaded before for that date" in out
    editions = ReferenceEdition.objects.filter(
        table="mue_practitioner", effective=date(2027, 1, 1)
    )
    assert editions.count() == 2
    assert editions.standing().get().mue_edits.get().units == 3
    page = as_coder.get(reverse("reference:reference")).text
    assert "replaced by a corrected file" in page


def test_ptp_parts_need_a_date_and_make_one_edition(
    shipped: None, tmp_path: Path
) -> None:
    part1 = write(
        tmp_path,
        "ccioph-v331r0-f1.txt",
        cms.ptp_txt([("96413", "96360", date(2010, 1, 1), None, 1, "Standards")]),
    )
    part2 = write(
        tmp_path,
        "ccioph-v331r0-f2.zip",
        cms.zip_of(
            {
                "ccioph-v331r0-f2.txt": cms.ptp_txt(
                    [
                        ("96413", "96361", date(2010, 1, 1), None, 0, "Standards"),
                        ("99213", "J1745", date(2010, 1, 1), None, 0, "Not ours"),
                        ("12001", "12002", date(2010, 1, 1), None, 1, "Surgery"),
                    ]
                )
            }
        ),
    )
    before = counts()
    with pytest.raises(CommandError, match="give the edition's first day"):
        import_cms(part1, part2)
    assert counts() == before
    out = import_cms(part1, part2, "--effective", "2027-01-01")
    assert "NCCI PTP, outpatient hospital" in out
    edition = ReferenceEdition.objects.standing().get(
        table="ncci_ptp_outpatient_hospital", effective=date(2027, 1, 1)
    )
    # The surgery pair is no concern of an infusion centre's.
    assert sorted(edition.ncci_edits.values_list("column1", "column2")) == [
        ("96413", "96360"),
        ("96413", "96361"),
        ("99213", "J1745"),
    ]
    assert (edition.rows, edition.rows_read) == (3, 4)


def test_an_active_ptp_pair_with_two_indicators_is_refused(
    shipped: None, tmp_path: Path
) -> None:
    first = write(
        tmp_path,
        "ccipra-v331r0-f1.txt",
        cms.ptp_txt([("96413", "96360", date(2010, 1, 1), None, 1, "A")]),
    )
    second = write(
        tmp_path,
        "ccipra-v331r0-f2.txt",
        cms.ptp_txt([("96413", "96360", date(2010, 1, 1), None, 0, "A")]),
    )
    before = counts()
    with pytest.raises(CommandError, match="96413/96360 twice"):
        import_cms(first, second, "--effective", "2027-01-01")
    assert counts() == before


def test_a_date_the_file_contradicts_is_refused(shipped: None, tmp_path: Path) -> None:
    path = write(tmp_path, PRACTITIONER_2027Q1, cms.mue_csv([("96413", 2, 3, "A")]))
    with pytest.raises(CommandError, match="says it is effective 2027-01-01"):
        import_cms(path, "--effective", "2027-04-01")


def test_a_date_inside_a_closed_edition_is_refused(
    shipped: None, tmp_path: Path
) -> None:
    for name in (
        PRACTITIONER_2027Q1,
        "MCR_MUE_PractitionerServices_Eff_04-01-2027.csv",
    ):
        import_cms(write(tmp_path, name, cms.mue_csv([("96413", 2, 3, "A")])))
    before = counts()
    late = write(
        tmp_path,
        "MCR_MUE_PractitionerServices_Eff_02-15-2027.csv",
        cms.mue_csv([("96413", 4, 3, "A")]),
    )
    with pytest.raises(CommandError, match="already closed"):
        import_cms(late)
    assert counts() == before


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("MCR_MUE_PractitionerServices_Eff_01-01-2027.zip", b"PK\x03\x04broken", "zip"),
        ("MCR_MUE_PractitionerServices_Eff_01-01-2027.csv", b"", "empty"),
    ],
)
def test_damaged_files_are_refused(
    shipped: None, tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    before = counts()
    with pytest.raises(CommandError, match=message):
        import_cms(write(tmp_path, name, data))
    assert counts() == before


def test_every_other_cms_table_imports(shipped: None, tmp_path: Path) -> None:
    files = [
        write(
            tmp_path,
            "AOC_V2701.xlsx",
            cms.aoc_xlsx([("96367", "96413", 1, None, None, "")]),
        ),
        write(
            tmp_path,
            "January 2027 ASP Pricing File.csv",
            cms.asp_csv(
                [
                    (
                        "J1745",
                        "Infliximab not biosimil 10mg",
                        "10 MG",
                        "44.109",
                        "20.000",
                        "",
                    )
                ],
                effective=date(2027, 1, 1),
            ),
        ),
        write(
            tmp_path,
            "January 2027 ASP NDC-HCPCS Crosswalk.csv",
            cms.crosswalk_csv(
                [
                    (
                        "J1745",
                        "Infliximab not biosimil 10mg",
                        "Janssen",
                        "57894-0030-01",
                        "Remicade",
                        "10 MG",
                        "1",
                        "1",
                        "10",
                        "10",
                    )
                ],
                month="January",
                year=2027,
            ),
        ),
        write(
            tmp_path,
            "2027_january_web_addendum_b.csv",
            cms.addendum_b_csv([("J1745", "Infliximab", "K", "7043", "$45.10")]),
        ),
        write(
            tmp_path,
            "HCPC2027_JAN_ANWEB.xlsx",
            cms.hcpcs_xlsx(
                [
                    (
                        "J1745",
                        "Injection, infliximab, excludes biosimilar, 5 mg",
                        "Infliximab not biosimil 5mg",
                        date(2017, 1, 1),
                        None,
                        "C",
                    )
                ]
            ),
        ),
    ]
    # The add-on file's name carries no date; the others agree with the one given.
    out = import_cms(*files, "--effective", "2027-01-01")
    assert out.count("(loaded)") == 5
    day = date(2027, 1, 1)
    assert AddOnEdit.objects.get(edition__effective=day).primary == "96413"
    assert str(AspPrice.objects.get(edition__effective=day).payment_limit) == "44.109"
    assert NdcCode.objects.in_force(day).get().ndc11 == "57894003001"
    assert OppsStatus.objects.get(edition__effective=day).status_indicator == "K"
    code = HcpcsCode.objects.get(edition__effective=day)
    assert (code.billing_unit_amount, code.billing_unit) == (5, "mg")


def test_a_billing_unit_changed_by_cms_counts_from_its_date(
    shipped: None, tmp_path: Path, nurse: User
) -> None:
    # CMS redefines J9263 (oxaliplatin, 0.5 mg) as 1 mg from 2027.
    import_cms(
        write(
            tmp_path,
            "HCPC2027_JAN_ANWEB.xlsx",
            cms.hcpcs_xlsx(
                [
                    (
                        "J9263",
                        "Injection, oxaliplatin, 1 mg",
                        "Oxaliplatin",
                        date(2004, 1, 1),
                        None,
                        "C",
                    )
                ]
            ),
        )
    )
    visit = ready_encounter(nurse)
    units = {line["code"]: line["units"] for line in visit.derivation.result["lines"]}
    assert units["J9263"] == 340  # 170 mg at 0.5 mg a unit
    Encounter.objects.filter(pk=visit.pk).update(date=date(2027, 1, 4))
    visit.refresh_from_db()
    result = derive_encounter(visit).result
    units = {line["code"]: line["units"] for line in result["lines"]}
    assert units["J9263"] == 170


def test_a_medicaid_payer_uses_medicaid_tables_and_says_when_there_are_none(
    shipped: None, tmp_path: Path, nurse: User
) -> None:
    visit = ready_encounter(nurse, payer="State Medicaid")
    Payer.objects.filter(name="State Medicaid").update(kind=Payer.Kind.MEDICAID)
    visit.refresh_from_db()
    result = derive_encounter(visit).result
    (note,) = [
        f
        for f in result["findings"]
        if f["code"] == "chairside.medicaid_edits_not_loaded"
    ]
    assert "No Medicaid NCCI edition is loaded" in note["message"]
    assert (
        "Medicare's: no Medicaid edition loaded"
        in (result["engine"]["reference"]["mue_outpatient_hospital"]["source"])
    )
    import_cms(
        write(
            tmp_path,
            "MCD_MUE_OutpatientHospitalServices_Eff_01-01-2024.csv",
            cms.mue_csv([("96413", 0, 3, "Medicaid")], setting="outpatient_hospital"),
        )
    )
    result = derive_encounter(visit).result
    assert len(mue_findings(result)) == 1
    assert result["engine"]["reference"]["mue_outpatient_hospital"]["source"] == (
        "MCD_MUE_OutpatientHospitalServices_Eff_01-01-2024.csv"
    )
    # Medicare's claims keep Medicare's table.
    medicare = ready_encounter(nurse, place=visit.location)
    assert not mue_findings(medicare.derivation.result)


def test_admins_upload_cms_files_on_the_reference_page(
    shipped: None, as_admin: Client
) -> None:
    url = reverse("reference:reference")
    upload = SimpleUploadedFile(
        PRACTITIONER_2027Q1, cms.mue_csv([("96413", 2, 3, "Clinical: Data")])
    )
    response = as_admin.post(url, {"upload": [upload]}, follow=True)
    assert response.status_code == 200
    assert "MUE, practitioner services: MCR_MUE_PractitionerServices" in response.text
    edition = ReferenceEdition.objects.get(source=PRACTITIONER_2027Q1)
    assert edition.effective == date(2027, 1, 1)
    assert edition.loaded_by is not None
    assert edition.loaded_by.username == "admin"


def test_a_bad_upload_is_a_422_with_the_reason_and_changes_nothing(
    shipped: None, as_admin: Client
) -> None:
    before = counts()
    upload = SimpleUploadedFile("ccipra-v331r0-f1.txt", cms.ptp_txt([]))
    response = as_admin.post(reverse("reference:reference"), {"upload": [upload]})
    assert response.status_code == 422
    assert "does not say when it takes effect" in response.text
    assert "Nothing was imported." in response.text
    assert counts() == before


def test_coders_read_the_editions_but_cannot_import(
    shipped: None, as_coder: Client
) -> None:
    url = reverse("reference:reference")
    page = as_coder.get(url)
    assert "NCCI_MUE_2024Q3" in page.text
    assert "Import CMS files" not in page.text
    upload = SimpleUploadedFile(
        PRACTITIONER_2027Q1, cms.mue_csv([("96413", 2, 3, "A")])
    )
    assert as_coder.post(url, {"upload": [upload]}).status_code == 403
    assert not ReferenceEdition.objects.filter(source=PRACTITIONER_2027Q1).exists()


def test_conflicting_repeats_and_negative_values_are_refused_not_crashes(
    shipped: None, tmp_path: Path
) -> None:
    before = counts()
    twice = cms.asp_csv(
        [
            ("J1745", "Infliximab", "10 MG", "44.109", "20.000", ""),
            ("J1745", "Infliximab", "10 MG", "45.000", "20.000", ""),
        ],
        effective=date(2027, 1, 1),
    )
    with pytest.raises(CommandError, match="J1745 twice with different values"):
        import_cms(write(tmp_path, "January 2027 ASP Pricing File.csv", twice))
    negative = cms.mue_csv([("96413", -1, 3, "A")])
    with pytest.raises(CommandError, match="negative"):
        import_cms(write(tmp_path, PRACTITIONER_2027Q1, negative))
    assert counts() == before


def test_a_medicaid_table_loaded_ahead_waits_for_its_date(
    shipped: None, tmp_path: Path
) -> None:
    import_cms(
        write(
            tmp_path,
            "MCD_MUE_OutpatientHospitalServices_Eff_01-01-2027.csv",
            cms.mue_csv([("96413", 0, 3, "Medicaid")], setting="outpatient_hospital"),
        )
    )
    Payer.objects.create(name="State Medicaid", kind=Payer.Kind.MEDICAID)
    before = chemo("2026-12-30") | {"payer": "State Medicaid"}
    result = derive_by_command(tmp_path, before)
    assert mue_findings(result) == []
    assert "no Medicaid edition loaded" in str(
        result["engine"]["reference"]["mue_outpatient_hospital"]  # type: ignore[index]
    )
    after = chemo("2027-01-02") | {"payer": "State Medicaid"}
    assert len(mue_findings(derive_by_command(tmp_path, after))) == 1
