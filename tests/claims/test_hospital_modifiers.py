"""PO, PN, JG and TB from the location's facts to the claim: the document the
app sends, the coder's 340B mark on the review page, the claim lines and the
CSV, FHIR and 837I files; and G0463 added by a coder."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from fhir.resources.R4B.claim import Claim as FhirClaim

from chairside_engine import derive
from claims.exports import x12
from claims.models import Charge, Claim, ClaimLine, Override
from coding.documents import encounter_document
from coding.services import derive_encounter
from demo.payers import seed_payers
from encounters.models import Administration, Encounter, Location, Method
from tests.claims.claim_world import give
from tests.encounters import world

pytestmark = pytest.mark.django_db

HTMX = {"headers": {"HX-Request": "true"}}


def hospital(*staff: User, **facts: object) -> Location:
    place = world.location(*staff)
    for name, value in facts.items():
        setattr(place, name, value)
    place.full_clean()
    place.save()
    return place


def off_campus(*staff: User) -> Location:
    """An excepted off-campus department of a 340B hospital that reports JG."""
    return hospital(
        *staff,
        department=Location.Department.OFF_CAMPUS_EXCEPTED,
        covered_340b=True,
        modifier_340b=Location.Modifier340B.JG,
    )


def infliximab_visit(place: Location, nurse: User) -> Encounter:
    """Diphenhydramine pushed, then 350 mg of infliximab from 100 mg single-dose
    vials (50 mg discarded) run 09:05-11:15, both from the location's stock."""
    seed_payers()
    drugs = world.formulary("J1745", "J1200")
    visit = world.encounter(place)
    site = world.site(visit, nurse)
    give(visit, nurse, drugs["J1200"], Method.PUSH, "25", site, "09:00")
    infusion = give(
        visit, nurse, drugs["J1745"], Method.INFUSION, "350", site, "09:05", minutes=130
    )
    infusion.wasted_amount = Decimal(50)
    infusion.single_dose_container = True
    infusion.save()
    Administration.objects.filter(encounter=visit).update(
        acquired_340b=place.stocks_340b
    )
    visit.mark_documented(at=world.at(visit, "11:30"))
    visit.send_to_coding()
    derive_encounter(visit, by=nurse)
    return visit


@pytest.fixture
def visit(nurse: User, coder: User) -> Encounter:
    return infliximab_visit(off_campus(nurse, coder), nurse)


def modifiers(lines: list[dict]) -> dict[tuple[str, bool], set[str]]:
    """Each line's modifiers by (code, whether it is the JW line)."""
    return {
        (line["code"], "JW" in line["modifiers"]): set(line["modifiers"])
        for line in lines
    }


def test_the_document_says_department_340b_modifier_and_stock(
    visit: Encounter,
) -> None:
    document = encounter_document(visit)
    assert document["department"] == "off_campus_excepted"
    assert document["modifier_340b"] == "JG"
    drugs = {a["drug"]["hcpcs"]: a["drug"] for a in document["administrations"]}
    assert drugs["J1745"]["acquired_340b"] is True
    result = derive(document)
    assert "errors" not in result, result
    assert modifiers(result["lines"]) == {
        ("96413", False): {"PO"},
        ("96415", False): {"PO"},
        ("96375", False): {"PO"},
        ("J1745", False): {"PO", "JG"},
        ("J1745", True): {"PO", "JW", "JG"},
        # Diphenhydramine is packaged (OPPS status N): no JG (R100).
        ("J1200", False): {"PO"},
    }


def test_an_on_campus_hospital_without_340b_sends_what_it_always_sent(
    nurse: User,
) -> None:
    place = hospital(nurse, department=Location.Department.ON_CAMPUS)
    document = encounter_document(infliximab_visit(place, nurse))
    assert "department" not in document
    assert "modifier_340b" not in document
    assert all("acquired_340b" not in a["drug"] for a in document["administrations"])


def test_an_office_document_says_nothing_of_340b(nurse: User) -> None:
    office = world.location(nurse, setting=Location.Setting.OFFICE)
    visit = infliximab_visit(office, nurse)
    # Even a dose marked as 340B stock (say, before the location changed).
    visit.administrations.update(acquired_340b=True)
    document = encounter_document(visit)
    assert {"department", "modifier_340b"}.isdisjoint(document)
    assert all("acquired_340b" not in a["drug"] for a in document["administrations"])
    result = derive(document)
    assert not [f for f in result["findings"] if f["code"].startswith("340b")]
    assert all(
        not {"PO", "PN", "JG", "TB"} & set(line["modifiers"])
        for line in result["lines"]
    )


def test_a_nonexcepted_department_of_a_tb_hospital_gets_pn_and_tb(
    nurse: User,
) -> None:
    place = hospital(
        nurse,
        department=Location.Department.OFF_CAMPUS_NONEXCEPTED,
        covered_340b=True,
        modifier_340b=Location.Modifier340B.TB,
    )
    visit = infliximab_visit(place, nurse)
    lines = modifiers(visit.derivation.lines)
    assert lines[("J1745", False)] == {"PN", "TB"}
    assert lines[("96413", False)] == {"PN"}


def review(client: Client, visit: Encounter) -> str:
    return client.get(
        reverse("claims:review", kwargs={"pk": visit.pk})
    ).content.decode()


def mark(client: Client, visit: Encounter, a: Administration, ticked: bool):
    url = reverse("claims:record_340b", kwargs={"pk": visit.pk, "apk": a.pk})
    data = {f"340b-{a.pk}-acquired_340b": "on"} if ticked else {}
    return client.post(url, data, **HTMX)


def test_the_coder_unticks_340b_stock_audited_and_rederived(
    as_coder: Client, visit: Encounter
) -> None:
    infusion = visit.administrations.get(drug__hcpcs="J1745")
    page = review(as_coder, visit)
    assert 'data-testid="340b-form"' in page
    assert f'name="340b-{infusion.pk}-acquired_340b" ' in page

    response = mark(as_coder, visit, infusion, ticked=False)
    assert response.status_code == 200
    assert "Infliximab" in response.content.decode()
    assert "recorded as not from 340B stock" in response.content.decode()
    infusion.refresh_from_db()
    assert infusion.acquired_340b is False
    visit.refresh_from_db()
    assert visit.status == Encounter.Status.CODED
    lines = modifiers(visit.derivation.lines)
    assert lines[("J1745", False)] == {"PO"}
    entry = visit.audit_entries.get(action="claim.340b.recorded")
    assert (entry.before, entry.after) == (
        {"acquired_340b": True},
        {"acquired_340b": False},
    )
    assert entry.by.username == "coder"

    again = mark(as_coder, visit, infusion, ticked=False)
    assert again.status_code == 409
    assert "Nothing was changed." in again.content.decode()
    mark(as_coder, visit, infusion, ticked=True)
    visit.refresh_from_db()
    assert modifiers(visit.derivation.lines)[("J1745", False)] == {"PO", "JG"}


def test_340b_stock_is_refused_where_the_hospital_has_none(
    as_coder: Client, nurse: User, coder: User
) -> None:
    place = hospital(nurse, coder, department=Location.Department.ON_CAMPUS)
    visit = infliximab_visit(place, nurse)
    infusion = visit.administrations.get(drug__hcpcs="J1745")
    assert 'data-testid="340b-form"' not in review(as_coder, visit)
    response = mark(as_coder, visit, infusion, ticked=True)
    assert response.status_code == 409
    assert "is not a 340B covered hospital" in response.content.decode()
    infusion.refresh_from_db()
    assert infusion.acquired_340b is False
    assert not visit.audit_entries.filter(action="claim.340b.recorded").exists()


def finalised(client: Client, visit: Encounter) -> Claim:
    url = reverse("claims:add_diagnosis", kwargs={"pk": visit.pk})
    assert client.post(url, {"code": "K50.90"}).status_code == 302
    visit.refresh_from_db()
    response = client.post(
        reverse("claims:finalise", kwargs={"pk": visit.pk}),
        {"version": visit.version},
    )
    assert response.status_code == 302
    return Claim.objects.get(encounter=visit)


def download(client: Client, fmt: str, visit: Encounter) -> str:
    response = client.get(
        reverse("claims:export"), {"format": fmt, "encounter": [visit.pk]}
    )
    assert response.status_code == 200, response.content
    return response.content.decode()


def test_po_and_jg_travel_to_the_claim_and_every_export(
    as_coder: Client, visit: Encounter
) -> None:
    claim = finalised(as_coder, visit)
    lines = list(claim.lines.all())
    assert all("PO" in line.modifiers for line in lines)
    drug = next(line for line in lines if line.code == "J1745" and line.units == 35)
    waste = next(line for line in lines if line.code == "J1745" and line.units == 5)
    assert set(drug.modifiers) == {"PO", "JG"}
    assert set(waste.modifiers) == {"PO", "JW", "JG"}
    assert (drug.revenue_code, waste.revenue_code) == ("0636", "0636")

    rows = list(csv.DictReader(io.StringIO(download(as_coder, "csv", visit))))
    assert {(row["code"], frozenset(row["modifiers"].split())) for row in rows} >= {
        ("J1745", frozenset({"PO", "JG"})),
        ("J1745", frozenset({"PO", "JW", "JG"})),
        ("96413", frozenset({"PO"})),
    }

    bundle = json.loads(download(as_coder, "fhir", visit))
    resource = bundle["entry"][0]["resource"]
    FhirClaim.model_validate(resource)
    coded = [
        {m["coding"][0]["code"] for m in item.get("modifier", [])}
        for item in resource["item"]
    ]
    assert {"PO", "JG"} in coded
    assert all("PO" in item for item in coded)

    institutional = download(as_coder, "837i", visit)
    assert x12.validate(institutional) == []
    assert f"SV2*0636*HC:J1745:{':'.join(drug.modifiers)}*" in institutional
    assert f"SV2*0636*HC:J1745:{':'.join(waste.modifiers)}*" in institutional
    assert "SV2*0335*HC:96413:PO*" in institutional


def test_the_837i_service_composite_holds_four_modifiers() -> None:
    line = ClaimLine(code="J1745", modifiers=["PO", "JW", "JG", "KX", "59"])
    assert x12.service(line) == "HC:J1745:PO:JW:JG:KX"


def test_a_g0463_line_the_coder_adds_is_a_priced_clinic_visit(
    as_coder: Client, visit: Encounter, admin_user: User
) -> None:
    Charge.objects.create(
        code="G0463",
        price=Decimal("180.00"),
        effective=visit.date,
        created_by=admin_user,
    )
    response = as_coder.post(
        reverse("claims:add_override", kwargs={"pk": visit.pk}),
        {
            "action": Override.Action.ADD,
            "code": "G0463",
            "units": "1",
            "modifiers": "25 PO",
            "reason": "The oncologist's separately identifiable visit (R74, R101).",
        },
    )
    assert response.status_code == 302
    claim = finalised(as_coder, visit)
    visit_line = claim.lines.get(code="G0463")
    assert (visit_line.kind, visit_line.revenue_code, visit_line.charge) == (
        "em",
        "0510",
        Decimal("180.00"),
    )
    institutional = download(as_coder, "837i", visit)
    assert "SV2*0510*HC:G0463:25:PO*180*UN*1~" in institutional
    assert x12.validate(institutional) == []
