from datetime import date, timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coding.models import Derivation
from demo.payers import seed_payers
from encounters.models import Encounter, Location
from payers.models import Payer
from tests.claims.claim_world import ready_encounter
from tests.encounters import world

pytestmark = pytest.mark.django_db

URL = reverse("claims:worklist")


def derived(visit: Encounter, result: dict) -> None:
    Derivation.objects.create(
        encounter=visit,
        result=result,
        derived_at=timezone.now(),
        **Derivation.summary_of(result),
    )


def line(code: str, units: int = 1) -> dict:
    return {"code": code, "units": units, "kind": "administration"}


def finding(severity: str, message: str) -> dict:
    return {"severity": severity, "code": "x", "message": message}


@pytest.fixture
def place(nurse: User, coder: User) -> Location:
    return world.location(nurse, coder, name="North")


def many(place: Location, n: int, *, day: date | None = None, **kw: str) -> None:
    for _ in range(n):
        visit = world.encounter(place, status=Encounter.Status.READY_FOR_CODING, **kw)
        if day:
            visit.date = day
            visit.save(update_fields=["date"])
        derived(visit, {"lines": [line("96365"), line("J1745", 40)], "findings": []})


def visits(response) -> list[str]:
    return [row.visit_number for row in response.context["page"].rows]


def test_rows_show_payer_lines_and_worst_finding(
    as_coder: Client, place: Location
) -> None:
    visit = world.encounter(place, status=Encounter.Status.READY_FOR_CODING)
    derived(
        visit,
        {
            "lines": [line("96413"), line("J9263", 340)],
            "findings": [
                finding("info", "Chemotherapy ranks first."),
                finding("warning", "No stop time on the hydration."),
            ],
        },
    )
    response = as_coder.get(URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert "96413 J9263×340" in body
    assert "No stop time on the hydration." in body
    assert "Chemotherapy ranks first." not in body
    assert "Medicare" in body


def test_only_encounters_sent_to_coding_at_my_centres(
    as_coder: Client, place: Location, nurse: User
) -> None:
    many(place, 1)
    world.encounter(place, status=Encounter.Status.IN_CHAIR)
    elsewhere = world.location(nurse, name="South")
    world.encounter(elsewhere, status=Encounter.Status.READY_FOR_CODING)
    response = as_coder.get(URL)
    assert response.context["page"].total == 1


def test_filters_and_counts(
    as_coder: Client, place: Location, nurse: User, coder: User
) -> None:
    seed_payers()
    today = timezone.localdate()
    many(place, 2, day=today - timedelta(days=10))
    many(place, 3, day=today)
    many(place, 1, day=today, payer="Lakeshore Mutual")
    ready = ready_encounter(nurse, coder, place=place)
    coded = world.encounter(place, status=Encounter.Status.CODED)
    derived(coded, {"lines": [], "findings": [finding("error", "Drug needs review")]})

    def get(**params: str) -> list[str]:
        return visits(as_coder.get(URL, params))

    assert len(get()) == 8
    assert len(get(date_from=today.isoformat(), date_to=today.isoformat())) == 6
    assert len(get(date_to=(today - timedelta(days=1)).isoformat())) == 2
    lakeshore = str(Payer.objects.get(name="Lakeshore Mutual").pk)
    assert len(get(payer=lakeshore)) == 1
    assert get(status="coded") == [coded.visit_number]
    assert get(findings="error") == [coded.visit_number]
    assert coded.visit_number not in get(findings="clean")
    assert get(nurse=str(nurse.pk)) == [ready.visit_number]
    assert get(location=str(place.pk)) == get()

    response = as_coder.get(URL, {"status": "coded"})
    assert response.context["page"].counts == {"ready_for_coding": 7, "coded": 1}
    assert response.context["page"].total == 1
    assert "Coded 1" in response.content.decode()


def test_a_bad_filter_is_a_422_with_the_reason(
    as_coder: Client, place: Location
) -> None:
    response = as_coder.get(URL, {"date_from": "2026-11-20", "date_to": "2026-11-01"})
    assert response.status_code == 422
    assert "The end date is before the start date." in response.content.decode()
    assert as_coder.get(URL, {"after": "nonsense"}).status_code == 422


def test_keyset_pages_cover_every_row_once(as_coder: Client, place: Location) -> None:
    today = timezone.localdate()
    for offset in range(4):
        many(place, 15, day=today - timedelta(days=offset))
    seen: list[str] = []
    params: dict[str, str] = {}
    pages = 0
    while True:
        response = as_coder.get(URL, params)
        seen += visits(response)
        pages += 1
        after = response.context["page"].next_after
        if not after:
            break
        params = {"after": after}
    assert pages == 3
    assert len(seen) == len(set(seen)) == 60
    dates = [Encounter.objects.get(visit_number=v).date for v in seen]
    assert dates == sorted(dates, reverse=True)
    oldest = visits(as_coder.get(URL, {"sort": "oldest"}))
    assert Encounter.objects.get(visit_number=oldest[0]).date == today - timedelta(3)


def test_htmx_gets_only_the_results(as_coder: Client, place: Location) -> None:
    many(place, 1)
    response = as_coder.get(URL, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="results"')
    assert "HX-Request" in response["Vary"]


def test_the_query_count_does_not_grow_with_the_encounters(
    as_coder: Client,
    place: Location,
    django_assert_max_num_queries,
) -> None:
    many(place, 3)
    with django_assert_max_num_queries(11):
        assert len(visits(as_coder.get(URL))) == 3
    many(place, 40)
    with django_assert_max_num_queries(11):
        assert len(visits(as_coder.get(URL, {"findings": "clean"}))) == 25
