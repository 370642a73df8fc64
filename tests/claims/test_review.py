import csv
import hashlib
import io
import json
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.claim import Claim as FhirClaim

from claims.exports import x12
from claims.lines import keyed
from claims.models import Claim, ExportRecord, Override
from encounters.models import AuditEntry, Encounter
from tests.claims.claim_world import ready_encounter
from tests.encounters import world

pytestmark = pytest.mark.django_db

HTMX = {"headers": {"HX-Request": "true"}}


@pytest.fixture
def visit(nurse: User, coder: User, admin_user: User) -> Encounter:
    return ready_encounter(nurse, coder, admin_user, ndc="00409-0296-01")


def url(name: str, visit: Encounter, **kw: int) -> str:
    return reverse(f"claims:{name}", kwargs={"pk": visit.pk, **kw})


def finalise(client: Client, visit: Encounter, **extra: dict) -> object:
    visit.refresh_from_db()
    return client.post(url("finalise", visit), {"version": visit.version}, **extra)


def test_review_shows_timeline_history_lines_and_policy(
    as_coder: Client, visit: Encounter
) -> None:
    response = as_coder.get(url("review", visit))
    body = response.content.decode()
    assert response.status_code == 200
    assert '<svg class="timeline"' in body
    assert "Started 09:02" in body
    assert "Stopped 11:05" in body
    assert "Initial service: chemotherapy infusion" in body
    assert "Policy: Medicare v2" in body
    assert "Add at least one ICD-10-CM diagnosis." in body
    assert 'name="reason"' in body


def test_review_shows_the_nurses_note(as_coder: Client, visit: Encounter) -> None:
    pushed = visit.administrations.get(drug__hcpcs="J2405")
    pushed.note = "Given slowly over 2 minutes"
    pushed.save(update_fields=["note"])
    body = as_coder.get(url("review", visit)).content.decode()
    assert "Nurse's note: Given slowly over 2 minutes" in body


def test_an_encounter_not_yet_sent_is_shown_without_coding_forms(
    as_coder: Client, visit: Encounter
) -> None:
    visit.status = Encounter.Status.DOCUMENTED
    visit.save(update_fields=["status"])
    body = as_coder.get(url("review", visit)).content.decode()
    assert "The nurses have not sent this encounter to coding yet" in body
    assert url("add_diagnosis", visit) not in body
    assert 'name="reason"' not in body
    visit.status = Encounter.Status.READY_FOR_CODING
    visit.save(update_fields=["status"])
    body = as_coder.get(url("review", visit)).content.decode()
    assert "The nurses have not sent this encounter to coding yet" not in body
    assert url("add_diagnosis", visit) in body


def test_admin_may_look_but_not_code(as_admin: Client, visit: Encounter) -> None:
    body = as_admin.get(url("review", visit)).content.decode()
    assert "Initial service: chemotherapy infusion" in body
    assert "Finalise claim" not in body
    assert as_admin.post(url("finalise", visit), {"version": 1}).status_code == 403


def test_a_stranger_coder_gets_404(visit: Encounter) -> None:
    from accounts.roles import Role
    from tests.conftest import client_for, make_user

    stranger = client_for(make_user("elsewhere", Role.CODER))
    assert stranger.get(url("review", visit)).status_code == 404


def test_add_diagnosis_answers_with_the_page_part(
    as_coder: Client, visit: Encounter
) -> None:
    response = as_coder.post(url("add_diagnosis", visit), {"code": "c189"}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="review">')
    assert "Added C18.9 Malignant neoplasm of colon, unspecified." in body
    refused = as_coder.post(url("add_diagnosis", visit), {"code": "C18"}, **HTMX)
    assert refused.status_code == 409
    assert "is a category, not a billable code" in refused.content.decode()
    assert as_coder.post(url("add_diagnosis", visit), {}, **HTMX).status_code == 422
    assert list(visit.diagnoses.values_list("code", flat=True)) == ["C18.9"]


def test_override_needs_a_reason_and_shows_beside_the_engine(
    as_coder: Client, visit: Encounter
) -> None:
    key = next(
        k for k, line in keyed(visit.derivation.lines) if line["code"] == "J9263"
    )
    data = {"action": "change", "line_key": key, "units": "360", "modifiers": "JW"}
    response = as_coder.post(url("add_override", visit), data, **HTMX)
    assert response.status_code == 422
    assert not Override.objects.exists()
    data["reason"] = "Whole 180 mg vial documented"
    response = as_coder.post(url("add_override", visit), data, **HTMX)
    body = response.content.decode()
    assert "Override recorded: change to J9263-JW × 360." in body
    assert "J9263 × 340" in body  # the engine's line still shows
    assert "claim.override.change" in body  # and the audit trail has it
    override = Override.objects.get()
    response = as_coder.post(
        url("withdraw_override", visit, opk=override.pk), {"reason": "wrong"}, **HTMX
    )
    body = response.content.decode()
    assert "Override withdrawn" in body
    # It stays on the page as withdrawn, with who withdrew it and why.
    assert "Withdrawn: change to J9263-JW × 360" in body
    assert ": “wrong”" in body


def test_check_my_codes_says_where_and_why(as_coder: Client, visit: Encounter) -> None:
    response = as_coder.get(
        url("check_codes", visit),
        {"codes": "96413, 96415, J9263 x300, 96367, 9x"},
        **HTMX,
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="check"')
    assert "Could not read: 9X" in body
    assert 'verdict-same" data-code="96413"' in body
    assert "verdict-units" in body
    assert "J9263 × 340" in body
    assert "verdict-extra" in body
    assert "does not derive 96367" in body
    assert "verdict-missing" in body  # 96375 and J2405 left out


def test_nurse_cannot_finalise_and_cannot_edit_a_finalised_encounter(
    as_coder: Client, as_nurse: Client, visit: Encounter
) -> None:
    assert finalise(as_nurse, visit).status_code == 403
    as_coder.post(url("add_diagnosis", visit), {"code": "C18.9"})
    response = finalise(as_coder, visit, **HTMX)
    assert response.status_code == 200
    assert "finalised" in response.content.decode()
    visit.refresh_from_db()
    assert visit.status == Encounter.Status.FINALISED
    # The nurse's page refuses changes on a finalised encounter.
    response = as_nurse.post(
        reverse("encounters:add_site", kwargs={"pk": visit.pk}),
        world.post_data(visit, label="left arm", kind="peripheral"),
        **HTMX,
    )
    assert response.status_code == 409
    assert "it can no longer be changed here" in response.content.decode()


def test_reopen_needs_a_reason_then_shows_both_versions(
    as_coder: Client, visit: Encounter
) -> None:
    as_coder.post(url("add_diagnosis", visit), {"code": "C18.9"})
    finalise(as_coder, visit)
    visit.refresh_from_db()
    empty = as_coder.post(url("reopen", visit), {"version": visit.version}, **HTMX)
    assert empty.status_code == 422
    response = as_coder.post(
        url("reopen", visit),
        {"version": visit.version, "reason": "Wrong diagnosis order"},
        **HTMX,
    )
    assert "Reopened: version 2 will replace" in response.content.decode()
    first = Claim.objects.get(encounter=visit, version=1)
    as_coder.post(
        url("record_payer_number", visit, cpk=first.pk),
        {f"payer-{first.pk}-number": "2026000777"},
    )
    response = finalise(as_coder, visit, **HTMX)
    body = response.content.decode()
    assert "frequency 7 (replaces" in body
    assert body.count('data-testid="claim-version"') == 2


def test_review_queries_do_not_grow_with_claim_versions(
    as_coder: Client, visit: Encounter
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            as_coder.get(url("review", visit))
        return len(captured)

    as_coder.post(url("add_diagnosis", visit), {"code": "C18.9"})
    finalise(as_coder, visit)
    one_version = queries()
    for n in range(3):
        visit.refresh_from_db()
        as_coder.post(url("reopen", visit), {"version": visit.version, "reason": "x"})
        replaced = Claim.objects.get(encounter=visit, version=n + 1)
        as_coder.post(
            url("record_payer_number", visit, cpk=replaced.pk),
            {f"payer-{replaced.pk}-number": f"PAYER-{n}"},
        )
        finalise(as_coder, visit)
    # Each version names the one it replaces: fetched with it, not one by one.
    assert queries() == one_version
    body = as_coder.get(url("review", visit)).content.decode()
    assert body.count('data-testid="claim-version"') == 4


@pytest.fixture
def two_claims(nurse: User, coder: User, as_coder: Client) -> list[Encounter]:
    office = ready_encounter(nurse, coder, setting="office", ndc="00409-0296-01")
    facility = ready_encounter(nurse, coder, ndc="00409-0296-01")
    for visit in (office, facility):
        as_coder.post(url("add_diagnosis", visit), {"code": "C18.9"})
        as_coder.post(url("add_diagnosis", visit), {"code": "Z51.11"})
        assert finalise(as_coder, visit).status_code == 302
    return [office, facility]


def download(client: Client, fmt: str, visits: list[Encounter]) -> str:
    response = client.get(
        reverse("claims:export"),
        {"format": fmt, "encounter": [v.pk for v in visits]},
    )
    assert response.status_code == 200, response.content
    assert response["Content-Disposition"].startswith("attachment;")
    return response.content.decode()


def test_csv_has_a_row_per_line(as_coder: Client, two_claims: list) -> None:
    rows = list(csv.DictReader(io.StringIO(download(as_coder, "csv", two_claims))))
    assert len(rows) == 10
    drug = next(r for r in rows if r["code"] == "J9263" and r["setting"] == "facility")
    assert (drug["units"], drug["revenue_code"], drug["ndc"]) == (
        "340",
        "0636",
        "00409029601",
    )
    assert drug["diagnosis_pointers"] == "C18.9"


def test_fhir_bundle_is_valid_r4_claims(as_coder: Client, two_claims: list) -> None:
    document = json.loads(download(as_coder, "fhir", two_claims))
    bundle = Bundle.model_validate(document)
    assert len(bundle.entry) == 2
    for entry in document["entry"]:
        claim = FhirClaim.model_validate(entry["resource"])
        assert claim.diagnosis[0].diagnosisCodeableConcept.coding[0].code == "C18.9"
    kinds = {e["resource"]["type"]["coding"][0]["code"] for e in document["entry"]}
    assert kinds == {"professional", "institutional"}
    # The validator is not a rubber stamp: a claim without its patient fails.
    broken = dict(document["entry"][0]["resource"].items())
    del broken["patient"]
    with pytest.raises(ValueError, match="patient"):
        FhirClaim.model_validate(broken)


def test_837p_and_837i_pass_pyx12(as_coder: Client, two_claims: list) -> None:
    professional = download(as_coder, "837p", two_claims)
    institutional = download(as_coder, "837i", two_claims)
    assert x12.validate(professional) == []
    assert x12.validate(institutional) == []
    assert "ST*837*0001*005010X222A1~" in professional
    assert "CLM*" in professional
    assert "11:B:1" in professional
    assert "LIN**N4*00409029601~\nCTP****170*ME~" in professional
    assert "SV2*0636*HC:J9263*" in institutional
    assert "13:A:1" in institutional


def test_a_replacement_goes_out_with_frequency_7(
    as_coder: Client, two_claims: list
) -> None:
    office = two_claims[0]
    office.refresh_from_db()
    as_coder.post(url("reopen", office), {"version": office.version, "reason": "dx"})
    first = Claim.objects.get(encounter=office, version=1)
    # The replacement names the payer's number for the claim it replaces: the
    # scrubber holds it back until the coder has recorded that number.
    held = finalise(as_coder, office, **HTMX)
    assert held.status_code == 409
    assert f"claim number of {first.control_number}" in held.content.decode()
    bad = as_coder.post(
        reverse(
            "claims:record_payer_number", kwargs={"pk": office.pk, "cpk": first.pk}
        ),
        {f"payer-{first.pk}-number": "no spaces allowed"},
        **HTMX,
    )
    assert bad.status_code == 422
    assert "letters, digits and dashes" in bad.content.decode()
    as_coder.post(
        reverse(
            "claims:record_payer_number", kwargs={"pk": office.pk, "cpk": first.pk}
        ),
        {f"payer-{first.pk}-number": "2026123400017"},
        **HTMX,
    )
    assert AuditEntry.objects.filter(action="claim.payer_number").exists()
    office.refresh_from_db()
    finalise(as_coder, office)
    text = download(as_coder, "837p", [office])
    assert "11:B:7" in text
    assert "REF*F8*2026123400017~" in text
    assert text.count("CLM*") == 1  # only the current version
    assert x12.validate(text) == []


def test_export_queries_do_not_grow_with_the_claims(
    as_coder: Client, two_claims: list
) -> None:
    def queries(fmt: str, visits: list[Encounter]) -> int:
        with CaptureQueriesContext(connection) as captured:
            download(as_coder, fmt, visits)
        return len(captured)

    for fmt in ("csv", "fhir"):
        assert queries(fmt, two_claims) == queries(fmt, two_claims[:1])


def test_export_by_date_range_and_refusals(
    as_coder: Client, as_nurse: Client, two_claims: list
) -> None:
    day = two_claims[0].date.isoformat()
    response = as_coder.get(
        reverse("claims:export"),
        {"format": "csv", "date_from": day, "date_to": day},
    )
    assert response.status_code == 200
    assert response.content.decode().count("\n") == 11
    empty = as_coder.get(reverse("claims:export"), {"format": "csv"})
    assert empty.status_code == 422
    assert "Tick the encounters" in empty.content.decode()
    assert as_nurse.get(reverse("claims:export"), {"format": "csv"}).status_code == 403


def test_a_coder_records_the_missing_ndc_and_the_claim_is_free_to_finalise(
    as_coder: Client, nurse: User, coder: User, admin_user: User
) -> None:
    visit = ready_encounter(nurse, coder, admin_user, payer="Illinois Medicaid")
    missing = [f["code"] for f in visit.derivation.findings]
    assert missing.count("drug.ndc_missing") == 2
    pushed = visit.administrations.get(drug__hcpcs="J2405")
    record = reverse("claims:record_ndc", kwargs={"pk": visit.pk, "apk": pushed.pk})

    bad = as_coder.post(record, {f"ndc-{pushed.pk}-ndc": "0409-48"}, **HTMX)
    assert bad.status_code == 422
    assert "An NDC is 11 digits, or 4-4-2" in bad.content.decode()
    pushed.refresh_from_db()
    assert pushed.ndc == ""

    done = as_coder.post(record, {f"ndc-{pushed.pk}-ndc": "0409-4755-03"}, **HTMX)
    assert done.status_code == 200
    assert "NDC 0409-4755-03 recorded for Ondansetron hydrochloride" in (
        done.content.decode()
    )
    visit.refresh_from_db()
    assert visit.status == Encounter.Status.CODED
    missing = [f["code"] for f in visit.derivation.findings]
    assert missing.count("drug.ndc_missing") == 1
    entry = visit.audit_entries.get(action="claim.ndc.recorded")
    assert (entry.before, entry.after) == ({"ndc": ""}, {"ndc": "0409-4755-03"})

    as_coder.post(url("add_diagnosis", visit), {"code": "C18.9"})
    oxaliplatin = visit.administrations.get(drug__hcpcs="J9263")
    as_coder.post(
        reverse("claims:record_ndc", kwargs={"pk": visit.pk, "apk": oxaliplatin.pk}),
        {f"ndc-{oxaliplatin.pk}-ndc": "00409-0296-01"},
    )
    finalise(as_coder, visit)
    lines = {line.code: line for line in Claim.objects.get(encounter=visit).lines.all()}
    assert lines["J2405"].ndc == "00409475503"  # 4-4-2 as 11 digits for the 837
    assert lines["J9263"].ndc == "00409029601"


def test_every_service_line_carries_its_line_item_control_number(
    as_coder: Client, two_claims: list
) -> None:
    for fmt in ("837p", "837i"):
        text = download(as_coder, fmt, two_claims)
        services = text.count("\nLX*")
        assert services > 0
        refs = [seg for seg in text.split("~\n") if seg.startswith("REF*6R*")]
        # One per line, each naming its claim and line: what the 835 echoes.
        assert len(refs) == services == len(set(refs))
        claim = Claim.objects.get(
            encounter=two_claims[0 if fmt == "837p" else 1], version=1
        )
        assert f"REF*6R*{claim.control_number}-1" in refs


def test_an_837_is_recorded_with_its_control_number_and_listed_on_the_claim(
    as_coder: Client, two_claims: list
) -> None:
    text = download(as_coder, "837i", two_claims)
    record = ExportRecord.objects.get()
    assert record.format == "837i"
    assert record.created_by is not None
    assert record.created_by.username == "coder"
    facility = Claim.objects.get(encounter=two_claims[1])
    assert list(record.claims.all()) == [facility]
    isa = text.split("~\n")[0].split("*")
    assert int(isa[13]) == record.control_number
    assert f"GE*1*{record.control_number}~" in text
    assert hashlib.sha256(text.encode()).hexdigest() == record.sha256
    page = as_coder.get(url("review", two_claims[1])).content.decode()
    assert record.file_name in page
    # Another file is another interchange, never the same number.
    download(as_coder, "837i", two_claims)
    assert ExportRecord.objects.count() == 2
    assert len({r.control_number for r in ExportRecord.objects.all()}) == 2


def test_export_claims_writes_what_the_worklist_downloads(
    two_claims: list, tmp_path: Path
) -> None:
    day = Claim.objects.get(encounter=two_claims[0]).date_of_service
    assert day is not None
    out = io.StringIO()
    target = tmp_path / "claims.837p"
    call_command(
        "export_claims",
        "--format=837p",
        f"--from={day}",
        f"--to={day}",
        f"--output={target}",
        stdout=out,
    )
    text = target.read_text()
    assert x12.validate(text) == []
    assert text.count("CLM*") == 1
    assert "1 claims written" in out.getvalue()
    assert "1 hospital claims skipped" in out.getvalue()
    record = ExportRecord.objects.get()
    assert record.created_by is None
    assert target.name != record.file_name  # the operator names the file
    with pytest.raises(CommandError) as nothing:
        call_command(
            "export_claims",
            "--format=csv",
            "--from=2001-01-01",
            "--to=2001-01-02",
            f"--output={target}",
        )
    assert nothing.value.returncode == 2
    assert "No finalised claim" in str(nothing.value)


def test_export_claims_records_nothing_when_it_cannot_write_the_file(
    two_claims: list, tmp_path: Path
) -> None:
    day = Claim.objects.get(encounter=two_claims[0]).date_of_service
    with pytest.raises(CommandError) as unwritable:
        call_command(
            "export_claims",
            "--format=837p",
            f"--from={day}",
            f"--to={day}",
            f"--output={tmp_path / 'no such folder' / 'claims.837p'}",
        )
    assert unwritable.value.returncode == 2
    assert "cannot write" in str(unwritable.value)
    # No record says the claims went out in a file nobody has.
    assert not ExportRecord.objects.exists()
