"""The chair board at check-in: each prior authorisation of the patient and
the payer in force today with what it has left, and a warning for a drug of
the day on the payer's list that no authorisation covers."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from claims.models import AuthorisationUse, Claim
from demo.payers import seed_payers
from encounters.models import Administration, Encounter, Location, Method
from payers.models import Authorisation, Payer
from reference.models import Drug
from tests.encounters import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def prairie(db: None) -> Payer:
    # Prairie Health Plan lists infliximab, omalizumab and pembrolizumab.
    return seed_payers()["Prairie Health Plan"]


def authorise(visit: Encounter, *, since: int = -30, until: int = 90) -> Authorisation:
    today = timezone.localdate()
    return Authorisation.objects.create(
        patient=visit.patient,
        payer=visit.payer,
        number="PHP-24-118230",
        codes=["J1745"],
        units_approved=Decimal(240),
        visits_approved=6,
        effective_from=today + timedelta(days=since),
        effective_to=today + timedelta(days=until),
    )


def infliximab(visit: Encounter, drugs: dict[str, Drug], nurse: User) -> None:
    Administration.objects.create(
        encounter=visit,
        drug=drugs["J1745"],
        method=Method.INFUSION,
        site=world.site(visit, nurse),
        dose_amount=400,
        dose_unit="mg",
        created_by=nurse,
    )


def board(client: Client) -> str:
    return client.get(reverse("encounters:board")).content.decode()


def test_check_in_shows_the_authorisation_left(
    as_nurse: Client, place: Location, prairie: Payer
) -> None:
    waiting = world.encounter(
        place, status=Encounter.Status.SCHEDULED, payer="Prairie Health Plan"
    )
    held = authorise(waiting)
    page = board(as_nurse)
    assert (
        f"Authorisation PHP-24-118230 (J1745): 240 units and 6 visits left, to "
        f"{held.effective_to:%Y-%m-%d}" in page
    )
    assert "authorisation-warning" not in page


def test_a_drug_on_the_payers_list_without_an_authorisation_is_warned(
    as_nurse: Client,
    place: Location,
    prairie: Payer,
    drugs: dict[str, Drug],
    nurse: User,
) -> None:
    seated = world.encounter(place, payer="Prairie Health Plan")
    infliximab(seated, drugs, nurse)
    page = board(as_nurse)
    assert (
        "No prior authorisation covers Infliximab (J1745) on "
        f"{seated.date:%Y-%m-%d}: Prairie Health Plan requires one." in page
    )
    # One that ended last week covers nothing today.
    authorise(seated, since=-200, until=-8)
    assert "No prior authorisation covers Infliximab (J1745)" in board(as_nurse)
    Authorisation.objects.update(effective_to=timezone.localdate())
    page = board(as_nurse)
    assert "No prior authorisation covers" not in page
    assert "240 units and 6 visits left" in page


def test_an_authorisation_used_up_is_warned(
    as_nurse: Client,
    place: Location,
    prairie: Payer,
    drugs: dict[str, Drug],
    nurse: User,
) -> None:
    seated = world.encounter(place, payer="Prairie Health Plan")
    infliximab(seated, drugs, nurse)
    authorisation = authorise(seated)
    # Earlier finalised claims took all 240 units and six visits.
    earlier = world.encounter(place, payer="Prairie Health Plan")
    AuthorisationUse.objects.create(
        authorisation=authorisation,
        encounter=earlier,
        claim=Claim.objects.create(encounter=earlier),
        units=Decimal(240),
        visits=6,
    )
    page = board(as_nurse)
    assert "0 units and 0 visits left" in page
    assert (
        "Authorisation PHP-24-118230 covers Infliximab (J1745) but has nothing "
        "left: ask Prairie Health Plan for more." in page
    )


def test_a_payer_that_lists_nothing_warns_of_nothing(
    as_nurse: Client,
    place: Location,
    prairie: Payer,
    drugs: dict[str, Drug],
    nurse: User,
) -> None:
    # Traditional Medicare asks no prior authorisation for Part B drugs.
    seated = world.encounter(place, payer="Medicare")
    infliximab(seated, drugs, nurse)
    assert "Prior authorisation:" not in board(as_nurse)


def test_the_board_asks_the_same_few_queries_for_many_patients(
    as_nurse: Client,
    place: Location,
    prairie: Payer,
    drugs: dict[str, Drug],
    nurse: User,
    django_assert_max_num_queries: Any,
) -> None:
    def arrive(status: str) -> None:
        visit = world.encounter(place, status=status, payer="Prairie Health Plan")
        infliximab(visit, drugs, nurse)
        authorise_number(visit)

    arrive(Encounter.Status.IN_CHAIR)
    arrive(Encounter.Status.SCHEDULED)
    board(as_nurse)  # the session's first request
    with django_assert_max_num_queries(12) as few:
        board(as_nurse)
    for status in (Encounter.Status.IN_CHAIR, Encounter.Status.SCHEDULED) * 2:
        arrive(status)
    with django_assert_max_num_queries(len(few)):
        board(as_nurse)


def authorise_number(visit: Encounter) -> None:
    Authorisation.objects.create(
        patient=visit.patient,
        payer=visit.payer,
        number=f"PHP-{visit.pk}",
        codes=["J1745"],
        visits_approved=6,
        effective_from=date(2020, 1, 1),
        effective_to=date(2099, 1, 1),
    )
