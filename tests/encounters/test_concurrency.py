"""Two copies of one tap at the same moment (a double tap on a slow network):
the database lets exactly one through. Needs real concurrent connections, so
it runs on PostgreSQL (CI) and is skipped on SQLite."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from encounters.models import Administration, AdministrationEvent, Method
from tests.conftest import client_for
from tests.encounters import world
from tests.encounters.world import HTMX


@pytest.mark.django_db(transaction=True)
def test_a_racing_double_tap_records_one_event(nurse) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write; the race needs PostgreSQL")
    visit = world.encounter(world.location(nurse))
    drug = world.formulary("J7050")["J7050"]
    infusion = Administration.objects.create(
        encounter=visit,
        drug=drug,
        method=Method.INFUSION,
        site=world.site(visit, nurse),
        created_by=nurse,
    )
    data = world.post_data(visit)  # one key, one version: the same tap twice
    url = reverse("encounters:start", args=[visit.pk, infusion.pk])
    clients: list[Client] = [client_for(nurse), client_for(nurse)]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def tap(client: Client) -> None:
        try:
            barrier.wait()
            statuses.append(client.post(url, data, **HTMX).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tap, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200, 200]
    assert AdministrationEvent.objects.filter(administration=infusion).count() == 1
    visit.refresh_from_db()
    assert visit.version == data["version"] + 1
