"""The admin's quarter: next quarter's MUE file uploaded as CMS publishes it,
what it changes, and the encounters it would edit differently."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.roles import Role
from demo.next_quarter import next_quarter
from tests.browser.conftest import sign_in
from tests.claims.claim_world import ready_encounter
from tests.conftest import make_user
from tests.reference import cms_fixtures as cms

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_uploads_next_quarters_mue_and_replays_its_effect(
    page: Page, live_server, tmp_path: Path, console_errors: list[str]
) -> None:
    call_command("load_reference_data", stdout=StringIO())
    make_user("admin", Role.ADMIN)
    ready_encounter(make_user("nurse", Role.NURSE))
    starts = next_quarter(timezone.localdate())
    upload = tmp_path / f"MCR_MUE_OutpatientHospitalServices_Eff_{starts:%m-%d-%Y}.csv"
    upload.write_bytes(
        cms.mue_csv([("96413", 0, 3, "Clinical: Data")], setting="outpatient_hospital")
    )
    odd = tmp_path / "remittance.csv"
    odd.write_text("Patient,Amount\nAnn,12\n")

    sign_in(page, live_server.url, "admin", "admin-password")
    page.get_by_role("link", name="Reference data").click()
    page.get_by_label("CMS files").set_input_files(str(odd))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("remittance.csv is not a CMS file")).to_be_visible()
    # The refusal is a 422, which the browser logs; nothing else may be logged.
    assert all("422" in error for error in console_errors)
    console_errors.clear()

    page.get_by_label("CMS files").set_input_files(str(upload))
    page.get_by_role("button", name="Import").click()
    expect(
        page.get_by_text(f"effective {starts:%Y-%m-%d}, 1 rows kept")
    ).to_be_visible()
    page.get_by_role("link", name="See what changes next quarter").click()
    row = page.locator('tr[data-key="96413"]')
    expect(row).to_contain_text("1 (date of service, clinical)")
    expect(row).to_contain_text("0 (date of service, clinical)")
    page.get_by_role("button", name="Replay open and recent encounters").click()
    expect(page.get_by_test_id("replay-summary")).to_contain_text("1 of 1")
