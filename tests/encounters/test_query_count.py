from datetime import timedelta

import pytest
from django.urls import reverse

from coding.services import derive_encounter
from demo.payers import seed_payers
from encounters.clock import clock
from encounters.models import Administration, Method
from tests.conftest import client_for
from tests.encounters import world
from tests.encounters.world import HTMX


@pytest.mark.django_db(transaction=True)
def test_start_and_stop_with_ten_administrations_take_at_most_12_queries(
    nurse, django_assert_max_num_queries
) -> None:
    # Outside a test transaction, as in production: no savepoint statements.
    # Medicare with its published policy version, as in the demo.
    seed_payers()
    visit = world.encounter(world.location(nurse))
    drugs = world.formulary("J9263", "J0640", "J9190", "J2405", "J7050")
    port, arm = world.site(visit, nurse, "port"), world.site(visit, nurse, "left arm")
    codes = list(drugs)
    given = []
    for n in range(10):
        given.append(
            Administration.objects.create(
                encounter=visit,
                drug=drugs[codes[n % len(codes)]],
                method=Method.INFUSION if n % 3 else Method.PUSH,
                site=port if n % 2 else arm,
                dose_amount=250 if codes[n % len(codes)] == "J7050" else 10,
                dose_unit="mL" if codes[n % len(codes)] == "J7050" else "mg",
                created_by=nurse,
            )
        )
    assert "errors" not in derive_encounter(visit).result
    client = client_for(nurse)
    client.get(visit.get_absolute_url())  # the session's first request
    target = given[1]
    url = reverse("encounters:start", args=[visit.pk, target.pk])
    data = world.post_data(visit)
    with django_assert_max_num_queries(12):
        response = client.post(url, data, **HTMX)
    assert response.status_code == 200
    assert "started at" in response.text
    clock.advance(timedelta(minutes=45))
    url = reverse("encounters:stop", args=[visit.pk, target.pk])
    data = world.post_data(visit)
    with django_assert_max_num_queries(12):
        response = client.post(url, data, **HTMX)
    assert response.status_code == 200
    # Dexamethasone ran 45 minutes: a real result, not an invalid document.
    assert 'data-code="96365"' in response.text
