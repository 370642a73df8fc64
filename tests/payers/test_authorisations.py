"""Prior authorisations: what one covers and has left, the payer's list of
codes that need one (kept on the payer's page), authorisations as admins
enter them (every bad value beside its field) and the list coders read."""

import html
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from encounters.models import Encounter, Location, Patient
from payers.models import Authorisation, AuthorisationRequirement, Payer, Remaining
from tests.encounters import world

pytestmark = pytest.mark.django_db

ADD_AUTHORISATION = reverse("admin:payers_authorisation_add")


@pytest.fixture
def prairie(payers: dict[str, Payer]) -> Payer:
    return payers["Prairie Health Plan"]


@pytest.fixture
def patient(db: None) -> Patient:
    return Patient.objects.create(
        mrn="PA-1", name="Daniel Okoro", date_of_birth=date(1979, 11, 2)
    )


def authorisation(patient: Patient, payer: Payer, **fields: object) -> Authorisation:
    values: dict[str, object] = {
        "number": "PHP-24-118230",
        "codes": ["J1745"],
        "units_approved": Decimal(240),
        "visits_approved": 6,
        "effective_from": date(2026, 10, 1),
        "effective_to": date(2027, 3, 31),
        **fields,
    }
    return Authorisation.objects.create(patient=patient, payer=payer, **values)


def test_an_authorisation_covers_its_codes_from_its_first_to_its_last_day(
    patient: Patient, prairie: Payer
) -> None:
    held = authorisation(patient, prairie)
    assert held.covers("J1745", date(2026, 10, 1))
    assert held.covers("J1745", date(2027, 3, 31))
    assert not held.covers("J1745", date(2026, 9, 30))
    assert not held.covers("J1745", date(2027, 4, 1))
    assert not held.covers("J2357", date(2026, 12, 1))


def test_what_is_left_is_approved_less_used(patient: Patient, prairie: Payer) -> None:
    held = authorisation(patient, prairie)
    left = held.remaining(Decimal(200), 5)
    assert left == Remaining(units=Decimal(40), visits=1)
    assert not left.exhausted
    assert left.describe() == "40 units and 1 visit left"
    # Nothing is counted yet (authorisation_use): all of it is left.
    assert held.left().describe() == "240 units and 6 visits left"
    assert held.approved == "240 units and 6 visits"
    assert held.remaining(Decimal(240), 2).exhausted
    # Gone past what was approved: below zero, said as none left.
    over = held.remaining(Decimal(280), 7)
    assert over.exhausted
    assert over.describe() == "0 units and 0 visits left"
    visits_only = authorisation(
        patient, prairie, number="PHP-2", units_approved=None, visits_approved=12
    )
    assert visits_only.remaining(Decimal(400), 11).describe() == "1 visit left"
    visit = Encounter.objects.create(
        patient=patient,
        location=Location.objects.create(name="Clinic", setting="office"),
        payer=prairie,
        date=date(2026, 12, 1),
        visit_number="V-AUTH",
    )
    assert visits_only.left_for(visit).visits == 12


def errors_beside(page: str) -> dict[str, str]:
    """Each field's error list in the Django admin's form, by field name."""
    found = {}
    for block in page.split('<div class="form-row')[1:]:
        name = block.split("field-", 1)[1].split('"', 1)[0].split(" ")[0]
        if 'class="errorlist' in block:
            errors = block.split('class="errorlist', 1)[1].split("</ul>", 1)[0]
            found[name] = html.unescape(errors)
    return found


def authorisation_form(patient: Patient, payer: Payer, **fields: str) -> dict[str, str]:
    return {
        "patient": str(patient.pk),
        "payer": str(payer.pk),
        "number": "PHP-24-118230",
        "codes": "j1745, J9271",
        "units_approved": "240",
        "visits_approved": "6",
        "effective_from": "2026-10-01",
        "effective_to": "2027-03-31",
        **fields,
    }


def test_an_admin_enters_an_authorisation_with_its_codes_as_text(
    as_admin: Client, patient: Patient, prairie: Payer
) -> None:
    response = as_admin.post(ADD_AUTHORISATION, authorisation_form(patient, prairie))
    assert response.status_code == 302, errors_beside(response.content.decode())
    held = Authorisation.objects.get()
    assert held.codes == ["J1745", "J9271"]
    page = as_admin.get(
        reverse("admin:payers_authorisation_change", args=[held.pk])
    ).content.decode()
    assert 'value="J1745, J9271"' in page


def test_a_bad_authorisation_says_every_problem_beside_its_field(
    as_admin: Client, patient: Patient, prairie: Payer
) -> None:
    response = as_admin.post(
        ADD_AUTHORISATION,
        authorisation_form(
            patient,
            prairie,
            codes="J1745, infliximab",
            units_approved="",
            visits_approved="",
            effective_to="2026-09-30",
        ),
    )
    assert response.status_code == 200
    beside = errors_beside(response.content.decode())
    assert "INFLIXIMAB is not a HCPCS or CPT code" in beside["codes"]
    assert "Give the units or the visits approved" in beside["units_approved"]
    assert "The last day comes before the first." in beside["effective_to"]
    response = as_admin.post(
        ADD_AUTHORISATION,
        authorisation_form(patient, prairie, codes="", effective_from="2026-13-01"),
    )
    beside = errors_beside(response.content.decode())
    assert "Name the codes the authorisation covers" in beside["codes"]
    assert "Enter a valid date." in beside["effective_from"]
    assert not Authorisation.objects.exists()


def test_the_payer_page_keeps_the_codes_that_need_an_authorisation(
    as_admin: Client, prairie: Payer
) -> None:
    world.formulary("J1745", "J0897")
    url = reverse("payers:detail", args=[prairie.pk])
    page = as_admin.get(url).content.decode()
    # The demo's Prairie Health Plan lists its biologics, with their names.
    listed = page.split('data-testid="authorisation-codes"', 1)[1].split("</ul>")[0]
    assert "<strong>J1745</strong>" in listed
    assert "Infliximab" in listed

    add = reverse("payers:add_requirement", args=[prairie.pk])
    response = as_admin.post(add, {"code": "j0897"}, follow=True)
    assert "Prairie Health Plan now pays J0897 only with a prior authorisation" in (
        response.content.decode()
    )
    assert prairie.authorisation_requirements.filter(code="J0897").exists()

    response = as_admin.post(add, {"code": "J0897"}, follow=True)
    assert "J0897 was on Prairie Health Plan&#x27;s list already." in (
        response.content.decode()
    )
    assert prairie.authorisation_requirements.filter(code="J0897").count() == 1

    response = as_admin.post(add, {"code": "denosumab"})
    assert response.status_code == 422
    text = html.unescape(response.content.decode())
    assert "Ensure this value has at most 5 characters" in text
    response = as_admin.post(add, {"code": "J08"})
    assert response.status_code == 422
    assert "J08 is not a HCPCS or CPT code (5 characters, as J1745)." in (
        html.unescape(response.content.decode())
    )

    requirement = prairie.authorisation_requirements.get(code="J0897")
    remove = reverse("payers:remove_requirement", args=[requirement.pk])
    response = as_admin.post(remove, follow=True)
    assert (
        "Prairie Health Plan no longer needs a prior authorisation for J0897."
        in response.content.decode()
    )
    assert not AuthorisationRequirement.objects.filter(pk=requirement.pk).exists()
    history = as_admin.get(url).content.decode()
    assert "Prior authorisation requirement for J0897 deleted" in history
    assert "Prior authorisation requirement for J0897 created" in history


def test_coders_read_the_authorisations_with_what_is_left(
    as_coder: Client, patient: Patient, prairie: Payer
) -> None:
    today = timezone.localdate()
    authorisation(
        patient,
        prairie,
        effective_from=today - timedelta(days=30),
        effective_to=today + timedelta(days=90),
    )
    authorisation(
        patient,
        prairie,
        number="PHP-OLD",
        codes=["J2357"],
        effective_from=today - timedelta(days=200),
        effective_to=today - timedelta(days=8),
    )
    url = reverse("payers:authorisations")
    page = as_coder.get(url).content.decode()
    assert "PHP-24-118230" in page
    assert "240 units and 6 visits left" in page
    assert "PHP-OLD" not in page
    assert "Add an authorisation" not in page  # admins add them
    page = as_coder.get(url, {"ended": "1", "q": "okoro"}).content.decode()
    assert "PHP-OLD" in page
    page = as_coder.get(url, {"q": "nobody"}).content.decode()
    assert "No authorisation matches “nobody” that has not ended." in page


def test_admins_reach_the_django_admin_from_the_list(
    as_admin: Client, patient: Patient, prairie: Payer
) -> None:
    held = authorisation(patient, prairie, effective_to=date(2099, 1, 1))
    page = as_admin.get(reverse("payers:authorisations")).content.decode()
    assert reverse("admin:payers_authorisation_add") in page
    assert reverse("admin:payers_authorisation_change", args=[held.pk]) in page


def test_the_list_costs_the_same_queries_for_one_or_many(
    as_coder: Client,
    patient: Patient,
    prairie: Payer,
    django_assert_max_num_queries: Any,
) -> None:
    url = reverse("payers:authorisations")
    authorisation(patient, prairie, effective_to=date(2099, 1, 1))
    with CaptureQueriesContext(connection) as one:
        as_coder.get(url)
    for n in range(20):
        authorisation(patient, prairie, number=f"N-{n}", effective_to=date(2099, 1, 1))
    with django_assert_max_num_queries(len(one)):
        page = as_coder.get(url).content.decode()
    assert page.count("240 units and 6 visits left") == 21
