"""Replaying past encounters under a draft: which would be coded differently,
by how many units of each code, and what that does to charges."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from claims.models import Charge
from encounters.models import Encounter
from payers.models import PolicyVersion
from tests.encounters import world
from tests.payers.conftest import infliximab_infusion

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def prairie_draft(payers, admin_user) -> PolicyVersion:
    prairie = payers["Prairie Health Plan"]
    return prairie.policy_versions.get(number=1).start_draft(
        by=admin_user, effective_from=date(2026, 12, 1)
    )


def documented_infliximab(nurse, day: date) -> Encounter:
    visit = world.encounter(world.location(nurse), payer="Prairie Health Plan", day=day)
    infliximab_infusion(visit, nurse)
    visit.status = Encounter.Status.DOCUMENTED
    visit.save(update_fields=["status"])
    return visit


def test_replay_counts_the_encounters_a_draft_would_change_and_prices_them(
    as_admin, nurse, admin_user, prairie_draft
) -> None:
    changed = documented_infliximab(nurse, date(2026, 8, 3))
    documented_infliximab(nurse, date(2026, 8, 4))
    documented_infliximab(nurse, date(2025, 1, 2))  # before the dates asked
    for code, price in (("96365", "420.00"), ("96366", "120.00"), ("96413", "640")):
        Charge.objects.create(
            code=code,
            price=Decimal(price),
            effective=date(2026, 1, 1),
            created_by=admin_user,
        )
    prairie_draft.biologic_infusion = "chemotherapy"  # Prairie v1: therapeutic
    prairie_draft.save()
    page = as_admin.get(reverse("payers:version", args=[prairie_draft.pk]))
    assert reverse("payers:impact", args=[prairie_draft.pk]) in page.content.decode()

    response = as_admin.post(
        reverse("payers:impact", args=[prairie_draft.pk]),
        {"since": "2026-08-01", "until": "2026-08-31"},
        **HX,
    )
    assert response.status_code == 200
    text = response.content.decode()
    summary = text.split('data-testid="impact-summary"')[1].split("</p>")[0]
    assert "2 of 2</strong> encounters" in summary
    # Each: 96365 + 96366 (540.00) becomes 96413 + 96415 (640.00, no price).
    assert "Charges: $1,080.00 under the versions in force, $1,280.00 under" in summary
    assert "this draft (+200.00)" in summary
    codes = text.split('data-testid="impact-codes"')[1]
    assert 'data-code="96365"' in codes
    assert 'data-code="96413"' in codes
    assert changed.visit_number in text


def test_replay_dates_are_checked_and_only_drafts_replay(
    as_admin, prairie_draft, payers
) -> None:
    url = reverse("payers:impact", args=[prairie_draft.pk])
    backwards = as_admin.post(url, {"since": "2026-09-01", "until": "2026-08-01"}, **HX)
    assert backwards.status_code == 422
    assert "The end comes after the start." in backwards.content.decode()
    published = payers["Prairie Health Plan"].policy_versions.get(number=1)
    refused = as_admin.post(
        reverse("payers:impact", args=[published.pk]),
        {"since": "2026-08-01", "until": "2026-08-31"},
        **HX,
    )
    assert refused.status_code == 409


def test_replay_queries_do_not_grow_with_encounters_of_one_day(
    nurse, prairie_draft
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from payers.impact import replay

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            replay(prairie_draft, since=date(2026, 8, 1), until=date(2026, 8, 31))
        return len(captured)

    documented_infliximab(nurse, date(2026, 8, 3))
    queries()  # a published policy is read once per process: read it first
    one = queries()
    for _ in range(3):
        documented_infliximab(nurse, date(2026, 8, 3))
    assert queries() == one
