"""The coder's loop: an 835 uploaded on the Remittance page, a denied line
with its reason and rule on the denial worklist and the review page, and the
pattern followed into a payer draft and its Replay."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import Role
from claims.models import Charge
from claims.remittance.read import Adjustment
from demo.payers import seed_payers
from encounters.models import Administration, Method
from payers.models import Payer
from tests.browser.conftest import sign_in
from tests.claims import remittance_world as world
from tests.conftest import make_user
from tests.encounters import world as encounter_world
from tests.payers.conftest import published

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coder_imports_an_835_and_follows_a_denial_into_a_draft(
    page: Page, live_server, tmp_path: Path
) -> None:
    seed_payers()
    nurse = make_user("nurse", Role.NURSE)
    coder = make_user("coder", Role.CODER)
    plan = Payer.objects.create(name="Harbor Health", kind=Payer.Kind.COMMERCIAL)
    published(plan, date(2020, 1, 1), biologic_injection="chemotherapy")
    Charge.objects.create(
        code="96401", price=Decimal("150"), effective=date(2020, 1, 1), created_by=coder
    )
    visit = encounter_world.encounter(
        encounter_world.location(nurse, coder), payer="Harbor Health"
    )
    shot = Administration.objects.create(
        encounter=visit,
        drug=encounter_world.formulary("J2357")["J2357"],
        method=Method.SC_INJECTION,
        dose_amount=150,
        dose_unit="mg",
        created_by=nurse,
    )
    shot.start(
        at=encounter_world.at(visit, "09:00"), by=nurse, key=encounter_world.key()
    )
    visit.mark_documented(at=encounter_world.at(visit, "10:00"))
    visit.send_to_coding()
    claim = world.finalised(visit, coder)
    services = []
    for line in claim.lines.all():
        bundled = line.code == "96401"
        cas = Adjustment(group="CO", reason="97", amount=line.charge, quantity=None)
        services.append(
            world.paid_line(
                line,
                claim,
                paid="0.00" if bundled else str(line.charge),
                adjustments=[cas] if bundled else [],
                remarks=("M80",) if bundled else (),
            )
        )
    era = world.file_835(tmp_path, [world.adjudicated(claim, services)])

    sign_in(page, live_server.url, "coder", "coder-password")
    page.get_by_role("link", name="Remittance").click()
    page.get_by_label("835, 999 or 277CA files").set_input_files(str(era))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("status")).to_contain_text(
        "remit-1.835: 1 claims matched, 0 lines paid, 1 lines denied, 0 unmatched"
    )

    page.get_by_role("link", name="Denials").click()
    row = page.locator('tr[data-code="96401"]')
    expect(row).to_contain_text("CO-97")
    expect(row).to_contain_text("M80")
    expect(row).to_contain_text("R8")
    page.get_by_label("Payer").select_option(label="Harbor Health")
    page.get_by_label("CPT/HCPCS").fill("96401")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("button", name="Draft a policy change").click()
    expect(page.get_by_test_id("cause")).to_contain_text(
        "Therapeutic injection (96372)"
    )
    expect(page.get_by_test_id("impact-summary")).to_contain_text("1 of 1")

    page.get_by_role(
        "link", name=visit.visit_number.join(["", ""]), exact=False
    ).first.click()
    expect(page.get_by_test_id("remittance")).to_contain_text("denied")
    expect(page.get_by_test_id("remittance")).to_contain_text("CO-97")
