"""Next quarter's CMS editions, loaded ahead of their date: what changes, and
which open and recent encounters would be coded or edited differently."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from demo.next_quarter import next_quarter
from reference.importing import import_cms_files
from tests.claims.claim_world import ready_encounter
from tests.reference import cms_fixtures as cms

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def upcoming(db: None) -> str:
    """Next quarter's outpatient hospital MUE: 96413 down to 0, 96415 up."""
    call_command("load_reference_data", stdout=StringIO())
    starts = next_quarter(timezone.localdate())
    name = f"MCR_MUE_OutpatientHospitalServices_Eff_{starts:%m-%d-%Y}.csv"
    rows = [("96413", 0, 3, "Clinical: Data"), ("96415", 9, 3, "Clinical: Data")]
    import_cms_files([(name, cms.mue_csv(rows, setting="outpatient_hospital"))])
    return starts.isoformat()


def test_the_page_lists_the_codes_whose_values_change(
    upcoming: str, as_admin: Client
) -> None:
    page = as_admin.get(reverse("payers:next_quarter"))
    assert page.status_code == 200
    html = page.text
    assert f'data-starts="{upcoming}"' in html
    assert "Against NCCI_MUE_2024Q3" in html
    row = html.split('data-key="96413"')[1].split("</tr>")[0]
    assert "1 (date of service, clinical)" in row
    assert "0 (date of service, clinical)" in row
    # A code the new file leaves out is shown as removed.
    assert "(removed)" in html.split('data-key="96360"')[1].split("</tr>")[0]


def test_replay_names_the_encounters_that_would_be_edited_differently(
    upcoming: str, as_admin: Client, nurse: User
) -> None:
    visit = ready_encounter(nurse)
    response = as_admin.post(
        reverse("payers:replay_next_quarter"), {"starts": upcoming}, **HTMX
    )
    assert response.status_code == 200
    assert "<strong>1 of 1</strong>" in response.text
    assert reverse("claims:review", args=[visit.pk]) in response.text


def test_replay_of_a_date_with_no_edition_is_refused(
    upcoming: str, as_admin: Client
) -> None:
    response = as_admin.post(
        reverse("payers:replay_next_quarter"), {"starts": "2020-01-01"}, **HTMX
    )
    assert response.status_code == 422
    assert "Choose the date of an edition" in response.text


def test_without_an_upcoming_edition_the_page_says_so(as_admin: Client) -> None:
    page = as_admin.get(reverse("payers:next_quarter"))
    assert 'data-testid="no-upcoming"' in page.text


def test_the_reference_page_points_admins_to_next_quarter(
    upcoming: str, as_admin: Client
) -> None:
    page = as_admin.get(reverse("reference:reference")).text
    assert reverse("payers:next_quarter") in page
    assert "from " + upcoming in page
