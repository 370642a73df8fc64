"""A coder in Chromium takes an encounter from the worklist to a finalised
claim and downloads files that the validators accept."""

import json
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from playwright.sync_api import Page, expect

from accounts.roles import Role
from claims.exports import x12
from encounters.models import Encounter
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.claims.claim_world import ready_encounter
from tests.conftest import make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def waiting() -> Encounter:
    nurse = make_user("nurse", Role.NURSE)
    coder = make_user("coder", Role.CODER)
    return ready_encounter(nurse, coder, ndc="00409-0296-01")


def downloaded(page: Page, control: object) -> str:
    with page.expect_download() as download:
        control.click()
    return Path(download.value.path()).read_text()


def test_coder_finalises_a_claim_and_downloads_valid_files(
    page: Page, live_server: object, waiting: Encounter
) -> None:
    sign_in(page, live_server.url, "coder", "coder-password")
    expect(page.get_by_role("heading", name="Coding worklist")).to_be_visible()
    row = page.locator(f'tr[data-visit="{waiting.visit_number}"]')
    expect(row).to_contain_text("Ready for coding")
    expect(row).to_contain_text("96413")
    row.get_by_role("link", name=waiting.visit_number).click()

    expect(page.locator("svg.timeline")).to_be_visible()
    expect(page.get_by_test_id("blockers")).to_contain_text("Add at least one")
    page.get_by_label("ICD-10-CM code").fill("c18.9")
    page.locator("#diagnosis-form").get_by_role("button", name="Add").click()
    expect(page.get_by_test_id("notice")).to_contain_text(
        "Added C18.9 Malignant neoplasm of colon, unspecified."
    )

    page.get_by_label("Your codes").fill("96413, 96415, J9263 x300")
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("#check tr.verdict-units")).to_contain_text("J9263 × 340")

    page.get_by_role("button", name="Finalise claim").click()
    expect(page.get_by_test_id("status")).to_have_text("Finalised")
    expect(page.get_by_test_id("claim-version")).to_contain_text("frequency 1")
    expect(page.get_by_test_id("audit-trail")).to_contain_text("claim.finalised")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "coder-review.png", full_page=True)

    x837 = downloaded(page, page.get_by_role("link", name="837I"))
    assert x12.validate(x837) == []
    assert "LIN**N4*00409029601~" in x837

    page.get_by_role("link", name="← Worklist").click()
    page.get_by_label(f"Export {waiting.visit_number}").check()
    bundle = downloaded(page, page.get_by_role("button", name="FHIR R4"))
    assert len(Bundle.model_validate(json.loads(bundle)).entry) == 1


def test_coder_records_the_missing_ndcs_that_held_a_medicaid_claim_back(
    page: Page, live_server: object
) -> None:
    nurse = make_user("nurse", Role.NURSE)
    coder = make_user("coder", Role.CODER)
    held = ready_encounter(nurse, coder, payer="Illinois Medicaid")
    sign_in(page, live_server.url, "coder", "coder-password")
    page.locator(f'tr[data-visit="{held.visit_number}"]').get_by_role(
        "link", name=held.visit_number
    ).click()
    blockers = page.get_by_test_id("blockers")
    expect(blockers).to_contain_text("J2405 (Ondansetron hydrochloride) has no NDC")
    expect(blockers).to_contain_text("J9263 (Oxaliplatin) has no NDC")

    for name, ndc in (("Ondansetron", "0409-4755-03"), ("Oxaliplatin", "00409029601")):
        card = page.locator("#administrations .card", has_text=name)
        card.get_by_label("NDC from the vial").fill(ndc)
        card.get_by_role("button", name="Record NDC").click()
        expect(page.get_by_test_id("notice")).to_contain_text(f"NDC {ndc} recorded")
    expect(page.get_by_test_id("blockers")).not_to_contain_text("has no NDC")

    page.get_by_label("ICD-10-CM code").fill("C18.9")
    page.locator("#diagnosis-form").get_by_role("button", name="Add").click()
    page.get_by_role("button", name="Finalise claim").click()
    expect(page.get_by_test_id("status")).to_have_text("Finalised")
    x837 = downloaded(page, page.get_by_role("link", name="837I"))
    assert x12.validate(x837) == []
    assert "LIN**N4*00409475503~" in x837  # typed 4-4-2, sent as 11 digits
