"""Two admins publish overlapping versions of one payer at the same moment:
exactly one wins, and the payer still has no overlapping versions."""

import threading
from datetime import date

import pytest
from django.db import close_old_connections, connection

from payers.models import Payer, PolicyVersion
from payers.services import PolicyConflict, publish_policy_version
from tests.payers.conftest import draft, published

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite serialises every writer with one database lock, so two "
        "threads cannot race there; the race is tested on PostgreSQL (CI)",
    ),
]


def test_two_overlapping_publications_at_once_exactly_one_wins() -> None:
    payer = Payer.objects.create(name="Race Health", kind=Payer.Kind.COMMERCIAL)
    published(payer, date(2025, 1, 1))
    contenders = [draft(payer, date(2026, 7, 1)) for _ in range(2)]
    start = threading.Barrier(len(contenders))
    outcomes: dict[int, str] = {}

    def publish(version: PolicyVersion) -> None:
        try:
            start.wait()
            publish_policy_version(version, by=None, note="Race")
            outcomes[version.pk] = "published"
        except PolicyConflict:
            outcomes[version.pk] = "refused"
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=publish, args=(v,)) for v in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes.values()) == ["published", "refused"]
    versions = list(payer.policy_versions.published().order_by("effective_from"))
    assert len(versions) == 2
    first, second = versions
    assert first.effective_to == date(2026, 6, 30)
    assert second.effective_from == date(2026, 7, 1)
