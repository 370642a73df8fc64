"""The manager's morning: the reports on the demo data, a location filter, a
CSV download and a number followed to its encounters."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from demo.chair_day import OFFICE
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_reads_the_reports_filters_downloads_and_drills_down(
    page: Page, live_server
) -> None:
    call_command("load_reference_data", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())

    sign_in(page, live_server.url, "manager", "chairside-manager")
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    charts = page.locator("svg.report-chart")
    expect(charts.first).to_be_visible()
    assert charts.count() >= 4
    expect(page.get_by_role("img", name="Denied lines by reason")).to_be_visible()

    page.get_by_label("Location", exact=True).select_option(label=OFFICE)
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"location=\d+"))
    chairs = page.locator("#chairs tbody tr")
    expect(chairs.first).to_contain_text("Prairie Oncology")
    assert "Lakeview" not in page.locator("#chairs").inner_text()

    with page.expect_download() as download:
        page.locator("#revenue").get_by_test_id("csv").click()
    assert download.value.suggested_filename.startswith("chairside-revenue-")

    page.locator("#waiting tbody tr th a").first.click()
    expect(page.get_by_test_id("behind")).to_be_visible()
    page.get_by_test_id("behind").locator("a").first.click()
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    expect(page.get_by_role("button", name="Finalise")).to_have_count(0)
