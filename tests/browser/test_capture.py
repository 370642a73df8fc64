"""A nurse's chair day in Chromium: check in, add a site, run two infusions,
watch the codes appear in the panel without the page ever reloading."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import Role
from demo.payers import seed_payers
from encounters.clock import clock
from encounters.models import AdministrationEvent, Encounter
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.conftest import make_user
from tests.encounters import world

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def scheduled() -> Encounter:
    nurse = make_user("nurse", Role.NURSE)
    seed_payers()
    world.formulary("J9263", "J0640")
    place = world.location(nurse, name="Lakeview Hospital Infusion Center")
    return world.encounter(place, status=Encounter.Status.SCHEDULED)


@pytest.fixture
def moving_clock() -> object:
    yield clock
    clock.reset()


def let_time_pass(page: Page, minutes: int) -> None:
    """The server's clock and the page's move together, nobody waits."""
    clock.advance(timedelta(minutes=minutes))
    page.clock.fast_forward(minutes * 60 * 1000)


def add_drug(page: Page, search: str, choice: str, dose: str) -> None:
    form = page.locator("#add-administration")
    box = form.get_by_label("Drug (HCPCS code or name)")
    # htmx binds the search box's typeahead when the swap that brought the form
    # settles (it marks new content .htmx-added until then); typing before that
    # is lost, and the drug never shows up to be chosen.
    expect(box).to_be_visible()
    expect(page.locator(".htmx-added, .htmx-settling")).to_have_count(0)
    box.fill(search)
    form.get_by_label(choice).check()
    form.get_by_label("Method").select_option("infusion")
    form.get_by_label("IV site").select_option(label="Port, right chest")
    form.get_by_label("Dose", exact=True).fill(dose)
    form.get_by_label("Unit", exact=True).select_option("mg")
    form.get_by_role("button", name="Add").click()


def tap(page: Page, drug: str, button: str) -> None:
    card = page.get_by_role("article", name=drug)
    card.get_by_role("button", name=button).click()


def test_nurse_runs_two_infusions_and_sees_the_codes(
    page: Page, live_server, scheduled: Encounter, moving_clock, settings
) -> None:
    # Hours pass in a moment here; the idle sign-out has its own tests.
    settings.SESSION_IDLE_MINUTES = 24 * 60
    page.clock.install(time=clock.now())
    sign_in(page, live_server.url, "nurse", "nurse-password")
    expect(page.get_by_role("heading", level=1)).to_have_text("Chair board")

    # Check the scheduled patient into a chair; the encounter page opens.
    page.get_by_label(f"Chair for {scheduled.patient.name}").select_option(
        label="Chair 2"
    )
    page.get_by_role("button", name="Check in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(scheduled.patient.name)
    expect(page.get_by_test_id("status")).to_have_text("In chair")
    # Everything from here happens in this one page: a reload would lose this.
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_text("Add IV site").click()
    page.get_by_label("Kind").select_option("port")
    page.get_by_label("Label").fill("right chest")
    page.get_by_role("button", name="Add site").click()
    expect(page.get_by_test_id("notice")).to_have_text(
        "IV site added: Port, right chest."
    )

    add_drug(page, "oxali", "J9263 Oxaliplatin", "170")
    expect(page.get_by_test_id("notice")).to_contain_text("Added Oxaliplatin")
    page.get_by_text("Add administration").click()
    add_drug(page, "leucovorin", "J0640 Leucovorin calcium", "800")
    expect(page.get_by_role("article", name="Leucovorin calcium")).to_be_visible()

    tap(page, "Oxaliplatin", "Start")
    expect(page.get_by_test_id("notice")).to_contain_text("Oxaliplatin started at")
    tap(page, "Leucovorin calcium", "Start")
    expect(page.get_by_test_id("notice")).to_contain_text("Leucovorin calcium started")

    # Two hours pass: the timer in the page counts them without a request.
    let_time_pass(page, 120)
    running = page.get_by_role("article", name="Oxaliplatin").locator(".elapsed")
    expect(running).to_contain_text("2:00:")
    tap(page, "Leucovorin calcium", "Stop")
    expect(page.get_by_test_id("notice")).to_contain_text("stopped at")
    let_time_pass(page, 5)
    tap(page, "Oxaliplatin", "Stop")
    expect(page.get_by_test_id("notice")).to_contain_text("Oxaliplatin stopped at")

    # R31: 125 minutes of chemotherapy earn 96413 and one 96415; leucovorin
    # running alongside is a concurrent infusion (96368).
    codes = page.locator("#codes")
    for code in ("96413", "96415", "96368", "J9263", "J0640"):
        expect(codes.locator(f'tr[data-code="{code}"]')).to_be_visible()
    expect(page.locator("#timeline svg .bar")).to_have_count(2)
    expect(page.locator("#timeline svg .concurrent")).to_have_count(2)
    assert page.evaluate("window.stillTheSamePage") is True
    assert AdministrationEvent.objects.count() == 4

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "capture-encounter.png", full_page=True)
