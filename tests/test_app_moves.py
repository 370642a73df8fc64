"""The reference tables, API tokens and claims moved from `coding` to the apps
`reference`, `accounts` and `claims`: a database made before the move keeps
every row, its links and its permissions."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from tests.migrating import migrator

# The last migrations before the move.
BEFORE = [
    ("coding", "0009_price_list"),
    ("encounters", "0004_location_department_and_340b"),
    ("payers", "0004_facility_visit_code"),
    ("accounts", None),
    ("reference", None),
    ("claims", None),
]


@pytest.mark.django_db(transaction=True)
def test_rows_made_before_the_move_survive_it() -> None:
    with migrator() as migrate:
        old = migrate.to_nodes(BEFORE)
        assert "coding_claim" in connection.introspection.table_names()
        user = old.get_model("auth", "User").objects.create(username="before")
        drug = old.get_model("coding", "Drug").objects.create(
            hcpcs="J1745", short_descriptor="Infliximab", category="biologic"
        )
        old.get_model("coding", "ReferenceEdition").objects.create(
            table="mue", source="NCCI_MUE_2024Q3", effective=date(2024, 7, 1), rows=1
        )
        old.get_model("coding", "ApiToken").objects.create(
            user=user, created_by=user, name="pump gateway", prefix="abc", digest="0"
        )
        old.get_model("coding", "Charge").objects.create(
            code="J1745",
            price=Decimal("80.00"),
            effective=date(2026, 1, 1),
            created_by=user,
        )
        location = old.get_model("encounters", "Location").objects.create(
            name="Before", setting="facility", department="on_campus"
        )
        patient = old.get_model("encounters", "Patient").objects.create(
            mrn="M1", name="Ann Before", date_of_birth=date(1960, 1, 1)
        )
        payer = old.get_model("payers", "Payer").objects.create(name="Medicare")
        visit = old.get_model("encounters", "Encounter").objects.create(
            patient=patient,
            location=location,
            payer=payer,
            date=date(2026, 3, 2),
            visit_number="V1",
        )
        old.get_model("encounters", "Administration").objects.create(
            encounter=visit, drug=drug, created_by=user
        )
        old.get_model("coding", "Diagnosis").objects.create(
            encounter=visit,
            rank=1,
            code="K50.90",
            description="Crohn's",
            added_by=user,
        )
        claim = old.get_model("coding", "Claim").objects.create(encounter=visit)
        old.get_model("coding", "ClaimLine").objects.create(
            claim=claim,
            number=1,
            kind="drug",
            code="J1745",
            units=38,
            date=date(2026, 3, 2),
        )

        new = migrate.to_nodes(
            [
                ("coding", "0010_models_move_to_their_apps"),
                ("claims", "0002_tables_renamed"),
                ("reference", "0002_tables_renamed"),
                ("accounts", "0002_tables_renamed"),
            ]
        )

    tables = connection.introspection.table_names()
    assert {"reference_drug", "claims_claim", "accounts_apitoken"} <= set(tables)
    assert not {
        t for t in tables if t.startswith("coding_") and t != "coding_derivation"
    }
    claims = new.get_model("claims", "Claim").objects
    (moved,) = claims.all()
    assert moved.encounter.visit_number == "V1"
    assert [(line.code, line.units) for line in moved.lines.all()] == [
        ("J1745", Decimal(38))
    ]
    given = new.get_model("encounters", "Administration").objects.get()
    assert given.drug.hcpcs == "J1745"
    assert new.get_model("claims", "Diagnosis").objects.get().code == "K50.90"
    assert new.get_model("claims", "Charge").objects.get().price == Decimal("80.00")
    assert new.get_model("accounts", "ApiToken").objects.get().name == "pump gateway"
    # The undated edition moved too, and reference 0003 then forgot it: the
    # dated editions are recorded again by `load_reference_data`.
    assert new.get_model("reference", "ReferenceEdition").objects.count() == 0
    # Permissions moved with their models, and the roles hold the new ones.
    assert not ContentType.objects.filter(app_label="coding", model="drug").exists()
    coder = Group.objects.get(name="Coder")
    assert coder.permissions.filter(
        content_type__app_label="reference", codename="view_drug"
    ).exists()
    assert User.objects.filter(username="before").exists()
