"""The policy key facility_visit_code (contract 1.1, R101): existing versions
keep what they coded (as given), new ones start from G0463, and the payer
pages offer, explain and compare it."""

import json
import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from payers.models import Payer
from tests.migrating import migrator

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.mark.django_db(transaction=True)
def test_versions_that_existed_before_the_key_keep_the_level_as_given() -> None:
    with migrator() as migrate:
        before = migrate.to("payers", "0003_rederivation")
        payer = before.get_model("payers", "Payer").objects.create(
            name="Old Mutual", kind="commercial"
        )
        versions = before.get_model("payers", "PolicyVersion")
        published = versions.objects.create(
            payer=payer,
            number=1,
            status="published",
            effective_from=date(2025, 1, 1),
            published_at=timezone.now(),
        )
        draft = versions.objects.create(
            payer=payer, number=2, effective_from=date(2026, 1, 1)
        )
        before.get_model("payers", "HistoricalPolicyVersion").objects.create(
            id=published.pk,
            payer_id=payer.pk,
            number=1,
            status="published",
            effective_from=date(2025, 1, 1),
            published_at=timezone.now(),
            created_at=timezone.now(),
            history_date=timezone.now(),
            history_type="+",
        )

        after = migrate.to("payers", "0004_facility_visit_code")
        migrated = after.get_model("payers", "PolicyVersion").objects
        assert set(migrated.values_list("facility_visit_code", flat=True)) == {
            "as_given"
        }
        assert {migrated.get(pk=published.pk).number, draft.number} == {1, 2}
        history = after.get_model("payers", "HistoricalPolicyVersion").objects
        assert history.get().facility_visit_code == "as_given"
        # A version made from now on starts from the contract's default.
        new = migrated.create(
            payer_id=payer.pk, number=3, effective_from=date(2027, 1, 1)
        )
        assert new.facility_visit_code == "G0463"


@pytest.mark.django_db
def test_a_new_payers_first_draft_starts_from_g0463(as_admin) -> None:
    as_admin.post(reverse("payers:add"), {"name": "New Health", "kind": "commercial"})
    payer = Payer.objects.get(name="New Health")
    response = as_admin.post(reverse("payers:start_draft", args=[payer.pk]))
    draft = payer.policy_versions.get()
    assert response["Location"] == reverse("payers:version", args=[draft.pk])
    assert draft.facility_visit_code == "G0463"
    assert draft.policy_document() == {}


@pytest.fixture
def prairie(payers):
    return payers["Prairie Health Plan"]


@pytest.mark.django_db
def test_the_draft_editor_offers_and_explains_the_key(as_admin, prairie) -> None:
    draft = prairie.policy_versions.get(number=1).start_draft(
        by=None, effective_from=date(2026, 7, 1)
    )
    page = as_admin.get(reverse("payers:version", args=[draft.pk])).content.decode()
    row = page.split('data-testid="key-facility_visit_code"')[1].split("Save draft")[0]
    assert "Clinic visit on the hospital&#x27;s claim" in row
    assert "Rule R101, R73–R74" in row
    assert "reported as the hospital clinic visit G0463" in row
    assert "Default: G0463 for any level." in row
    assert re.search(r'<option value="as_given" selected>The level documented', row)
    assert '<option value="G0463">G0463 for any level</option>' in row


@pytest.mark.django_db
def test_published_versions_and_history_show_the_choice(as_admin, payers) -> None:
    medicare = payers["Medicare"]
    first = medicare.policy_versions.get(number=1)
    page = as_admin.get(reverse("payers:version", args=[first.pk])).content.decode()
    assert "The level documented (99202–99215)" in page
    assert "R101" in page  # the note behind the choice
    detail = as_admin.get(reverse("payers:detail", args=[medicare.pk]))
    assert "facility_visit_code: as_given → G0463" in detail.content.decode()


@pytest.mark.django_db
def test_try_it_shows_g0463_against_the_level_as_given(as_admin, prairie) -> None:
    draft = prairie.policy_versions.get(number=1).start_draft(
        by=None, effective_from=date(2026, 7, 1)
    )
    draft.facility_visit_code = "G0463"
    draft.save()
    document = {
        "setting": "facility",
        "date_of_service": "2026-08-03",
        "sites": [{"id": "A"}],
        "administrations": [
            {
                "id": "1",
                "site": "A",
                "method": "infusion",
                "drug": {"name": "infliximab", "category": "biologic"},
                "start": "09:00",
                "stop": "11:10",
            }
        ],
        "em": {"code": "99213", "separately_identifiable": True},
    }
    response = as_admin.post(
        reverse("payers:try_it", args=[draft.pk]),
        {"document": json.dumps(document)},
        **HX,
    )
    assert response.status_code == 200
    published_side, draft_side = response.content.decode().split('data-testid="side"')[
        1:3
    ]
    assert "99213" in published_side
    assert "G0463" not in published_side
    assert "G0463" in draft_side
