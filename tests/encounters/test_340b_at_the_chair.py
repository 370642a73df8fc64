"""A location's hospital facts (department status, 340B) as the Django admin
takes them, and 340B stock at the chair: ticked by default where the location
stocks 340B drugs, untickable, audited."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from encounters.models import Administration, AuditEntry, Encounter, Location, Method
from tests.conftest import client_for
from tests.encounters import world
from tests.encounters.world import HTMX
from tests.migrating import migrator

pytestmark = pytest.mark.django_db

ADD_LOCATION = reverse("admin:encounters_location_add")


@pytest.fixture
def as_superuser(db: None) -> Client:
    # Locations are set up in the Django admin, by a superuser.
    return client_for(User.objects.create_superuser("root", password="root-password"))


def location_form(**fields: str) -> dict[str, str]:
    # A hospital bills on type of bill 13x, an office with place of service 11.
    hospital = fields.get("setting") == "facility"
    bill = {"place_of_service": "", "type_of_bill": "13"} if hospital else {}
    return {
        "name": "Oak Park Infusion Suite",
        "timezone": "America/Chicago",
        "place_of_service": "11",
        "chairs-TOTAL_FORMS": "0",
        "chairs-INITIAL_FORMS": "0",
        **bill,
        **fields,
    }


def test_a_hospital_location_is_saved_with_its_department_and_340b(
    as_superuser: Client,
) -> None:
    page = as_superuser.get(ADD_LOCATION).content.decode()
    assert "TB for rural sole community, children's, PPS-exempt cancer" in page
    assert "JG for all others (R100)" in page
    response = as_superuser.post(
        ADD_LOCATION,
        location_form(
            setting="facility",
            department="off_campus_excepted",
            covered_340b="on",
            modifier_340b="JG",
        ),
    )
    assert response.status_code == 302, response.content.decode()
    place = Location.objects.get(name="Oak Park Infusion Suite")
    assert (place.department, place.covered_340b, place.modifier_340b) == (
        "off_campus_excepted",
        True,
        "JG",
    )
    assert place.stocks_340b


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"setting": "office", "department": "on_campus"},
            "A physician office has no hospital department status",
        ),
        (
            {"setting": "office", "covered_340b": "on"},
            "340B modifiers go on a hospital&#x27;s claim only",
        ),
        (
            {"setting": "office", "modifier_340b": "TB"},
            "A physician office reports no 340B modifier",
        ),
        ({"setting": "facility"}, "Say whether this hospital outpatient location"),
        (
            {"setting": "facility", "department": "on_campus", "covered_340b": "on"},
            "A covered entity reports JG or TB.",
        ),
        (
            {
                "setting": "facility",
                "department": "off_campus_nonexcepted",
                "covered_340b": "on",
                "modifier_340b": "JG",
            },
            "A nonexcepted off-campus department reports its 340B drugs with TB",
        ),
    ],
)
def test_a_location_contradicting_r99_or_r100_is_refused(
    as_superuser: Client, fields: dict[str, str], message: str
) -> None:
    response = as_superuser.post(ADD_LOCATION, location_form(**fields))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Location.objects.exists()


def test_an_office_needs_none_of_it(as_superuser: Client) -> None:
    response = as_superuser.post(ADD_LOCATION, location_form(setting="office"))
    assert response.status_code == 302
    assert not Location.objects.get().stocks_340b


@pytest.mark.django_db(transaction=True)
def test_existing_locations_read_as_before_after_the_migration() -> None:
    with migrator() as migrate:
        before = migrate.to("encounters", "0003_one_patient_per_chair")
        places = before.get_model("encounters", "Location").objects
        places.create(name="Old hospital", setting="facility")
        places.create(name="Old office", setting="office")
        after = migrate.to("encounters", "0004_location_department_and_340b")
        found = after.get_model("encounters", "Location").objects
        facts = ("department", "covered_340b", "modifier_340b")
        assert [
            tuple(getattr(found.get(name=name), fact) for fact in facts)
            for name in ("Old hospital", "Old office")
        ] == [("on_campus", False, "JG"), ("", False, "")]


@pytest.fixture
def covered(nurse: User) -> Location:
    """An excepted off-campus department of a 340B hospital."""
    place = world.location(nurse)
    place.department = Location.Department.OFF_CAMPUS_EXCEPTED
    place.covered_340b = True
    place.modifier_340b = Location.Modifier340B.JG
    place.save()
    return place


def add(client: Client, visit: Encounter, **fields: object) -> object:
    return client.post(
        reverse("encounters:add_administration", args=[visit.pk]),
        world.post_data(visit, **fields),
        **HTMX,
    )


def infliximab(visit: Encounter, drugs: dict, site_pk: int, **extra: str) -> dict:
    return {
        "drug": drugs["J1745"].pk,
        "method": Method.INFUSION,
        "site": site_pk,
        "dose_amount": "400",
        "dose_unit": "mg",
        **extra,
    }


def test_the_add_form_ticks_340b_stock_where_the_location_has_it(
    as_nurse: Client, nurse: User, covered: Location, place: Location
) -> None:
    url = "encounters:add_administration"
    there = world.encounter(covered)
    form = as_nurse.get(reverse(url, args=[there.pk]), **HTMX).content.decode()
    assert 'name="acquired_340b"' in form
    assert "checked" in form.split('name="acquired_340b"')[1].split(">")[0]
    # An on-campus hospital without 340B stock is not asked at all.
    elsewhere = world.encounter(place)
    form = as_nurse.get(reverse(url, args=[elsewhere.pk]), **HTMX).content.decode()
    assert 'name="acquired_340b"' not in form


def test_the_nurse_adds_340b_stock_or_unticks_it_and_both_are_audited(
    as_nurse: Client, nurse: User, covered: Location, drugs: dict
) -> None:
    visit = world.encounter(covered)
    site = world.site(visit, nurse)
    ticked = add(
        as_nurse, visit, **infliximab(visit, drugs, site.pk, acquired_340b="on")
    )
    assert ticked.status_code == 200
    assert "340B stock" in ticked.content.decode()
    unticked = add(as_nurse, visit, **infliximab(visit, drugs, site.pk))
    assert unticked.status_code == 200
    first, second = Administration.objects.filter(encounter=visit).order_by("pk")
    assert (first.acquired_340b, second.acquired_340b) == (True, False)
    added = AuditEntry.objects.filter(action="encounter.administration.added")
    assert [e.after["acquired_340b"] for e in added.order_by("pk")] == [True, False]


def test_the_nurse_unticks_340b_stock_afterwards_audited(
    as_nurse: Client, nurse: User, covered: Location, drugs: dict
) -> None:
    visit = world.encounter(covered)
    site = world.site(visit, nurse)
    add(as_nurse, visit, **infliximab(visit, drugs, site.pk, acquired_340b="on"))
    given = Administration.objects.get(encounter=visit)
    prefix = f"edit-{given.pk}"
    url = reverse("encounters:edit_administration", args=[visit.pk, given.pk])
    assert f'name="{prefix}-acquired_340b"' in as_nurse.get(url, **HTMX).text
    response = as_nurse.post(
        url,
        world.post_data(
            visit, **{f"{prefix}-dose_amount": "400", f"{prefix}-dose_unit": "mg"}
        ),
        **HTMX,
    )
    assert response.status_code == 200
    given.refresh_from_db()
    assert given.acquired_340b is False
    entry = AuditEntry.objects.get(action="encounter.administration.changed")
    assert (entry.before, entry.after) == (
        {"acquired_340b": True},
        {"acquired_340b": False},
    )


def test_an_office_edit_form_does_not_ask_about_340b(
    as_nurse: Client, nurse: User, drugs: dict
) -> None:
    office = world.location(nurse, setting=Location.Setting.OFFICE)
    visit = world.encounter(office)
    site = world.site(visit, nurse)
    add(as_nurse, visit, **infliximab(visit, drugs, site.pk, acquired_340b="on"))
    given = Administration.objects.get(encounter=visit)
    assert given.acquired_340b is False  # not offered, so not taken
    url = reverse("encounters:edit_administration", args=[visit.pk, given.pk])
    assert "acquired_340b" not in as_nurse.get(url, **HTMX).text
