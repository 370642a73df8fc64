"""The manager's reports on the demo data: charts with their tables, the
shared filters, a CSV, the encounters behind a number; a nurse is refused."""

import csv
import io
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from claims.models import LinePayment
from encounters.models import Encounter, Location

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo")]


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        call_command("load_reference_data", verbosity=0)
        call_command("seed_demo", stdout=StringIO())
        yield
        call_command("flush", interactive=False, verbosity=0)


def signed_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=f"chairside-{username}")
    return client


def range_of(days: int = 120) -> dict[str, str]:
    today = timezone.localdate()
    return {
        "since": (today - timezone.timedelta(days=days)).isoformat(),
        "until": today.isoformat(),
    }


def table(html: str, slug: str) -> str:
    return html.split(f'id="{slug}"')[1].split("</section>")[0]


def test_the_manager_sees_every_report_with_a_chart_and_its_table(demo: None) -> None:
    manager = signed_in("manager")
    assert manager.get(reverse("home"))["Location"] == reverse("reports:reports")
    page = manager.get(reverse("reports:reports"), range_of())
    assert page.status_code == 200
    html = page.text
    charts = html.count('class="report-chart"')
    assert charts >= 4
    for slug in ("documentation", "lag", "waiting", "revenue", "denials", "chairs"):
        section = table(html, slug)
        assert "<svg" in section, slug
        assert "<table" in section, slug
    # The denial chart names the demo's bundled line.
    assert "CO-97" in table(html, "denials")
    # Chair use is measured against the demo's opening hours.
    assert "Monday" in table(html, "chairs")


def test_the_numbers_are_the_records(demo: None) -> None:
    manager = signed_in("manager")
    html = manager.get(reverse("reports:reports"), range_of(365)).text
    denied = LinePayment.objects.filter(denied=True, superseded=False).count()
    row = table(html, "denials").split('data-key="CO-97"')[1].split("</tr>")[0]
    assert f'<td class="text-end">{denied}</td>' in row


def test_filters_narrow_every_report(demo: None) -> None:
    manager = signed_in("manager")
    office = Location.objects.get(setting=Location.Setting.OFFICE)
    every = manager.get(reverse("reports:reports"), range_of()).text
    one = manager.get(
        reverse("reports:reports"), {**range_of(), "location": office.pk}
    ).text
    assert table(every, "chairs").count("<tr data-key") > table(one, "chairs").count(
        "<tr data-key"
    )
    bad = manager.get(
        reverse("reports:reports"), {"since": "2026-12-01", "until": "2026-01-01"}
    )
    assert bad.status_code == 422
    assert "The range ends before it starts." in bad.text


def test_a_report_downloads_as_csv(demo: None) -> None:
    manager = signed_in("manager")
    response = manager.get(reverse("reports:csv", args=["revenue"]), range_of())
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "Payer",
        "Charged",
        "Expected",
        "Paid",
        "Denied",
        "Underpaid lines",
    ]
    assert len(rows) > 2
    assert manager.get(reverse("reports:csv", args=["nonsense"])).status_code == 404


def test_a_number_leads_to_its_encounters_which_open_read_only(demo: None) -> None:
    manager = signed_in("manager")
    html = manager.get(reverse("reports:reports"), range_of()).text
    waiting = table(html, "waiting")
    key = waiting.split('data-key="')[1].split('"')[0]
    link = reverse("reports:behind", args=["waiting", key])
    listed = manager.get(link, range_of())
    assert listed.status_code == 200
    span = range_of()
    expected = Encounter.objects.filter(
        status=key, date__range=(span["since"], span["until"])
    )
    assert expected.exists()
    assert listed.text.count("<tr><td>") == expected.count()
    review = manager.get(reverse("claims:review", args=[expected.first().pk]))
    assert review.status_code == 200
    # Read-only: none of the coder's actions are offered.
    assert "Finalise" not in review.text
    assert 'id="diagnosis-form"' not in review.text
    missing = reverse("reports:behind", args=["waiting", "x"])
    assert manager.get(missing, span).status_code == 404


def test_nurses_and_coders_are_refused(demo: None) -> None:
    assert signed_in("nurse").get(reverse("reports:reports")).status_code == 403
    assert signed_in("coder").get(reverse("reports:reports")).status_code == 403
    assert signed_in("admin").get(reverse("reports:reports")).status_code == 200
    assert User.objects.get(username="manager").groups.get().name == "Manager"
