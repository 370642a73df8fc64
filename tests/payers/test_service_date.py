"""Try-it compares against the version in force on the engine's own date of
service, not on the date written first in the document."""

from datetime import date

from django.utils import timezone

from payers.comparison import service_date


def infusion(id: str, start: str, stop: str) -> dict[str, object]:
    return {
        "id": id,
        "method": "infusion",
        "site": "A",
        "drug": {"name": "normal saline", "category": "hydration"},
        "start": start,
        "stop": stop,
    }


def test_the_earliest_start_in_the_documents_zone_sets_the_date() -> None:
    document = {
        "setting": "facility",
        "timezone": "America/Chicago",
        "sites": [{"id": "A", "label": "port"}],
        "administrations": [
            # Listed first, written in UTC: 20:00 on 2 March in Chicago.
            infusion("2", "2026-03-03T02:00:00+00:00", "2026-03-03T03:00:00+00:00"),
            infusion("1", "2026-03-02T19:00", "2026-03-02T19:45"),
        ],
        "policy": {"mue": "nonsense"},  # replaced by the comparison
    }
    assert service_date(document) == date(2026, 3, 2)


def test_a_written_date_of_service_wins_and_an_invalid_document_means_today() -> None:
    assert service_date({"setting": "office", "date_of_service": "2026-01-05"}) == (
        date(2026, 1, 5)
    )
    assert service_date({"setting": "nowhere"}) == timezone.localdate()
