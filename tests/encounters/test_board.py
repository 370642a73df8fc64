from datetime import timedelta

import pytest
from django.urls import reverse

from encounters.clock import clock
from encounters.models import Administration, Encounter, Method
from tests.encounters import world
from tests.encounters.world import HTMX

pytestmark = pytest.mark.django_db


def test_board_shows_chairs_and_running_infusions(as_nurse, visit, drugs, port, nurse):
    infusion = Administration.objects.create(
        encounter=visit,
        drug=drugs["J1745"],
        method=Method.INFUSION,
        site=port,
        expected_minutes=120,
        created_by=nurse,
    )
    infusion.start(at=clock.now(), by=nurse, key=world.key())
    response = as_nurse.get(reverse("encounters:board"))
    assert response.status_code == 200
    assert visit.patient.name in response.text
    assert "Infliximab" in response.text
    assert 'class="elapsed' in response.text
    assert 'data-expected-seconds="7200"' in response.text
    assert "Overdue: no stop" not in response.text


def test_overdue_infusion_gets_a_loud_marker(as_nurse, visit, drugs, port, nurse):
    infusion = Administration.objects.create(
        encounter=visit,
        drug=drugs["J7050"],
        method=Method.INFUSION,
        site=port,
        expected_minutes=60,
        created_by=nurse,
    )
    infusion.start(at=clock.now() - timedelta(minutes=75), by=nurse, key=world.key())
    response = as_nurse.get(reverse("encounters:board"))
    assert "Overdue: no stop" in response.text


def test_polling_returns_only_the_chairs(as_nurse, visit) -> None:
    response = as_nurse.get(
        reverse("encounters:board"), headers={"X-Chairside-Background": "1"}, **HTMX
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="chairs"')
    assert "<html" not in response.text
    assert response["Vary"].count("HX-Request") == 1


def test_check_in_puts_the_patient_in_a_chair(as_nurse, place) -> None:
    scheduled = world.encounter(place, status=Encounter.Status.SCHEDULED)
    chair = place.chairs.first()
    response = as_nurse.post(
        reverse("encounters:check_in", args=[scheduled.pk]),
        world.post_data(scheduled, chair=chair.pk),
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == scheduled.get_absolute_url()
    scheduled.refresh_from_db()
    assert scheduled.status == Encounter.Status.IN_CHAIR
    assert scheduled.chair == chair
    assert scheduled.audit_entries.get().action == "encounter.checked_in"


def test_check_in_to_a_taken_chair_is_refused(as_nurse, place, visit) -> None:
    scheduled = world.encounter(place, status=Encounter.Status.SCHEDULED)
    response = as_nurse.post(
        reverse("encounters:check_in", args=[scheduled.pk]),
        world.post_data(scheduled, chair=visit.chair.pk),
        **HTMX,
    )
    assert response.status_code == 422
    assert "Choose a free chair" in response.text
    scheduled.refresh_from_db()
    assert scheduled.status == Encounter.Status.SCHEDULED


def test_board_hides_other_centres(as_nurse, visit) -> None:
    from django.contrib.auth.models import User

    elsewhere = world.encounter(world.location(User.objects.create_user("x")))
    response = as_nurse.get(reverse("encounters:board"))
    assert visit.patient.name in response.text
    assert elsewhere.patient.name not in response.text
