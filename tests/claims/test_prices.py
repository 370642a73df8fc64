"""The price list: admins add dated prices, finalised claim lines are charged
from the price in force on the date of service, and the coder sees which
codes have none."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from claims import services as claims
from claims.exports import x12
from claims.models import Charge
from encounters.models import Encounter
from tests.claims.claim_world import ready_encounter

pytestmark = pytest.mark.django_db
PRICES = reverse("claims:prices")


def price(code: str, amount: str, effective, by: User) -> Charge:
    return Charge.objects.create(
        code=code, price=Decimal(amount), effective=effective, created_by=by
    )


def test_an_admin_adds_a_price_and_it_is_listed(
    as_admin: Client, admin_user: User
) -> None:
    response = as_admin.post(
        PRICES, {"code": "j9263", "price": "3.60", "effective": "2026-01-01"}
    )
    assert response.status_code == 302
    charge = Charge.objects.get()
    assert (charge.code, charge.price, charge.created_by) == (
        "J9263",
        Decimal("3.60"),
        admin_user,
    )
    page = as_admin.get(PRICES).content.decode()
    assert 'data-code="J9263"' in page
    assert "J9263 is 3.60 a unit from 2026-01-01." in page
    assert charge.history.count() == 1


def test_the_hospital_clinic_visit_g0463_takes_a_price(as_admin: Client) -> None:
    response = as_admin.post(
        PRICES, {"code": "g0463", "price": "180.00", "effective": "2026-01-01"}
    )
    assert response.status_code == 302
    assert Charge.objects.get().code == "G0463"
    assert 'data-code="G0463"' in as_admin.get(PRICES).content.decode()


def test_bad_prices_are_refused_with_422_and_nothing_saved(
    as_admin: Client, admin_user: User
) -> None:
    bad = as_admin.post(PRICES, {"code": "96", "price": "-1", "effective": "soon"})
    assert bad.status_code == 422
    body = bad.content.decode()
    assert "A CPT or HCPCS code: five letters or digits." in body
    assert "Ensure this value is greater than or equal to 0." in body
    assert "Enter a valid date." in body
    assert not Charge.objects.exists()
    price("96413", "640.00", "2026-01-01", admin_user)
    twice = as_admin.post(
        PRICES, {"code": "96413", "price": "700", "effective": "2026-01-01"}
    )
    assert twice.status_code == 422
    assert Charge.objects.count() == 1


def test_a_coder_reads_the_price_list_but_cannot_change_it(as_coder: Client) -> None:
    page = as_coder.get(PRICES)
    assert page.status_code == 200
    assert 'id="price-form"' not in page.content.decode()
    refused = as_coder.post(
        PRICES, {"code": "96413", "price": "1", "effective": "2026-01-01"}
    )
    assert refused.status_code == 403
    assert not Charge.objects.exists()


def test_finalised_lines_are_charged_from_the_price_of_their_date(
    nurse: User, coder: User, admin_user: User
) -> None:
    visit = ready_encounter(nurse, coder)
    day = visit.date
    price("96413", "600.00", day - timedelta(days=400), admin_user)
    price("96413", "640.00", day - timedelta(days=30), admin_user)
    price("96413", "990.00", day + timedelta(days=1), admin_user)  # not yet
    price("J9263", "3.60", day - timedelta(days=30), admin_user)
    claims.add_diagnosis(visit, code="C18.9", by=coder)
    visit.refresh_from_db()
    claim = claims.finalise_claim(visit, by=coder, version=visit.version)
    charged = {line.code: line.charge for line in claim.lines.all()}
    assert charged["96413"] == Decimal("640.00")
    assert charged["J9263"] == Decimal("1224.00")  # 340 units at 3.60
    assert charged["J2405"] == Decimal("0.00")  # no price
    assert claim.total_charge == Decimal("1864.00")
    text = x12.claims_837([claim], institutional=True, now=timezone.now(), control=1)
    assert f"CLM*{claim.control_number}*1864*" in text
    assert x12.validate(text) == []


def test_the_review_names_codes_without_a_price(
    as_coder: Client, nurse: User, coder: User, admin_user: User
) -> None:
    visit = ready_encounter(nurse, coder, admin_user)
    price("96413", "640.00", visit.date, admin_user)
    url = reverse("claims:review", kwargs={"pk": visit.pk})
    body = as_coder.get(url).content.decode()
    assert "No price in the price list for 96375, 96415, J2405, J9263" in body
    assert "96413," not in body.split('data-testid="unpriced"')[1].split("</p>")[0]
    assert visit.status == Encounter.Status.READY_FOR_CODING
