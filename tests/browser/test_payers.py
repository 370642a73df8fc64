"""The admin's demo flow: a draft, its effect on a real encounter, publishing,
and the open encounter re-derived under the new version."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import Role
from coding.models import Derivation
from coding.services import derive_encounter
from demo.payers import seed_payers
from tests.browser.conftest import sign_in
from tests.conftest import make_user
from tests.encounters import world
from tests.payers.conftest import infliximab_infusion

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_admin_drafts_tries_publishes_and_sees_the_re_derivation(
    page: Page, live_server, settings
) -> None:
    # The live server runs the task inside the request instead of a worker.
    settings.TASKS = {
        "default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}
    }
    seed_payers()
    nurse = make_user("nurse", Role.NURSE)
    make_user("admin", Role.ADMIN)
    visit = world.encounter(world.location(nurse), payer="Prairie Health Plan")
    world.formulary("J0131")  # acetaminophen, searched for below
    infliximab_infusion(visit, nurse)
    visit.mark_documented(at=world.at(visit, "12:00"))
    derive_encounter(visit)

    sign_in(page, live_server.url, "admin", "admin-password")
    page.get_by_role("link", name="Prairie Health Plan").click()
    page.get_by_role("button", name="New draft from v1").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("v2")
    expect(page.get_by_test_id("status")).to_have_text("Draft")

    page.get_by_role("combobox", name="Biologic given into a vein").select_option(
        "chemotherapy"
    )
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#messages")).to_contain_text("Saved")

    page.get_by_label("Search drugs by code, name or group").fill("acetaminophen")
    row = page.get_by_test_id("formulary").get_by_role("row", name=re.compile("J0131"))
    expect(page.get_by_test_id("formulary").get_by_role("row")).to_have_count(2)
    # Toggle buttons: the tap lands on the label, the checkbox follows.
    row.locator("label", has_text="Push").click()
    expect(row.get_by_label("Push")).to_be_checked()
    row.get_by_role("button", name="Set").click()
    added = page.get_by_test_id("override-list").get_by_role(
        "row", name=re.compile("J0131")
    )
    expect(added).to_contain_text("always the push code")

    page.locator("#try-it label", has_text=visit.visit_number).click()
    expect(page.get_by_label(re.compile(visit.visit_number))).to_be_checked()
    page.get_by_role("button", name="Compare").click()
    comparison = page.get_by_test_id("comparison")
    expect(comparison).to_contain_text("differs")
    expect(comparison.get_by_test_id("changed-line").first).to_be_visible()
    expect(comparison).to_contain_text("96365")
    expect(comparison).to_contain_text("96413")

    page.get_by_role("button", name="Replay").click()
    expect(page.get_by_test_id("impact-summary")).to_contain_text(
        "1 of 1 encounter from"
    )
    expect(page.get_by_test_id("impact-codes")).to_contain_text("96413")
    expect(page.get_by_test_id("impact-encounters")).to_contain_text(visit.visit_number)

    page.get_by_label("Publication note").fill("Infliximab as a complex infusion")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Prairie Health Plan")
    progress = page.get_by_test_id("rederivation")
    expect(progress).to_contain_text("Done")
    expect(progress).to_contain_text("1 of 1 open encounter re-derived")

    derivation = Derivation.objects.get(encounter=visit)
    assert derivation.policy_version.number == 2
    assert "96413" in {line["code"] for line in derivation.lines}
    assert derivation.policy_version.drug_overrides.filter(
        key="J0131", force_push=True
    ).exists()
