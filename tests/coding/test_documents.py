"""The encounter document the app sends is a valid contract document: the
schema accepts it and the engine derives it without errors."""

from datetime import date, datetime, timedelta

import jsonschema
import pytest
from django.core.management import call_command
from django.utils import timezone

from chairside_engine import derive
from chairside_engine.schema import document_schema, result_schema
from coding.documents import build_document, encounter_document, policy_of
from coding.services import derive_encounter
from demo.payers import seed_payers
from encounters.clock import clock
from encounters.models import Administration, Encounter, IVSite, Method
from payers.models import Payer, PolicyVersion
from reference.formulary import reviewed_categories
from reference.models import Drug, DrugCategory
from tests.encounters import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(nurse) -> Encounter:
    return world.encounter(world.location(nurse))


@pytest.fixture
def drugs(db: None) -> dict[str, Drug]:
    return world.formulary("J0640", "J7050", "J2357", "J3490")


@pytest.fixture
def port(visit: Encounter, nurse) -> IVSite:
    return world.site(visit, nurse, "port")


def assert_valid(document: dict) -> dict:
    jsonschema.validate(document, document_schema())
    result = derive(document)
    assert "errors" not in result, result
    jsonschema.validate(result, result_schema())
    return result


def test_every_demo_encounter_is_a_valid_document() -> None:
    call_command("load_reference_data")
    call_command("seed_demo")
    for visit in Encounter.objects.all():
        assert_valid(encounter_document(visit))


def test_document_carries_doses_waste_flags_and_policy(nurse) -> None:
    seed_payers()
    drugs = world.formulary("J9263", "J2357")
    visit = world.encounter(world.location(nurse), payer="Illinois Medicaid")
    port = world.site(visit, nurse, "port")
    chemo = Administration.objects.create(
        encounter=visit,
        drug=drugs["J9263"],
        site=port,
        dose_amount=170,
        dose_unit="mg",
        wasted_amount=30,
        single_dose_container=True,
        ndc="00703-3985-01",
        bag="1",
        rate=250,
        volume_infused=500,
        discontinued=True,
        created_by=nurse,
    )
    chemo.start(at=world.at(visit, "09:00"), by=nurse, key=world.key())
    chemo.stop(at=world.at(visit, "11:05"), by=nurse, key=world.key())
    document = encounter_document(visit)
    assert_valid(document)
    given = document["administrations"][0]
    assert given["drug"] == {
        "name": "Oxaliplatin",
        "category": "chemotherapy",
        "hcpcs": "J9263",
        "billing_unit": {"amount": 0.5, "unit": "mg"},
        "ndc": "00703-3985-01",
        "single_dose_container": True,
    }
    assert given["dose"] == {"amount": 170, "unit": "mg"}
    assert given["wasted"] == {"amount": 30, "unit": "mg"}
    assert given["start"].endswith("T09:00-06:00")
    assert given["stop"].endswith("T11:05-06:00")
    assert given["rate"] == {"amount": 250, "unit": "mL/h"}
    assert given["volume_infused"] == {"amount": 500, "unit": "mL"}
    assert given["discontinued"] is True
    assert document["setting"] == "facility"
    assert document["timezone"] == "America/Chicago"
    # Illinois Medicaid's published policy wants NDCs and decimal units.
    assert document["policy"]["ndc_required"] is True
    assert document["sites"] == [{"id": str(port.pk), "label": "Peripheral IV, port"}]


def test_running_infusion_has_no_stop_yet(visit, nurse, drugs, port) -> None:
    a = Administration.objects.create(
        encounter=visit, drug=drugs["J7050"], site=port, created_by=nurse
    )
    a.start(at=clock.now(), by=nurse, key=world.key())
    document = encounter_document(visit)
    assert document["administrations"][0]["stop"] is None
    result = assert_valid(document)
    assert "time.missing_stop" in {f["code"] for f in result["findings"]}


def test_injection_has_no_stop_and_no_site(visit, nurse, drugs) -> None:
    a = Administration.objects.create(
        encounter=visit,
        drug=drugs["J2357"],
        method=Method.SC_INJECTION,
        dose_amount=300,
        dose_unit="mg",
        created_by=nurse,
    )
    a.start(at=clock.now(), by=nurse, key=world.key())
    given = encounter_document(visit)["administrations"][0]
    assert "stop" not in given
    assert "site" not in given
    lines = assert_valid(encounter_document(visit))["lines"]
    assert [(line["code"], line["units"]) for line in lines] == [
        ("96372", 1),
        ("J2357", 60),
    ]


def test_not_started_and_unreviewed_are_findings_of_the_app(
    visit, nurse, drugs, port
) -> None:
    Administration.objects.create(
        encounter=visit, drug=drugs["J0640"], site=port, created_by=nurse
    )
    unknown = Administration.objects.create(
        encounter=visit,
        drug=drugs["J3490"],
        method=Method.PUSH,
        site=port,
        created_by=nurse,
    )
    unknown.start(at=clock.now() - timedelta(minutes=5), by=nurse, key=world.key())
    built = build_document(visit)
    assert built.document["administrations"] == []
    assert {f["code"] for f in built.findings} == {
        "chairside.not_started",
        "chairside.drug_needs_review",
    }
    derivation = derive_encounter(visit)
    assert {f["code"] for f in derivation.findings} >= {"chairside.drug_needs_review"}


def test_reviewed_mapping_covers_every_code_of_the_cms_extract() -> None:
    call_command("load_reference_data")
    mapping = reviewed_categories()
    assert set(mapping) == set(Drug.objects.values_list("hcpcs", flat=True))
    assert all(basis for _, basis in mapping.values())
    assert Drug.objects.get(hcpcs="J9263").category == DrugCategory.CHEMOTHERAPY
    assert Drug.objects.get(hcpcs="J2357").category == DrugCategory.BIOLOGIC
    assert Drug.objects.get(hcpcs="J7030").category == DrugCategory.HYDRATION
    assert Drug.objects.get(hcpcs="J2405").category == DrugCategory.THERAPEUTIC
    assert Drug.objects.get(hcpcs="J9395").category == (
        DrugCategory.HORMONAL_ANTINEOPLASTIC
    )
    # Indication decides leuprolide 3.75 mg (R5): left for a person to review.
    assert Drug.objects.get(hcpcs="J1950").needs_review


@pytest.mark.django_db
def test_a_reused_row_number_never_brings_back_a_cached_policy() -> None:
    # Published policies are cached per process; a database emptied with its
    # sequences reset (as tests do) numbers a new version like an old one.
    payer = Payer.objects.create(name="Reused")

    def published(at: datetime, biologic_infusion: str) -> PolicyVersion:
        return PolicyVersion.objects.create(
            pk=4242,
            payer=payer,
            number=1,
            status=PolicyVersion.Status.PUBLISHED,
            effective_from=date(2026, 1, 1),
            published_at=at,
            biologic_infusion=biologic_infusion,
        )

    first = published(timezone.now(), "therapeutic")
    assert policy_of(first)["biologic_infusion"] == "therapeutic"
    PolicyVersion.objects.filter(pk=first.pk).delete()
    second = published(timezone.now() + timedelta(seconds=1), "chemotherapy")
    assert policy_of(second).get("biologic_infusion", "chemotherapy") == "chemotherapy"
